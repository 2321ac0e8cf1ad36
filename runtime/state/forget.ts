/**
 * What finished state no longer needs leaves memory, decided by the events' own times (never the
 * wall clock), so a fold from a snapshot plus the tail equals the fold of the whole log.
 *   - threads: a thread idle (no message accepted in it) for `threadTtl` is forgotten with all
 *     its messages; a reply_to naming one of them is then refused like an unknown id (a typo and
 *     a forgotten thread look the same without keeping every id forever). A lookup applies
 *     the ttl exactly; the sweep that frees the memory follows a few steps per event behind.
 *   - runs: a finished, cancelled or dead run is kept RUN_KEEP_MS of event time after it ended
 *     (recovery after a crash needs the recent ones), then forgotten.
 *   - held messages: one approved or refused more than HELD_KEEP_MS before the day began is
 *     forgotten (swept once a UTC day); `audit` and `why` read the log for it.
 * Sweeps walk FIFO queues (arrays with a head index), a few steps per event: O(1) per event.
 * (Not Maps from their front: V8 leaves deleted Map entries as holes an iterator walks over.)
 * The threads live in a compact index (thread-index.ts), which applies the same rule.
 */
import type { GovernanceState } from './governance.js';
import type { ThreadIndex } from './thread-index.js';
import type { Runtime } from './runs.js';

export const RUN_KEEP_MS = 60 * 60_000;
export const HELD_KEEP_MS = 30 * 86_400_000;
const SWEEP_STEPS = 8;

/** An array used as a FIFO queue: items from `head` on. */
export interface Queue<T> {
  items: T[];
  head: number;
}

export function emptyQueue<T>(): Queue<T> {
  return { items: [], head: 0 };
}

function shift<T>(q: Queue<T>): void {
  q.head++;
  if (q.head >= 1024 && q.head * 2 >= q.items.length) {
    q.items = q.items.slice(q.head);
    q.head = 0;
  }
}

export const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/** A few steps of forgetting threads (thread-index.ts): the oldest messages whose thread is idle past the ttl go. */
export function sweepThreads(t: ThreadIndex, nowS: number, ttlS: number): void {
  t.sweep(nowS, ttlS, SWEEP_STEPS);
}

/** Runs that ended: [key, ms], oldest first. */
export type Ended = Queue<[string, number]>;

export function sweepRuns(rt: Runtime, ended: Ended, nowMs: number): void {
  while (ended.head < ended.items.length) {
    const [key, at] = ended.items[ended.head]!;
    if (at > nowMs - RUN_KEEP_MS) break;
    shift(ended);
    const run = rt.runs.get(key);
    if (run && (run.status === 'finished' || run.status === 'dead')) rt.runs.delete(key);
  }
}

/**
 * At the first event of each UTC day (event time), the held records decided before that day's
 * start minus HELD_KEEP_MS leave the fold (a held one stays however old). The cutoff is the
 * day's, not the event's, so sweeping again that day forgets nothing more: a fold from any
 * snapshot, even one written before this rule (no `heldSwept`), equals the fold of the whole log.
 */
export function sweepHeld(g: GovernanceState, time: string): void {
  const day = time.slice(0, 10);
  if (g.heldSwept === day) return;
  g.heldSwept = day;
  const cutoff = Date.parse(`${day}T00:00:00.000Z`) - HELD_KEEP_MS;
  for (const [id, h] of Object.entries(g.held))
    if (h.status !== 'held' && h.decided !== undefined && Date.parse(h.decided) < cutoff) {
      delete g.held[id];
      g.heldForgotten = (g.heldForgotten ?? 0) + 1;
    }
}
