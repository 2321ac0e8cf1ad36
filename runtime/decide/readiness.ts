/**
 * Is a file in an outbox (or a person's drop in an inbox) complete, so it can be taken?
 *
 * The facts come from outside: the file's size and mtime, whether the /proc sweep saw a process
 * holding it open for writing, and whether /proc could tell at all (it cannot see another
 * user's processes). The rule:
 *   - open for writing                     -> wait (the waiting clock starts at the first look)
 *   - /proc cannot tell                    -> wait until size and mtime are unchanged for
 *                                             STABILITY_MS (chokidar's default), then ready
 *   - otherwise                            -> ready
 *   - waited longer than write_grace       -> reject (dead letter, with the reason)
 * The waiting table (one `Waiting` per path) is the caller's; this returns the next entry, or
 * null to forget the path. Pure: `now` comes in.
 */
import { Rejection } from '../../bus/rejection.js';
import { formatDuration } from '../../bus/time.js';

/** Where /proc cannot tell whether a file is still being written: wait until it is unchanged this long. */
export const STABILITY_MS = 2000;

export interface Waiting {
  /** When the file was first seen still being written. */
  since: number;
  size: number;
  mtimeMs: number;
  /** Since when size and mtime have been as they are. */
  stableSince: number;
}

export interface Observed {
  size: number;
  mtimeMs: number;
  /** The /proc sweep saw a process holding the file open for writing. */
  openForWriting: boolean;
  /** /proc can see every possible writer (the sweep was complete, or the file is the daemon's own user's). */
  procCanTell: boolean;
}

export type Readiness =
  | { verdict: 'ready'; waiting: null }
  | { verdict: 'wait'; waiting: Waiting }
  | { verdict: 'reject'; waiting: null; rejection: Rejection };

export function readiness(prev: Waiting | undefined, seen: Observed, now: number, writeGraceMs: number): Readiness {
  let next: Waiting | null = null;
  if (seen.openForWriting) {
    next = { since: prev?.since ?? now, size: seen.size, mtimeMs: seen.mtimeMs, stableSince: now };
  } else if (!seen.procCanTell) {
    const unchanged = prev !== undefined && prev.size === seen.size && prev.mtimeMs === seen.mtimeMs;
    const stableSince = unchanged ? prev.stableSince : now;
    if (now - stableSince < STABILITY_MS)
      next = { since: prev?.since ?? now, size: seen.size, mtimeMs: seen.mtimeMs, stableSince };
  }
  if (next === null) return { verdict: 'ready', waiting: null };
  const waited = now - next.since;
  if (waited > writeGraceMs) {
    const rejection = new Rejection(
      `the file was still open for writing after ${formatDuration(waited)} (write_grace is ${formatDuration(writeGraceMs)})`,
      'Write the file elsewhere and move it into the outbox when it is complete (mv is atomic), or close the program that holds it open.',
    );
    return { verdict: 'reject', waiting: null, rejection };
  }
  return { verdict: 'wait', waiting: next };
}
