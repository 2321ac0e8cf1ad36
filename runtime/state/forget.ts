/**
 * What finished state no longer needs leaves memory, decided by the events' own times (never the
 * wall clock), so a fold from a snapshot plus the tail equals the fold of the whole log.
 *   - threads: a thread idle (no message accepted in it) for `threadTtl` is forgotten with all
 *     its messages; a reply_to naming one of them is then refused like an unknown id (a typo and
 *     a forgotten thread look the same without keeping every id forever). `threadOf` applies
 *     the ttl exactly; the sweep that frees the memory follows a few steps per event behind.
 *   - runs: a finished, cancelled or dead run is kept RUN_KEEP_MS of event time after it ended
 *     (recovery after a crash needs the recent ones), then forgotten.
 * Sweeps walk FIFO queues (arrays with a head index), a few steps per event: O(1) per event.
 * (Not Maps from their front: V8 leaves deleted Map entries as holes an iterator walks over.)
 */
import type { ThreadInfo } from '../decide/accept.js';
import type { Runtime } from './runs.js';

export const RUN_KEEP_MS = 60 * 60_000;
const SWEEP_STEPS = 4;

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

/** Threads by message id, with each thread's last activity (seconds since the epoch). */
export interface Threads {
  byId: Map<string, ThreadInfo>;
  /** thread -> last activity (s). */
  active: Map<string, number>;
  /** Message ids, oldest first (a sweep moves one whose thread lives to the back). */
  order: Queue<string>;
}

export function emptyThreads(): Threads {
  return { byId: new Map(), active: new Map(), order: emptyQueue() };
}

export const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

export function noteMessage(t: Threads, id: string, info: ThreadInfo, nowS: number): void {
  if (!t.byId.has(id)) t.order.items.push(id);
  t.byId.set(id, info);
  t.active.set(info.thread, nowS);
}

/** The thread of message `id`, unless that thread has been idle longer than `ttlS` at `nowS`. */
export function threadOf(t: Threads, id: string, nowS: number, ttlS: number): ThreadInfo | undefined {
  const info = t.byId.get(id);
  if (!info) return undefined;
  const last = t.active.get(info.thread);
  return last !== undefined && last >= nowS - ttlS ? info : undefined;
}

/** A few steps of forgetting: the oldest messages whose thread is idle past the ttl go. */
export function sweepThreads(t: Threads, nowS: number, ttlS: number): void {
  const cutoff = nowS - ttlS;
  const q = t.order;
  for (let steps = SWEEP_STEPS; steps > 0 && q.head < q.items.length; steps--) {
    const id = q.items[q.head]!;
    shift(q);
    const info = t.byId.get(id);
    if (!info) continue;
    const last = t.active.get(info.thread);
    if (last !== undefined && last >= cutoff) {
      q.items.push(id);
      continue;
    }
    t.byId.delete(id);
    if (last !== undefined) t.active.delete(info.thread);
  }
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
