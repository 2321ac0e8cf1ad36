/**
 * Intake: from a path that may hold new mail to the decisions about it, staged in the journal.
 *   outbox/<name>  complete? --rename--> bus/spool/<id>.<sender>.<name> --read--> accept | reject
 *   inbox/<name>   (a person's drop) complete? --read in place--> accept | reject
 *   bus/spool/...  (taken before a crash, never decided) --read--> accept | reject
 * A file still being written waits (runtime/decide/readiness.ts); one written to for longer
 * than write_grace is rejected. Nothing here touches a recipient: delivery acts on the
 * returned decisions once the journal has committed them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OPERATOR } from '../../bus/vocabulary.js';
import { candidateBytes, escapeRawName, isIgnoredName, newId, parseInboxName } from '../../bus/names.js';
import { Rejection } from '../../bus/rejection.js';
import type { MessageAccepted, MessageRejected } from '../../bus/events.js';
import { bounceMail } from '../../bus/system-mail.js';
import { bounceId, keptName } from '../../bus/store/deadletter.js';
import { readEntry } from '../../bus/store/read-entry.js';
import { parseSpoolName, spoolName } from '../../bus/store/spool.js';
import { keepAttachments } from '../../workspaces/attachments.js';
import { Dir, Refused } from '../../workspaces/hostile-fs.js';
import { mailboxOf, type Layout } from '../../workspaces/layout.js';
import type { OrgConfig } from '../config/config.js';
import { decide, type Incoming } from '../decide/accept.js';
import { govern } from '../decide/govern.js';
import { AlertingRejection } from '../decide/rules.js';
import { readiness, type Waiting } from '../decide/readiness.js';
import type { Logger } from '../logger.js';
import type { JournalPort } from './journal.js';
import type { MailboxGuard } from './mailbox-guard.js';
import type { QuietFiles } from './quiet.js';
import { sweepWriters, type WriterSweep } from './writers.js';

export const MAX_HOPS = 25;

/** The only value that passes from intake to delivery. */
export type Decision =
  /** Deliver an accepted message; `dropped`: the path of a person's drop, removed once delivered. */
  | { kind: 'deliver'; event: MessageAccepted; dropped?: string }
  /** Move a rejected file (`file`, wherever it is now) to the dead letter folder, then deliver its bounce. */
  | { kind: 'deadletter'; file: string; rejected: MessageRejected; place: string; bounce: MessageAccepted }
  /** Keep an accepted message in bus/held/ (not delivered) until it is decided; or let it go from there. */
  | { kind: 'hold'; event: MessageAccepted }
  | { kind: 'unhold'; id: string };

export interface IntakeDeps {
  layout: Layout;
  journal: JournalPort;
  logger: Logger;
  config: () => OrgConfig;
  clock: () => Date;
  guard: MailboxGuard;
  quiet: QuietFiles;
  /** Watcher events are arriving (so QuietFiles may vouch for a file). */
  watching: () => boolean;
  /** Look at this path again soon. */
  again: (p: string) => void;
}

/** A candidate in a mailbox folder: `p` its candidate path, `ref` the entry through the folder's descriptor, `name` as shown to people. */
interface Entry {
  p: string;
  box: Dir;
  ref: string | Buffer;
  name: string;
}

interface Origin {
  id: string;
  sender: string;
  source: 'outbox' | 'inbox';
  /** The file name it came in with. */
  name: string;
  /** Where it came in, for the bounce and the reason: e.g. `workspaces/a/outbox/`. */
  place: string;
  ino?: number;
}

