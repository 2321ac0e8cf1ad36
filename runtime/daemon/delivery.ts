/**
 * Delivery: acting on decisions once they are committed. A rejected file moves to the dead
 * letter folder and its bounce is delivered; an accepted message is copied into each
 * recipient's inbox (bus/store/spool.ts says why exactly once), a person's drop is removed, the
 * sender's sent/ copy is written. Then `message.delivered` is logged (one commit), handler runs
 * are queued, and after one syncfs the staging and spool files are removed.
 * A delivery that fails (a full disk, a permission) stays undelivered in the log and is tried
 * again at every scan (`redeliver`), so a passing failure heals without a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isRemote, localRecipients } from '../../bus/address.js';
import type { MessageAccepted } from '../../bus/events.js';
import { deadLetter } from '../../bus/store/deadletter.js';
import { dropHeld, keepHeld } from '../../bus/store/held.js';
import { copyName, deliverCopy, removeFinished, unlinkQuiet, writeSentCopy } from '../../bus/store/spool.js';
import { mailboxProblem } from '../../workspaces/contain.js';
import { deliverAttachments } from '../../workspaces/attachments.js';
import { ensureOrgDirs } from '../../workspaces/create.js';
import { Dir, Refused } from '../../workspaces/hostile-fs.js';
import { mailboxOf, type Layout } from '../../workspaces/layout.js';
import type { Logger } from '../logger.js';
import type { Decision } from './intake.js';
import type { JournalPort } from './journal.js';
import type { MailboxGuard } from './mailbox-guard.js';
import type { SyncFs } from './syncfs.js';

export interface DeliveryDeps {
  layout: Layout;
  journal: JournalPort;
  logger: Logger;
  now: () => string;
  guard: MailboxGuard;
  finishing: Finishing;
  runner: { queueDelivered(e: MessageAccepted): void; pump(): void };
  /** Render the board (after a batch, before its finishing). */
  render: () => void;
  /** Folders made again (a workspace deleted while the daemon runs): watch them again. */
  rewatch: (dirs: string[]) => void;
  /** Recipients at other orgs (`agent@org`): the bridge takes it from here (runtime/bridge/). */
  forward?: () => void;
  /** A copy just linked into `agent`'s inbox under `name` (the unread index). */
  copied?: (agent: string, name: string) => void;
}

export class Delivery {
  /** Ids whose redelivery failed and was said once already. */
  private readonly undeliverable = new Set<string>();

  constructor(private readonly deps: DeliveryDeps) {}

  /** After the decisions are durable: move rejected files, deliver copies, log deliveries. */
  act(decisions: Decision[]): void {
    const delivered: MessageAccepted[] = [];
    for (const d of decisions) {
      if (d.kind === 'hold' || d.kind === 'unhold') {
        this.holding(d);
        continue;
      }
      const event = d.kind === 'deadletter' ? d.bounce : d.event;
      let step = 'the inbox copies';
      try {
        if (d.kind === 'deadletter') {
          step = `the move of ${this.deps.layout.rel(d.file)} to bus/deadletter/`;
          this.inMailbox(d.file, (ref) => deadLetter(this.deps.layout.deadletter, ref, d.rejected, d.place));
          step = 'the inbox copies';
        }
        delivered.push(this.deliver(event, d.kind === 'deliver' ? d.dropped : undefined));
      } catch (err) {
        this.deps.logger.warn(
          `delivery step failed (${(err as Error).message}): ${step} of message ${event.id} from ${event.from} to ${event.to.join(', ')}; it is retried at the next scan`,
        );
      }
    }
    this.deps.render(); // before the finishing below: the board of this batch is on disk first
    this.logDelivered(delivered, true);
  }

  /** A held message into bus/held/, or out of it once decided (a view: the log is the record). */
  private holding(d: Extract<Decision, { kind: 'hold' | 'unhold' }>): void {
    try {
      if (d.kind === 'hold') keepHeld(this.deps.layout.bus, d.event);
      else dropHeld(this.deps.layout.bus, d.id);
    } catch (err) {
      this.deps.logger.warn(
        `could not ${d.kind === 'hold' ? 'write' : 'remove'} bus/held/${d.kind === 'hold' ? d.event.id : d.id}.md: ${(err as Error).message}; the log keeps the decision`,
      );
    }
  }

  /** Copy an accepted message into every recipient's inbox; remove a person's drop; write the sent/ copy. */
  deliver(e: MessageAccepted, dropped?: string): MessageAccepted {
    for (const r of localRecipients(e.to)) this.copyTo(e, r);
    if (e.to.some(isRemote)) this.deps.forward?.();
    if (e.source === 'inbox' && dropped) {
      this.inMailbox(dropped, (ref) => {
        const st = fs.lstatSync(ref, { throwIfNoEntry: false });
        if (st && (e.originIno === undefined || st.ino === e.originIno)) unlinkQuiet(ref);
      });
    }
    const sent = this.deps.layout.sent(e.from);
    if (e.source === 'outbox' && mailboxProblem(sent))
      this.deps.guard.isBad(sent); // no sent copy through a link
    else {
      try {
        writeSentCopy(this.deps.layout, e);
      } catch (err) {
        // The recipients have it: a sent/ copy the sender's own workspace refuses is said, never a reason to deliver again.
        this.deps.logger.warn(`no sent/ copy of ${e.id} for ${e.from} (${(err as Error).message})`);
      }
    }
    return e;
  }

