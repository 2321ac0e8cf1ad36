/**
 * Intake: from a path that may hold new mail to the decisions about it, staged in the journal.
 *   outbox/<name>  complete? --rename--> bus/spool/<id>.<sender>.<name> --read--> checked? --> accept | reject
 *   inbox/<name>   (a person's drop) complete? --read in place--> checked? --> accept | reject
 *   bus/spool/...  (taken before a crash, or changed while taken) complete? --read--> checked? --> ...
 * "complete?": renamed in (taken at once), or closed and unchanged for `settle`; a file still
 * being written waits (settle.ts, runtime/decide/readiness.ts), one written to for longer than
 * write_grace is rejected. "checked?": what was read is what is there and nobody writes it;
 * otherwise it waits again where it is. Nothing here touches a recipient: delivery acts on
 * the returned decisions once the journal has committed them. Accepting (and what governance
 * makes of an accepted message) is intake-accept.ts; what intake works with, intake-items.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OPERATOR } from '../../bus/vocabulary.js';
import { candidateBytes, escapeRawName, isIgnoredName, newId, parseInboxName } from '../../bus/names.js';
import { Rejection } from '../../bus/rejection.js';
import { readEntry } from '../../bus/store/read-entry.js';
import { parseSpoolName, spoolName } from '../../bus/store/spool.js';
import { Dir, Refused } from '../../workspaces/hostile-fs.js';
import { mailboxOf, type Layout } from '../../workspaces/layout.js';
import type { Incoming } from '../decide/accept.js';
import { takeChanged } from '../decide/readiness.js';
import type { Logger } from '../logger.js';
import { accept } from './intake-accept.js';
import { BATCH_BYTES, LargeGarbage } from './large-garbage.js';
import type { JournalPort } from './journal.js';
import {
  type Decision,
  type Entry,
  type Item,
  isTaken,
  type Origin,
  stageRejection,
  type Taken,
} from './intake-items.js';
import type { MailboxGuard } from './mailbox-guard.js';
import { PausedTaken } from './paused-taken.js';
import { lookOf, Settling, type SettleDeps } from './settle.js';
import { sweepWriters, type WriterSweep } from './writers.js';

export type { Decision } from './intake-items.js';
export { MAX_HOPS } from './intake-accept.js';

/** And, for the waiting table: config, clock, quiet, watching, again (settle.ts). */
export interface IntakeDeps extends SettleDeps {
  layout: Layout;
  journal: JournalPort;
  logger: Logger;
  guard: MailboxGuard;
}

export class Intake {
  private readonly settling: Settling;
  private readonly held = new PausedTaken(
    (a) => Object.hasOwn(this.deps.journal.state.governance.paused, a),
    (a) => this.deps.logger.info(`${a} was paused as its files were taken; they wait in bus/spool/ for its resume`),
  );

  constructor(private readonly deps: IntakeDeps) {
    this.settling = new Settling(deps);
  }

  /** Paths still being written (or changed while taken), or taken as their sender was paused and resumed since. */
  waitingPaths(): string[] {
    return [...this.settling.paths(), ...this.held.resumed()];
  }

  /** Paths a batch left for the next one (see BATCH_BYTES); the loop takes them back. */
  private later: string[] = [];
  private readonly garbage = new LargeGarbage();

  /** The paths the last batch left, once. */
  deferred(): string[] {
    return this.later.splice(0);
  }

  /**
   * Decide about a batch of paths; the decisions are staged, not yet committed. Two passes:
   * take (readiness, rename into the spool, read), then check every take and decide. Once the
   * files taken hold BATCH_BYTES, the rest wait for the next batch (deferred()).
   */
  take(paths: string[]): Decision[] {
    this.garbage.collectIfDue();
    const items: Item[] = [];
    let sweep: WriterSweep | null = null;
    const writers = () => (sweep ??= sweepWriters(this.deps.layout.root + path.sep));
    const dirs = new Map<string, Dir | null>(); // each mailbox folder opened once per batch
    const open = (dir: string): Dir | null => {
      if (!dirs.has(dir)) dirs.set(dir, this.openMailbox(dir));
      return dirs.get(dir)!;
    };
    let bytes = 0;
    try {
      for (const [i, p] of paths.entries()) {
        if (bytes >= BATCH_BYTES) {
          this.later.push(...paths.slice(i)); // the next batch: one batch of large files is bounded in memory
          break;
        }
        try {
          const taken = this.consider(p, writers, open);
          for (const t of taken)
            if (isTaken(t) && !(t.read instanceof Rejection)) {
              bytes += t.read.bytes.length;
              this.garbage.add(t.read.bytes.length);
            }
          items.push(...taken);
        } catch (err) {
          this.deps.logger.warn(
            `could not take ${this.deps.layout.rel(p)}: ${(err as Error).message}; it stays there and is retried at the next scan`,
          );
        }
      }
      return this.decideTaken(items, sweep !== null);
    } finally {
      for (const d of dirs.values()) d?.close();
    }
  }