export class Intake {
  /** Files seen still being written: the readiness table. */
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly deps: IntakeDeps) {}

  /** Paths still being written, to look at again. */
  waitingPaths(): string[] {
    return [...this.waiting.keys()];
  }

  /** Decide about a batch of paths; the decisions are staged, not yet committed. */
  take(paths: string[]): Decision[] {
    const decisions: Decision[] = [];
    let sweep: WriterSweep | null = null;
    const writers = () => (sweep ??= sweepWriters(this.deps.layout.root + path.sep));
    const dirs = new Map<string, Dir | null>(); // each mailbox folder opened once per batch
    const open = (dir: string): Dir | null => {
      if (!dirs.has(dir)) dirs.set(dir, this.openMailbox(dir));
      return dirs.get(dir)!;
    };
    try {
      for (const p of paths) {
        try {
          decisions.push(...this.consider(p, writers, open));
        } catch (err) {
          this.deps.logger.warn(
            `could not take ${this.deps.layout.rel(p)}: ${(err as Error).message}; it stays there and is retried at the next scan`,
          );
        }
      }
    } finally {
      for (const d of dirs.values()) d?.close();
    }
    return decisions;
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

  private consider(p: string, writers: () => WriterSweep, open: (dir: string) => Dir | null): Decision[] {
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
        return this.considerSpool(p, {
          id: s.id,
          sender: s.sender,
          source: 'outbox',
          name: s.origin,
          place: `workspaces/${s.sender}/outbox/`,
        });
    }
    return [];
  }

  /** Is a regular file complete? 'ready', 'wait', or a Rejection when it has been written to for too long. */
  private ready(p: string, st: fs.Stats, writers: () => WriterSweep): 'ready' | 'wait' | Rejection {
    if (this.deps.watching()) {
      const q = this.deps.quiet.check(p, st);
      if (q === 'ready') return 'ready';
      if (q === 'pending') return 'wait';
      if (q === 'confirm') {
        this.deps.quiet.confirmSoon(p, () => this.deps.again(p));
        return 'wait';
      }
    }
    const sweep = writers();
    const seen = {
      size: st.size,
      mtimeMs: st.mtimeMs,
      openForWriting: sweep.open.has(p),
      procCanTell: sweep.complete || st.uid === process.getuid?.(),
    };
    const r = readiness(this.waiting.get(p), seen, this.deps.clock().getTime(), this.deps.config().writeGrace);
    if (r.waiting) this.waiting.set(p, r.waiting);
    else this.waiting.delete(p);
    return r.verdict === 'reject' ? r.rejection : r.verdict;
  }

  private considerOutbox({ p, ref, name }: Entry, agent: string, writers: () => WriterSweep): Decision[] {
    const st = fs.lstatSync(ref, { throwIfNoEntry: false });
    if (!st) {
      this.deps.quiet.forget(p);
      return [];
    }
    const origin: Origin = { id: newId(), sender: agent, source: 'outbox', name, place: `workspaces/${agent}/outbox/` };
    let rejection: Rejection | null = null;
    if (st.isFile()) {
      const r = this.ready(p, st, writers);
      if (r === 'wait') return [];
      if (r instanceof Rejection) rejection = r;
    }
    this.deps.quiet.forget(p);
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
    if (rejection) return [this.reject(spooled, origin, rejection)];
    return this.considerSpool(spooled, origin, st);
  }

  /** A file in the spool: decide from its bytes (never following a link). */
  private considerSpool(spooled: string, origin: Origin, taken?: fs.Stats): Decision[] {
    const { state } = this.deps.journal;
    if (state.threads.has(origin.id) || state.rejected.has(origin.id)) return []; // handled by recovery
    const read = readEntry(spooled, this.deps.config().maxMessageBytes, taken);
    if (read instanceof Rejection) return [this.reject(spooled, origin, read)];
    const written = taken?.mtimeMs;
    return this.accept(
      {
        bytes: read.bytes,
        sender: origin.sender,
        source: 'outbox',
        origin: origin.name,
        ...(written !== undefined ? { written } : {}),
      },
      spooled,
      origin,
    );
  }

  private considerInbox({ p, ref, name }: Entry, agent: string, writers: () => WriterSweep): Decision[] {
    if (parseInboxName(name)) return []; // a delivered copy
    if (name === 'attachments') return [];
    const st = fs.lstatSync(ref, { throwIfNoEntry: false });
    this.deps.quiet.forget(p); // a person's drop always gets the /proc sweep (they are rare; editors write in place)
    if (!st) return [];
    const o: Origin = {
      id: newId(),
      sender: OPERATOR,
      source: 'inbox',
      name,
      place: `workspaces/${agent}/inbox/ (dropped by a person)`,
      ino: st.ino,
    };
    if (st.isFile()) {
      const r = this.ready(p, st, writers);
      if (r === 'wait') return [];
      if (r instanceof Rejection) return [this.reject(p, o, r)];
    }
    const read = readEntry(ref, this.deps.config().maxMessageBytes, st);
    if (read instanceof Rejection) return [this.reject(p, o, read)];
    return this.accept(
      { bytes: read.bytes, sender: OPERATOR, source: 'inbox', inboxOwner: agent, origin: name, originIno: st.ino },
      p,
      o,
    );
  }

  /** Stage `message.accepted` (attachments kept first), or a rejection. `file`: where the message is now. */
  private accept(input: Incoming, file: string, origin: Origin): Decision[] {
    const { config, journal, layout, clock } = this.deps;
    const { state } = journal;
    try {
      const fields = decide(
        input,
        {
          config: config(),
          board: state.board,
          threads: state.threads,
          maxHops: MAX_HOPS,
          governance: state.governance,
        },
        origin.id,
        clock().toISOString(),
      );
      if (fields.attachments?.length)
        keepAttachments(layout, input.sender, origin.id, fields.attachments, config().maxAttachmentBytes);
      const event = journal.stage(fields) as MessageAccepted;
      return this.follow(event, input.source === 'inbox' ? file : undefined);
    } catch (err) {
      if (!(err instanceof Rejection)) throw err;
      return [this.reject(file, origin, err), ...this.alertOf(err)];
    }
  }

  /** Stage what governance makes of an accepted message (decide/govern.ts); the decisions to act on. */
  private follow(event: MessageAccepted, dropped: string | undefined): Decision[] {
    const { journal, config } = this.deps;
    const g = govern(event, { config: config(), board: journal.state.board, governance: journal.state.governance });
    const out: Decision[] = [];
    if (g.held) out.push({ kind: 'hold', event });
    else if (g.deliver) out.push({ kind: 'deliver', event, dropped });
    for (const e of g.events) {
      const staged = journal.stage(e);
      if (staged.type === 'message.accepted') out.push({ kind: 'deliver', event: staged });
    }
    const released = g.release ? journal.state.undelivered.get(g.release) : undefined;
    if (released) out.push({ kind: 'deliver', event: released });
    if (g.decided) out.push({ kind: 'unhold', id: g.decided });
    return out;
  }

  /** A refusal that alerts the operator: the alert, staged once. */
  private alertOf(err: Rejection): Decision[] {
    if (!(err instanceof AlertingRejection) || this.deps.journal.state.threads.has(err.alert.id)) return [];
    return [{ kind: 'deliver', event: this.deps.journal.stage(err.alert) as MessageAccepted }];
  }

  /** Stage `message.rejected` and its bounce's `message.accepted`. */
  private reject(file: string, o: Origin, r: Rejection): Decision {
    const fields: Omit<MessageRejected, 'seq'> = {
      time: this.deps.clock().toISOString(),
      type: 'message.rejected',
      id: o.id,
      from: o.sender,
      source: o.source,
      origin: o.name,
      ...(o.ino !== undefined ? { originIno: o.ino } : {}),
      reason: r.reason,
      fix: r.fix,
      kept: `bus/deadletter/${keptName(o.id, o.name)}`,
      bounce: bounceId(o.id),
    };
    const rejected = this.deps.journal.stage(fields) as MessageRejected;
    const bounce = this.deps.journal.stage(bounceMail(fields, o.place)) as MessageAccepted;
    return { kind: 'deadletter', file, rejected, place: o.place, bounce };
  }
}
