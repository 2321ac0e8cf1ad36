/**
 * Incoming: this org's durable consumer, read with explicit acks. Messages are taken in small
 * batches (what arrived before the next turn of the event loop): each is decided
 * (inbound.ts), the decisions are committed to the log with one fdatasync, delivered, and only
 * then acknowledged. A crash before the ack makes the server deliver it again after ack_wait,
 * and the repeat is recognised by its id (already in the log) and only acknowledged. So each
 * recipient gets it exactly once. A payload that is not mailroom's is terminated (never
 * redelivered) with a warning.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JsMsg, ConsumerMessages } from '@nats-io/jetstream';
import type { MessageAccepted, MessageRejected } from '../../bus/events.js';
import { keptName, writeWhole } from '../../bus/store/deadletter.js';
import type { Layout } from '../../workspaces/layout.js';
import type { OrgConfig } from '../config/schema.js';
import type { Decision } from '../daemon/intake.js';
import type { JournalPort } from '../daemon/journal.js';
import type { Logger } from '../logger.js';
import { decideInbound } from './inbound.js';
import { sleep, type Link } from './link.js';
import { DURABLE, decodeWire, streamOf, type Wire } from './wire.js';

export interface ReceiverDeps {
  link: Link;
  journal: JournalPort;
  layout: Layout;
  logger: Logger;
  config: () => OrgConfig;
  org: string;
  now: () => string;
  maxHops: number;
  /** Act on committed decisions (the daemon's delivery step). */
  deliver: (decisions: Decision[]) => void;
}

export class Receiver {
  private messages: ConsumerMessages | null = null;
  private buffer: JsMsg[] = [];
  private flushing = false;
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly d: ReceiverDeps) {}

  /** (Re)start reading: at start and every time the link is ready again. */
  wake(): void {
    if (this.stopped || this.loop) return;
    this.loop = this.read().finally(() => (this.loop = null));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    await this.loop;
    this.flush();
  }

  private async read(): Promise<void> {
    let delay = 250;
    while (!this.stopped && this.d.link.ready && this.d.link.js) {
      try {
        const consumer = await this.d.link.js.consumers.get(streamOf(this.d.org), DURABLE);
        this.messages = await consumer.consume({ max_messages: 256 });
        for await (const m of this.messages) {
          this.buffer.push(m);
          if (this.buffer.length === 1) setImmediate(() => this.flush());
        }
        delay = 250;
      } catch (err) {
        if (this.stopped) return;
        this.d.logger.warn(`bridge: reading ${streamOf(this.d.org)} failed (${(err as Error).message}); trying again`);
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  /** Decide, commit, deliver, then ack: everything that arrived since the last turn. */
  private flush(): void {
    if (this.flushing || this.buffer.length === 0) return;
    this.flushing = true;
    const batch = this.buffer.splice(0);
    try {
      const { journal } = this.d;
      const decisions: Decision[] = [];
      const acks: JsMsg[] = [];
      for (const m of batch) {
        const w = decodeWire(m.data);
        if (typeof w === 'string') {
          this.d.logger.warn(
            `bridge: message ${m.seq} of ${streamOf(this.d.org)} is not mailroom's (${w}); it is dropped from the stream`,
          );
          m.term(w);
          continue;
        }
        const seen = (id: string) => journal.state.threads.has(id) || journal.state.rejected.has(id);
        const d = decideInbound(
          w,
          { config: this.d.config(), board: journal.state.board, seen, maxHops: this.d.maxHops },
          this.d.now(),
        );
        if (d.kind === 'accept') decisions.push({ kind: 'deliver', event: journal.stage(d.fields) as MessageAccepted });
        else if (d.kind === 'reject') {
          journal.stage(d.rejected);
          this.keep(w, d.rejected);
          if (d.bounce) decisions.push({ kind: 'deliver', event: journal.stage(d.bounce) as MessageAccepted });
        }
        acks.push(m);
      }
      journal.commit(); // durable before any ack
      this.d.deliver(decisions);
      for (const m of acks) m.ack();
    } catch (err) {
      // Not acknowledged: the server delivers them again after ack_wait, and the log recognises what was taken.
      this.d.logger.warn(
        `bridge: a batch of ${batch.length} incoming message(s) failed (${(err as Error).message}); they come again after ack_wait`,
      );
    } finally {
      this.flushing = false;
    }
    if (this.buffer.length) setImmediate(() => this.flush());
  }

  /** A rejected message from another org, kept in bus/deadletter/ with its reason. */
  private keep(w: Wire, r: Omit<MessageRejected, 'seq'>): void {
    const target = path.join(this.d.layout.deadletter, keptName(r.id, r.origin));
    fs.writeFileSync(target, w.text);
    const reason = [
      `# Rejected: a message from ${w.from}, over the bridge`,
      '',
      `- what: ${r.reason}`,
      `- fix: ${r.fix}`,
      `- from: ${w.from}`,
      `- rejected at: ${r.time}`,
      `- id: ${r.id}`,
      `- bounce: ${r.bounce || '(none: it was itself from mailroom)'}`,
      '',
    ];
    writeWhole(`${target}.reason.md`, reason.join('\n'));
  }
}
