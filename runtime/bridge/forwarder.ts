/**
 * Outgoing: every message in the fold's `forwarding` map (accepted, with recipients at other
 * orgs) is published to `mailroom.<org>.inbound` with its id as `Nats-Msg-Id`; once the server
 * acknowledges it, `message.forwarded` is logged (one commit per round). A crash between the ack
 * and the event repeats the publish after the restart, and the server drops the repeat (its ack
 * says duplicate). While the server is down or the other org has no stream yet, the message
 * waits (the log says so; status and why show "waiting for the bridge") and is tried again with
 * backoff, and at once when the link is ready again.
 */
import type { MessageAccepted } from '../../bus/events.js';
import type { JournalPort } from '../daemon/journal.js';
import type { Logger } from '../logger.js';
import type { Link } from './link.js';
import { encodeWire, subjectOf, toWire } from './wire.js';

const ROUND = 256;
const MAX_BACKOFF_MS = 5000;

export interface ForwarderDeps {
  link: Link;
  journal: JournalPort;
  own: string;
  now: () => string;
  logger: Logger;
  /** A message has gone to every org it was for: its spool file may go. */
  finished: (e: MessageAccepted) => void;
}

export class Forwarder {
  /** Why the last round could not publish everything (null: it could). */
  problem: string | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private backoff = 250;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly d: ForwarderDeps) {}

  /** Something may be waiting: publish it (now, or after the round under way). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pump().finally(() => (this.running = null));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      if (!this.d.link.ready || !this.d.link.js) return; // the link wakes us when it is ready
      const more = await this.round();
      if (more === 'retry') return this.retryLater();
      if (more) this.again = true;
    } while (this.again && !this.stopped);
  }

  private retryLater(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wake();
    }, this.backoff);
    this.timer.unref();
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
  }

  /** Publish up to ROUND waiting (message, org) pairs at once. True: more wait; 'retry': some failed. */
  private async round(): Promise<boolean | 'retry'> {
    const { journal, link, own } = this.d;
    const todo: Array<{ e: MessageAccepted; org: string }> = [];
    for (const p of journal.state.forwarding.values()) {
      for (const org of p.orgs) todo.push({ e: p.event, org });
      if (todo.length >= ROUND) break;
    }
    if (todo.length === 0) return false;
    const js = link.js!;
    const results = await Promise.allSettled(
      todo.map(({ e, org }) =>
        js.publish(subjectOf(org), encodeWire(toWire(e, org, own, journal.state.board)), {
          msgID: e.id,
          timeout: 5000,
        }),
      ),
    );
    if (this.stopped) return false; // the journal may be closing; the next start publishes again (de-duplicated)
    const done: MessageAccepted[] = [];
    let failed: string | null = null;
    results.forEach((r, i) => {
      const { e, org } = todo[i]!;
      if (r.status === 'rejected') {
        failed ??= `${org}: ${(r.reason as Error).message}`;
        return;
      }
      if (!journal.state.forwarding.get(e.id)?.orgs.has(org)) return;
      const to = e.to.filter((t) => t.endsWith(`@${org}`));
      journal.stage({
        time: this.d.now(),
        type: 'message.forwarded',
        id: e.id,
        org,
        to,
        stream_seq: r.value.seq,
        duplicate: r.value.duplicate,
      });
      if (!journal.state.forwarding.has(e.id)) done.push(e);
    });
    journal.commit();
    for (const e of done) this.d.finished(e);
    if (failed) {
      if (failed !== this.problem)
        this.d.logger.warn(`bridge: could not publish to ${failed}; the message waits in the spool and is tried again`);
      this.problem = failed;
      return 'retry';
    }
    this.problem = null;
    this.backoff = 250;
    return journal.state.forwarding.size > 0;
  }
}