  /**
   * After the reads: is what was read what is there? One fresh /proc sweep for the whole batch
   * when any file of it was found ready by a sweep (written in place); files vouched for as
   * renamed in are checked by their looks alone. A file that changed goes back to waiting
   * where it is now (the spool keeps it: taken once, decided once), never to the dead letters.
   */
  private decideTaken(items: Item[], swept: boolean): Decision[] {
    const check = swept && items.some(isTaken) ? sweepWriters(this.deps.layout.root + path.sep) : null;
    return items.flatMap((item) => {
      if (!isTaken(item)) return [item];
      if (item.origin.source === 'outbox' && this.held.holds(item.file, item.origin.sender)) return []; // paused meanwhile
      try {
        return this.decide(item, check);
      } catch (err) {
        this.deps.logger.warn(
          `could not decide about ${this.deps.layout.rel(item.file)}: ${(err as Error).message}; it stays there (a spool file until the next start)`,
        );
        return [];
      }
    });
  }

  private decide(t: Taken, check: WriterSweep | null): Decision[] {
    if (t.before.isFile()) {
      const after = fs.lstatSync(t.ref, { throwIfNoEntry: false });
      const read =
        t.read instanceof Rejection ? null : { ...lookOf(t.read.st), bytes: t.read.bytes.length, limit: t.limit };
      const changed = takeChanged({
        before: lookOf(t.before),
        read,
        after: after ? lookOf(after) : null,
        writer: check?.open.has(t.file) ?? false,
      });
      if (changed) {
        this.deps.logger.info(
          `${t.origin.name} from ${t.origin.place} changed while it was taken (${changed}); it waits in ${this.deps.layout.rel(t.file)} until it is unchanged for settle`,
        );
        this.settling.changed(t.file, after);
        return [];
      }
    }
    if (t.read instanceof Rejection) return stageRejection(this.deps, t.file, t.origin, t.read);
    return accept(this.deps, t.incoming(t.read.bytes), t.file, t.origin);
  }

  /** A mailbox folder through its descriptor, or null (said once by the guard) when it is a link or not a folder. */
  private openMailbox(dir: string): Dir | null {
    try {
      return Dir.open(dir, dir);
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      if (err.kind !== 'missing') this.deps.guard.isBad(dir);
      return null;
    }
  }

  private consider(p: string, writers: () => WriterSweep, open: (dir: string) => Dir | null): Item[] {
    const where = mailboxOf(this.deps.layout, p);
    if (where) {
      const raw = candidateBytes(where.name);
      const shown = raw ? escapeRawName(raw) : where.name;
      if (isIgnoredName(shown)) return [];
      if (where.agent !== OPERATOR && !Object.hasOwn(this.deps.config().agents, where.agent)) return [];
      if (this.deps.guard.isBad(path.dirname(p))) return []; // a link into the org: never taken from (said once)
      if (where.box === 'outbox' && this.deps.journal.state.governance.paused[where.agent]) return []; // paused: left as it is
      if (where.box !== 'outbox' && (where.box !== 'inbox' || where.agent === OPERATOR)) return [];
      const box = open(path.dirname(p)); // the check and every use go through this one descriptor
      if (!box) return [];
      const entry: Entry = { p, box, ref: box.entry(where.name), name: shown };
      if (where.box === 'outbox') return this.considerOutbox(entry, where.agent, writers);
      return this.considerInbox(entry, where.agent, writers);
    }
    if (path.dirname(p) === this.deps.layout.spool) {
      const s = parseSpoolName(path.basename(p));
      if (s)
        return this.considerSpool(
          p,
          { id: s.id, sender: s.sender, source: 'outbox', name: s.origin, place: `workspaces/${s.sender}/outbox/` },
          writers,
        );
    }
    return [];
  }