  /** Use `file` through its mailbox folder's descriptor when it is in one (a hostile tree), as it is otherwise (bus/). */
  private inMailbox(file: string, use: (ref: string | Buffer) => void): void {
    const where = mailboxOf(this.deps.layout, file);
    if (!where) return use(file);
    const dir = path.dirname(file);
    Dir.with(dir, dir, (d) => use(d.entry(where.name)));
  }

  private copyTo(e: MessageAccepted, recipient: string): void {
    const { layout } = this.deps;
    const copy = () => {
      if (e.attachments?.length) deliverAttachments(layout, recipient, e.id, e.attachments);
      if (deliverCopy(layout, e, recipient)) this.deps.copied?.(recipient, copyName(e));
    };
    try {
      copy();
    } catch (err) {
      // A workspace deleted while the daemon runs is made again (as `start` would), then the copy is retried once.
      const missing =
        (err as NodeJS.ErrnoException).code === 'ENOENT' || (err instanceof Refused && err.kind === 'missing');
      if (!missing || !ensureOrgDirs(layout, [recipient]).length) throw err;
      this.deps.logger.warn(
        `workspaces/${recipient} was missing (deleted while the daemon ran); created it again to deliver ${e.id}`,
      );
      this.deps.rewatch([layout.outbox(recipient), layout.inbox(recipient)]);
      copy();
    }
  }

  /** After copies are in place: log message.delivered (one commit), queue handler runs, finish after a syncfs. */
  logDelivered(delivered: MessageAccepted[], pump: boolean): void {
    for (const e of delivered) {
      this.deps.journal.stage({ time: this.deps.now(), type: 'message.delivered', id: e.id, to: e.to });
      this.deps.runner.queueDelivered(e);
    }
    this.deps.journal.commit();
    // A message still waiting for the bridge keeps its spool file; the bridge finishes it once forwarded.
    this.deps.finishing.add(delivered.filter((e) => !this.deps.journal.state.forwarding.has(e.id)));
    if (delivered.length && pump) this.deps.runner.pump();
  }

  /**
   * Deliver every accepted message whose delivery did not finish (a crash, or a delivery step
   * that failed). At start-up (`pump` false: no runs before the runner has recovered) and at
   * every scan. Returns how many were delivered now.
   */
  redeliver(pump = true): number {
    const { state } = this.deps.journal;
    if (state.undelivered.size === 0) return 0;
    const delivered: MessageAccepted[] = [];
    for (const e of [...state.undelivered.values()]) {
      const dropped =
        e.source === 'inbox' && e.origin ? path.join(this.deps.layout.inbox(e.to[0]!), e.origin) : undefined;
      try {
        delivered.push(this.deliver(e, dropped));
        this.undeliverable.delete(e.id);
      } catch (err) {
        if (!this.undeliverable.has(e.id))
          this.deps.logger.warn(
            `could not deliver ${e.id} from ${e.from} to ${e.to.join(', ')} (${(err as Error).message}); it is retried at every scan`,
          );
        this.undeliverable.add(e.id);
      }
    }
    this.logDelivered(delivered, pump);
    return delivered.length;
  }
}

/** At most one syncfs per SYNC_GAP_MS: finishing is housekeeping, not delivery. */
const SYNC_GAP_MS = 500;

type Finished = Pick<MessageAccepted, 'id' | 'to' | 'from' | 'source' | 'origin'>;

/** Delivered messages whose staging and spool files go once one syncfs made the deliveries durable. */
export class Finishing {
  private queue: Finished[] = [];
  private syncing: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly layout: Layout,
    private readonly syncfs: SyncFs,
    private readonly logger: Logger,
  ) {}

  add(delivered: Finished[]): void {
    for (const e of delivered) this.queue.push(e);
    this.schedule();
  }

  private schedule(): void {
    if (this.syncing || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.syncing = this.finish(batch).then(() => {
      this.syncing = null;
      setTimeout(() => this.schedule(), this.stopping ? 0 : SYNC_GAP_MS).unref();
    });
  }

  /** One syncfs, then the batch's files removed off the event loop (never rejects). */
  private async finish(batch: Finished[]): Promise<void> {
    try {
      await this.syncfs.sync();
    } catch (err) {
      this.logger.warn(
        `syncfs failed (${(err as Error).message}); the staging and spool files of ${batch.length} delivered message(s) (${batch[0]!.id}, ...) are kept until the next start`,
      );
      return;
    }
    for (const e of batch) {
      try {
        await removeFinished(this.layout, e);
      } catch (err) {
        this.logger.warn(
          `could not remove the staging or spool file of ${e.id} (${(err as Error).message}); the next start removes it`,
        );
      }
    }
  }

  /** The daemon is stopping: finish everything now, with no gap. */
  async flush(): Promise<void> {
    this.stopping = true;
    while (this.syncing || this.queue.length) {
      this.schedule();
      await this.syncing;
    }
  }
}
