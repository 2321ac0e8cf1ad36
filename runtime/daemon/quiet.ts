/**
 * Which files can be taken without a /proc sweep for writers (writers.ts costs milliseconds
 * per sweep, once per batch, and most messages arrive by rename, complete).
 *
 * The rule: a file that appeared by an inotify IN_CREATE or IN_MOVED_TO event, is not empty,
 * and got no IN_MODIFY/IN_ATTRIB event before a full turn of the event loop after we looked
 * at it (same inode, size and mtime), is complete. Why: a program writing it in place made
 * it non-empty with a write, and every write queues an IN_MODIFY before it returns; the turn
 * of the loop (with its poll phase) delivers every event queued before our look. A file that
 * was written in place, is empty, or was found by a scan (no event) gets the sweep and must be
 * unchanged for `settle` (settle.ts).
 * Anything unusual falls back to the sweep, which is always safe.
 */
import type fs from 'node:fs';

interface Look {
  ino: number;
  size: number;
  mtimeMs: number;
  confirmed: boolean;
}

/** More entries than this and the table is dropped: everything falls back to sweeps. */
const MAX_TRACKED = 10_000;

export class QuietFiles {
  private readonly created = new Set<string>();
  private readonly inPlace = new Set<string>();
  private readonly looks = new Map<string, Look>();
  /** Confirmations under way (confirmSoon): files about to be taken. */
  confirming = 0;

  /** An event said the entry appeared (created or renamed in). */
  track(p: string): void {
    if (this.created.size >= MAX_TRACKED) this.clear();
    this.created.add(p);
  }

  /** An event said the entry was written to in place. */
  written(p: string): void {
    if (this.inPlace.size >= MAX_TRACKED) this.clear();
    this.inPlace.add(p);
    this.looks.delete(p);
  }

  /**
   * 'ready': complete without a sweep. 'confirm': looked at now; ask again after confirmSoon.
   * 'pending': a confirmation is under way. 'sweep': use the /proc sweep.
   */
  check(p: string, st: fs.Stats): 'ready' | 'confirm' | 'pending' | 'sweep' {
    if (!this.created.has(p) || this.inPlace.has(p) || st.size === 0) return 'sweep';
    const look = this.looks.get(p);
    if (!look) {
      this.looks.set(p, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, confirmed: false });
      return 'confirm';
    }
    if (!look.confirmed) return 'pending';
    return look.ino === st.ino && look.size === st.size && look.mtimeMs === st.mtimeMs ? 'ready' : 'sweep';
  }

  /** After at least one poll phase of the event loop (two immediates), mark the look confirmed and call `then`. */
  confirmSoon(p: string, then: () => void): void {
    this.confirming++;
    setImmediate(() =>
      setImmediate(() => {
        this.confirming--;
        const look = this.looks.get(p);
        if (look) look.confirmed = true;
        then();
      }),
    );
  }

  /** The path was taken or is gone. */
  forget(p: string): void {
    this.created.delete(p);
    this.inPlace.delete(p);
    this.looks.delete(p);
  }

  private clear(): void {
    this.created.clear();
    this.inPlace.clear();
    this.looks.clear();
  }
}
