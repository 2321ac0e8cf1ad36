/**
 * What finished state no longer needs leaves memory, decided by the events' own times (never the
 * wall clock), so a fold from a snapshot plus the tail equals the fold of the whole log.
 *   - threads: a thread idle (no message accepted in it) for `threadTtl` is forgotten with all
 *     its messages; a reply_to naming one of them is then refused like an unknown id (a typo and
 *     a forgotten thread look the same without keeping every id forever);
 *   - runs: a finished, cancelled or dead run is kept RUN_KEEP_MS of event time after it ended
 *     (recovery after a crash needs the recent ones), then forgotten.
 * Sweeps run a few steps per event, so the cost is O(1) per event.
 */
import type { ThreadInfo } from '../decide/accept.js';
import type { Runtime } from './runs.js';

export const RUN_KEEP_MS = 60 * 60_000;
const SWEEP_STEPS = 4;

/** Threads by message id, with each thread's last activity (seconds since the epoch). */
export interface Threads {
  byId: Map<string, ThreadInfo>;
  /** thread -> last activity (s), least recently active first. */
  active: Map<string, number>;
}

export function emptyThreads(): Threads {
  return { byId: new Map(), active: new Map() };
}

export const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

export function noteMessage(t: Threads, id: string, info: ThreadInfo, nowS: number): void {
  t.byId.set(id, info);
  t.active.delete(info.thread);
  t.active.set(info.thread, nowS);
}

/**
 * Forget threads idle since before `nowS - ttlS`. Messages are visited oldest first: one whose
 * thread is forgotten goes; one whose thread lives is moved to the back, so a long-lived thread
 * never blocks the sweep.
 */
export function sweepThreads(t: Threads, nowS: number, ttlS: number): void {
  const cutoff = nowS - ttlS;
  for (const [thread, last] of t.active) {
    if (last >= cutoff) break;
    t.active.delete(thread);
  }
  let steps = SWEEP_STEPS;
  for (const [id, info] of t.byId) {
    if (steps-- <= 0) break;
    t.byId.delete(id);
    if (t.active.has(info.thread)) t.byId.set(id, info);
  }
}

/** Runs that ended, by key, with when (ms), oldest first. */
export type Ended = Map<string, number>;

export function sweepRuns(rt: Runtime, ended: Ended, nowMs: number): void {
  for (const [key, at] of ended) {
    if (at > nowMs - RUN_KEEP_MS) break;
    ended.delete(key);
    const run = rt.runs.get(key);
    if (run && (run.status === 'finished' || run.status === 'dead')) rt.runs.delete(key);
  }
}
