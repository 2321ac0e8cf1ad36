/**
 * Which mailbox folders the reconciliation scan lists this interval. Pure: the caller keeps
 * the state (the dirty set, the sweep cursor) and passes it in.
 *
 * Watchers are hints, so a full reconciliation still happens; but listing 20,000 folders
 * every interval is what kept an idle daemon of 10,000 agents at half a core. The rule:
 *  - everything, at start-up, after any watcher error, and every interval while nothing is
 *    watched (`watch: false`, or out of inotify watches): no hints, so no shortcut; except
 *    that the first scan only checks (below) the folders primed, i.e. listed at start-up just
 *    before they were watched (every mailbox: start-up lists them anyway, startup.ts);
 *  - otherwise the dirty folders (a watcher named them, their last listing found something
 *    to take or failed, they were added or made again) and the folders without a working
 *    watch are listed; and a slice of the rest in turn is checked, so that every folder is
 *    checked at least once every `sweepTicks` intervals (SWEEP_MS, 60 s: the bound on a missed
 *    event, e.g. an inotify overflow, which is silent). Checked: one lstat, and a listing only
 *    when its ctime or mtime moved since the stamp taken before its last listing, or that stamp
 *    was too recent to trust (RACY_MS: an entry made in the same timestamp tick as the listing
 *    leaves the times as they were; git's "racily clean" rule).
 * Small orgs (at most SWEEP_FLOOR folders) are checked whole every interval.
 */

/** A folder's times within this long before its stamp was taken cannot prove it unchanged. */
export const RACY_MS = 2_000;

/** A folder's times, taken (lstat) just before it was listed. */
export interface Stamp {
  ctimeMs: number;
  mtimeMs: number;
  /** The wall clock when the stamp was taken. */
  at: number;
}

/** Whether a checked folder must be listed: never listed, its times moved, or its stamp racy. */
export function changedSince(prev: Stamp | undefined, now: { ctimeMs: number; mtimeMs: number }): boolean {
  if (!prev) return true;
  if (prev.ctimeMs !== now.ctimeMs || prev.mtimeMs !== now.mtimeMs) return true;
  return Math.max(prev.ctimeMs, prev.mtimeMs) >= prev.at - RACY_MS;
}

/** A missed watcher event is found within this long while watches are healthy. */
export const SWEEP_MS = 60_000;
/** At least this many folders are listed per interval: an org this small is swept whole every time. */
export const SWEEP_FLOOR = 512;

export interface ScanState {
  /** Listing everything: start-up, a watcher error, or nothing watched. */
  full: boolean;
  /** Folders named by a watcher (or otherwise due) since their last listing. */
  dirty: ReadonlySet<string>;
  /** Folders that have no working watch. */
  unwatched: ReadonlySet<string>;
  /** Where the rotating sweep goes on (an index into `dirs`). */
  cursor: number;
  /** Folders listed (and stamped) just before they were watched: a full scan only checks them (unless dirty or unwatched). */
  primed?: ReadonlySet<string>;
}

export interface ScanPlan {
  /** The folders to list, in `dirs` order. */
  list: string[];
  /** The folders to check (listed only if changedSince), in `dirs` order. */
  check: string[];
  /** The cursor for the next interval. */
  cursor: number;
}

/** How many intervals one full sweep is spread over: SWEEP_MS in intervals, at least 1. */
export function sweepTicks(scanIntervalMs: number, sweepMs = SWEEP_MS): number {
  return Math.max(1, Math.floor(sweepMs / scanIntervalMs));
}

/** The slice of `total` items that starts at `cursor`, so that `ticks` slices cover all of them; `floor` items at least. */
export function rotation(
  total: number,
  cursor: number,
  ticks: number,
  floor = 0,
): { indices: number[]; cursor: number } {
  if (total === 0) return { indices: [], cursor: 0 };
  const count = Math.min(total, Math.max(floor, Math.ceil(total / Math.max(1, ticks))));
  const start = ((cursor % total) + total) % total;
  const indices = Array.from({ length: count }, (_, k) => (start + k) % total);
  return { indices, cursor: (start + count) % total };
}

/** The folders to list this interval (see the module comment). */
export function planScan(dirs: readonly string[], s: ScanState, ticks: number, floor = SWEEP_FLOOR): ScanPlan {
  if (s.full) {
    const checked = (d: string) => s.primed?.has(d) === true && !s.dirty.has(d) && !s.unwatched.has(d);
    return { list: dirs.filter((d) => !checked(d)), check: dirs.filter(checked), cursor: s.cursor };
  }
  const { indices, cursor } = rotation(dirs.length, s.cursor, ticks, floor);
  const list = s.dirty.size || s.unwatched.size ? dirs.filter((d) => s.dirty.has(d) || s.unwatched.has(d)) : [];
  const listed = new Set(list);
  const check = indices.sort((a, b) => a - b).flatMap((i) => (listed.has(dirs[i]!) ? [] : [dirs[i]!]));
  return { list, check, cursor };
}
