/**
 * The waiting table of intake: files seen not yet complete, looked at again every recheck
 * (daemon.ts) until runtime/decide/readiness.ts says they are ready, or rejects them after
 * write_grace. A file renamed into an outbox skips the table when QuietFiles vouches for it (no
 * /proc sweep, no settle: taken at once). A file that changed while it was taken comes back here
 * (`changed`), wherever it is now (the spool, or a person's drop in place).
 */
import type fs from 'node:fs';
import type { Rejection } from '../../bus/rejection.js';
import type { OrgConfig } from '../config/config.js';
import { readiness, type Look, type Waiting } from '../decide/readiness.js';
import type { QuietFiles } from './quiet.js';
import type { WriterSweep } from './writers.js';

export interface SettleDeps {
  config: () => OrgConfig;
  clock: () => Date;
  quiet: QuietFiles;
  /** Watcher events are arriving (so QuietFiles may vouch for a file). */
  watching: () => boolean;
  /** Look at this path again soon. */
  again: (p: string) => void;
}

export const lookOf = (st: fs.Stats): Look => ({
  ino: st.ino,
  size: st.size,
  mtimeMs: st.mtimeMs,
  ctimeMs: st.ctimeMs,
});

export class Settling {
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly deps: SettleDeps) {}

  /** Paths still waiting, to look at again. */
  paths(): string[] {
    return [...this.waiting.keys()];
  }

  /** The path was taken or is gone. */
  forget(p: string): void {
    this.waiting.delete(p);
    this.deps.quiet.forget(p);
  }

  /**
   * Is the regular file at `p` complete? 'ready', 'wait', or a Rejection when it waited past
   * write_grace. `renamed`: it may be vouched for as renamed into place (outboxes only).
   */
  ready(p: string, st: fs.Stats, writers: () => WriterSweep, renamed: boolean): 'ready' | 'wait' | Rejection {
    if (renamed && this.deps.watching()) {
      const q = this.deps.quiet.check(p, st);
      if (q === 'ready') {
        this.waiting.delete(p); // found by a scan before its event arrived
        return 'ready';
      }
      if (q === 'pending') return 'wait';
      if (q === 'confirm') {
        this.deps.quiet.confirmSoon(p, () => this.deps.again(p));
        return 'wait';
      }
    }
    const sweep = writers();
    const seen = {
      ...lookOf(st),
      openForWriting: sweep.open.has(p),
      procCanTell: sweep.complete || st.uid === process.getuid?.(),
    };
    const { settle, writeGrace } = this.deps.config();
    const r = readiness(this.waiting.get(p), seen, this.deps.clock().getTime(), { settle, writeGrace });
    if (r.waiting) this.waiting.set(p, r.waiting);
    else this.waiting.delete(p);
    return r.verdict === 'reject' ? r.rejection : r.verdict;
  }

  /** The file changed while it was taken: it waits again, as changed now (its write_grace clock starts again too). */
  changed(p: string, st: fs.Stats | undefined): void {
    if (!st) {
      this.forget(p);
      return;
    }
    const now = this.deps.clock().getTime();
    this.waiting.set(p, { ...lookOf(st), since: now, stableSince: now });
  }
}
