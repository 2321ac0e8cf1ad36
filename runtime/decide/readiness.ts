/**
 * Is a file in an outbox (or a person's drop in an inbox, or one waiting in the spool) complete,
 * so it can be taken? And after a take: is what was read what is there?
 *
 * A file renamed into an outbox is vouched for elsewhere (runtime/daemon/quiet.ts) and never
 * asks. For every other file the facts come from outside: its identity (inode, size, mtime,
 * ctime), whether the /proc sweep saw a process holding it open for writing, and whether /proc
 * could tell at all (it cannot see another user's processes). The rule:
 *   - open for writing                 -> wait (the file counts as changing now)
 *   - otherwise                        -> ready once unchanged for `settle` (where /proc cannot
 *                                         tell: for at least STABILITY_MS, chokidar's default)
 *   - waited longer than write_grace   -> reject (dead letter, with the reason)
 * "Unchanged since" is the ctime of the file when it is first seen as it is (the kernel moves
 * ctime on every write, truncate, utime and rename, so nothing changed it since), never later
 * than now: a file that sat untouched for `settle` before the daemon looked is taken at once.
 * Why `settle` and not "closed" alone: a writer that closes and reopens with truncation (an
 * editor's second save, a program rewriting its output) leaves a closed, complete-looking file
 * for a few milliseconds; only a quiet period tells it from a finished one.
 * The waiting table (one `Waiting` per path) is the caller's; this returns the next entry, or
 * null to forget the path. Pure: `now` comes in.
 */
import { Rejection } from '../../bus/rejection.js';
import { formatDuration } from '../../bus/time.js';

/** Where /proc cannot tell whether a file is still being written: wait at least this long. */
export const STABILITY_MS = 2000;

/** What a stat says about a file, as far as "did it change?" goes. */
export interface Look {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export interface Waiting extends Look {
  /** When the file was first seen not ready. */
  since: number;
  /** Since when the file has been as it is (and closed). */
  stableSince: number;
}

export interface Observed extends Look {
  /** The /proc sweep saw a process holding the file open for writing. */
  openForWriting: boolean;
  /** /proc can see every possible writer (the sweep was complete, or the file is the daemon's own user's). */
  procCanTell: boolean;
}

export interface Limits {
  /** A closed file must be unchanged this long (ms). */
  settle: number;
  /** Waiting longer than this (ms) is a rejection. */
  writeGrace: number;
}

export type Readiness =
  | { verdict: 'ready'; waiting: null }
  | { verdict: 'wait'; waiting: Waiting }
  | { verdict: 'reject'; waiting: null; rejection: Rejection };

const sameLook = (a: Look, b: Look) =>
  a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;

export function readiness(prev: Waiting | undefined, seen: Observed, now: number, limits: Limits): Readiness {
  const look: Look = { ino: seen.ino, size: seen.size, mtimeMs: seen.mtimeMs, ctimeMs: seen.ctimeMs };
  const since = prev?.since ?? now;
  let stableSince: number;
  if (seen.openForWriting) stableSince = now;
  else if (prev !== undefined && sameLook(prev, seen)) stableSince = prev.stableSince;
  else stableSince = Math.min(now, seen.ctimeMs);
  const window = seen.procCanTell ? limits.settle : Math.max(limits.settle, STABILITY_MS);
  if (!seen.openForWriting && now - stableSince >= window) return { verdict: 'ready', waiting: null };
  const waited = now - since;
  if (waited > limits.writeGrace)
    return { verdict: 'reject', waiting: null, rejection: tooLong(seen.openForWriting, waited, limits) };
  return { verdict: 'wait', waiting: { ...look, since, stableSince } };
}

function tooLong(open: boolean, waited: number, limits: Limits): Rejection {
  const grace = `write_grace is ${formatDuration(limits.writeGrace)}`;
  const what = open
    ? `was still open for writing after ${formatDuration(waited)} (${grace})`
    : `was still changing after ${formatDuration(waited)} (${grace}; it is taken once unchanged for settle, ${formatDuration(limits.settle)})`;
  return new Rejection(
    `the file ${what}`,
    'Write the file elsewhere and move it into the outbox when it is complete (mv is atomic), or close the program that holds it open or keeps writing it.',
  );
}

/** One take, as checked after the read: the look that found the file ready, what was read, and what is there now. */
export interface TakeCheck {
  /** The look that found it ready (before the take; a rename moves ctime, so ctime is not compared with it). */
  before: Look;
  /** The descriptor's look when it was read, and how many bytes were read (null: the read was refused, e.g. too large). */
  read: (Look & { bytes: number; limit: number }) | null;
  /** The entry's look after the read and after the writer sweep (null: gone). */
  after: Look | null;
  /** A process holds the taken file open for writing (the sweep after the read). */
  writer: boolean;
}

/** null when what was read is what is there; otherwise what changed, for the log. */
export function takeChanged(t: TakeCheck): string | null {
  const { before, read, after } = t;
  if (t.writer) return 'a process holds it open for writing';
  if (after === null) return 'it is gone';
  if (after.ino !== before.ino) return 'it was replaced';
  if (after.size !== before.size) return `its size went from ${before.size} to ${after.size} bytes`;
  if (after.mtimeMs !== before.mtimeMs) return 'it was written to';
  if (read) {
    if (
      read.ino !== after.ino ||
      read.size !== after.size ||
      read.mtimeMs !== after.mtimeMs ||
      read.ctimeMs !== after.ctimeMs
    )
      return 'it changed while it was read';
    if (read.bytes !== Math.min(read.size, read.limit + 1))
      return `${read.bytes} of its ${read.size} bytes could be read`;
  }
  return null;
}
