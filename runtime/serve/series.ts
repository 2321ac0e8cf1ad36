/**
 * The page's charts, folded from the event log: per minute over the last hour, messages
 * accepted, the handler queue's depth (runs waiting, sampled at the end of each minute, by the
 * same run fold the daemon uses) and delivery latency (accepted -> delivered); and cost per
 * UTC day from the board. Pure: the time is an argument. The events may be a tail of the log
 * (recent.ts) with the runtime before it.
 */
import type { BusEvent } from '../../bus/events.js';
import type { Board } from '../../board/fold.js';
import { costSummary } from '../../board/render.js';
import { applyRuntime, emptyRuntime, type Runtime } from '../state/runs.js';

export interface Series {
  /** Start of each minute, in seconds since the epoch (uPlot's x axis). */
  minutes: number[];
  /** null: a minute before the events read (a read cut by its cap, recent.ts). */
  messages: Array<number | null>;
  queue: Array<number | null>;
  /** Median and slowest delivery in that minute, ms; null when nothing was delivered. */
  latency_p50: Array<number | null>;
  latency_max: Array<number | null>;
  /** Noon of each UTC day with reported usage (seconds), and its cost in USD. */
  days: number[];
  cost: number[];
}

export const WINDOW_MINUTES = 60;
const MINUTE = 60_000;
/** A message delivered in the window is looked for among those accepted this long before it. */
export const LOOKBACK_MS = 10 * MINUTE;

/** The start of the charts' first minute. */
export function chartStart(now: number, minutes = WINDOW_MINUTES): number {
  return Math.floor(now / MINUTE) * MINUTE - (minutes - 1) * MINUTE;
}

export interface SeriesFrom {
  /** The runtime before the first event (default: empty, for events from the log's start). */
  runtime?: Runtime;
  /** The events start here (ms), inside the window: the minutes before have no data (null). */
  since?: number | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

export function chartSeries(
  events: readonly BusEvent[],
  board: Board,
  now: number,
  minutes = WINDOW_MINUTES,
  from: SeriesFrom = {},
): Series {
  const first = chartStart(now, minutes);
  const last = first + (minutes - 1) * MINUTE;
  const bucket = (time: string) => {
    const t = Date.parse(time);
    return t >= first && t < last + MINUTE ? Math.floor((t - first) / MINUTE) : -1;
  };
  const messages = new Array<number>(minutes).fill(0);
  const queue = new Array<number>(minutes).fill(0);
  const latencies: number[][] = Array.from({ length: minutes }, () => []);
  const acceptedAt = new Map<string, number>();
  const rt = from.runtime ?? emptyRuntime();
  let sampled = 0;
  const sampleUpTo = (index: number) => {
    for (; sampled < Math.min(index, minutes); sampled++) queue[sampled] = rt.queued.size;
  };
  for (const e of events) {
    const t = Date.parse(e.time);
    if (t >= first) sampleUpTo(Math.floor((t - first) / MINUTE));
    applyRuntime(rt, e);
    const b = bucket(e.time);
    if (e.type === 'message.accepted') {
      if (b >= 0) messages[b]! += 1;
      if (t >= first - LOOKBACK_MS) acceptedAt.set(e.id, t);
    } else if (e.type === 'message.delivered') {
      const from = acceptedAt.get(e.id);
      acceptedAt.delete(e.id);
      if (b >= 0 && from !== undefined) latencies[b]!.push(Math.max(0, t - from));
    }
  }
  sampleUpTo(Math.floor((now - first) / MINUTE) + 1);
  const costs = costSummary(board).by_day;
  const days = Object.keys(costs).slice(-30);
  const since = from.since ?? -Infinity;
  const known = <T>(xs: T[]) => xs.map((x, i) => (first + i * MINUTE < since ? null : x));
  return {
    minutes: messages.map((_, i) => (first + i * MINUTE) / 1000),
    messages: known(messages),
    queue: known(queue),
    latency_p50: known(latencies.map((l) => (l.length ? median(l) : null))),
    latency_max: known(latencies.map((l) => (l.length ? Math.max(...l) : null))),
    days: days.map((d) => Date.parse(`${d}T12:00:00Z`) / 1000),
    cost: days.map((d) => costs[d]!),
  };
}