  private considerOutbox({ p, ref, name }: Entry, agent: string, writers: () => WriterSweep): Item[] {
    const st = fs.lstatSync(ref, { throwIfNoEntry: false });
    if (!st) {
      this.settling.forget(p);
      return [];
    }
    const origin: Origin = { id: newId(), sender: agent, source: 'outbox', name, place: `workspaces/${agent}/outbox/` };
    let rejection: Rejection | null = null;
    if (st.isFile()) {
      const r = this.settling.ready(p, st, writers, true);
      if (r === 'wait') return [];
      if (r instanceof Rejection) rejection = r;
    }
    this.settling.forget(p);
    const spooled = path.join(this.deps.layout.spool, spoolName(origin.id, agent, name));
    try {
      fs.renameSync(ref, spooled); // the take: atomic, through the outbox's descriptor; a second look finds nothing
    } catch (err) {
      if (rejection) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      if ((err as NodeJS.ErrnoException).code === 'EXDEV')
        throw new Error(
          `${this.deps.layout.rel(p)} is on another filesystem than bus/spool; keep the whole org on one filesystem`,
        );
      throw err;
    }
    if (rejection) return stageRejection(this.deps, spooled, origin, rejection);
    return this.considerSpool(spooled, origin, writers, st);
  }

  /**
   * A file in the spool: read its bytes (never following a link). `taken`: the look that found it
   * ready in the outbox just now; without it (taken before a restart, or changed while taken) it
   * must be ready first, like any file written in place.
   */
  private considerSpool(spooled: string, found: Origin, writers: () => WriterSweep, taken?: fs.Stats): Item[] {
    const { state } = this.deps.journal;
    this.held.forget(spooled);
    const handled = state.threads.has(found.id) || state.rejected.has(found.id); // by recovery
    const st = handled ? undefined : (taken ?? fs.lstatSync(spooled, { throwIfNoEntry: false }));
    if (!st) {
      this.settling.forget(spooled);
      return [];
    }
    const origin: Origin = { ...found, written: st.ctimeMs }; // its bounce's run serves the task of the run that wrote it
    if (!taken && st.isFile()) {
      const r = this.settling.ready(spooled, st, writers, false);
      if (r === 'wait') return [];
      if (r instanceof Rejection) return stageRejection(this.deps, spooled, origin, r);
    }
    const limit = this.deps.config().maxMessageBytes;
    const read = readEntry(spooled, limit, st);
    const incoming = (bytes: Buffer): Incoming => ({
      bytes,
      sender: origin.sender,
      source: 'outbox',
      origin: origin.name,
      written: origin.written, // ctime, not mtime: `touch -d` would let a handler's sub-task escape its run's task
    });
    return [{ file: spooled, ref: spooled, origin, before: st, read, limit, incoming }];
  }

  private considerInbox({ p, ref, name }: Entry, agent: string, writers: () => WriterSweep): Item[] {
    if (parseInboxName(name)) return []; // a delivered copy
    if (name === 'attachments') return [];
    const st = fs.lstatSync(ref, { throwIfNoEntry: false });
    if (!st) {
      this.settling.forget(p);
      return [];
    }
    this.deps.quiet.forget(p); // a person's drop always gets the /proc sweep (they are rare; editors write in place)
    const o: Origin = {
      id: newId(),
      sender: OPERATOR,
      source: 'inbox',
      name,
      place: `workspaces/${agent}/inbox/ (dropped by a person)`,
      ino: st.ino,
    };
    if (st.isFile()) {
      const r = this.settling.ready(p, st, writers, false);
      if (r === 'wait') return [];
      if (r instanceof Rejection) return stageRejection(this.deps, p, o, r);
    }
    const limit = this.deps.config().maxMessageBytes;
    const read = readEntry(ref, limit, st);
    const incoming = (bytes: Buffer): Incoming => ({
      bytes,
      sender: OPERATOR,
      source: 'inbox',
      inboxOwner: agent,
      origin: name,
      originIno: st.ino,
    });
    return [{ file: p, ref, origin: o, before: st, read, limit, incoming }];
  }
}
