/**
 * What the page reads of the log: its newest events, not all of it. Read backwards
 * (bus/store/log-tail.ts) as far as the charts need (their window, and the 10 minutes before it
 * where a message delivered in the window may have been accepted), at least the RECENT_EVENTS
 * the page lists, and never more than RECENT_CAP events: a refresh costs what the last hour
 * held, whatever the length of the history. The handler queue before that tail comes from the
 * state folded to its end (runtimeBefore), so the queue chart is the same as a fold of the whole
 * log. Pure: read.ts does the reading.
 */
import type { BusEvent, HandlerEvent } from '../../bus/events.js';
import { REQUEUED_NOTE } from '../decide/run-recovery.js';
import { emptyRuntime, runKey, type Run, type Runtime } from '../state/runs.js';
import { RECENT_EVENTS } from './model.js';
import { chartStart, LOOKBACK_MS } from './series.js';

/** The most events one refresh reads (about 10-15 MB of heap while the model is built). */
export const RECENT_CAP = 20_000;

export interface Recent {
  /** Oldest first. */
  events: BusEvent[];
  /** When RECENT_CAP cut the read inside the charts' window: the oldest event's time (ms); else null. */
  since: number | null;
}

/**
 * A collector for a backwards read (newest first): `more` takes each event and says whether to
 * read on; `result` gives what was read. Events after `lastSeq` (appended after the state was
 * folded) are passed over, so the events and the state agree.
 */
export function recentCollector(now: number, lastSeq: number): { more(e: BusEvent): boolean; result(): Recent } {
  const from = chartStart(now) - LOOKBACK_MS;
  const newestFirst: BusEvent[] = [];
  let cut = false;
  return {
    more(e) {
      if (e.seq > lastSeq) return true;
      newestFirst.push(e);
      const older = Date.parse(e.time) < from;
      if (newestFirst.length < RECENT_CAP) return newestFirst.length < RECENT_EVENTS || !older;
      cut = !older;
      return false;
    },
    result() {
      const events = [...newestFirst].reverse();
      return { events, since: cut ? Date.parse(events[0]!.time) : null };
    },
  };
}

const HANDLER_TYPES = new Set<string>([
  'handler.queued',
  'handler.started',
  'handler.succeeded',
  'handler.failed',
  'handler.cancelled',
]);

function isHandlerEvent(e: BusEvent): e is HandlerEvent {
  return HANDLER_TYPES.has(e.type);
}

/**
 * What a run was just before its event `e`: only a queued run starts or is cancelled, only a
 * running one succeeds or fails; handler.queued is a new run, a retry or a run cut off by a stop,
 * unless a restart queues again what was queued (REQUEUED_NOTE).
 */
function stateBefore(e: HandlerEvent): 'queued' | 'running' | null {
  if (e.type === 'handler.started' || e.type === 'handler.cancelled') return 'queued';
  if (e.type === 'handler.succeeded' || e.type === 'handler.failed') return 'running';
  return e.note === REQUEUED_NOTE ? 'queued' : null;
}

/**
 * The runtime just before `events` (a tail of the log), as far as the queue chart uses it (the
 * runs queued or running), from `end`, the runtime folded to the tail's last event: a run with no
 * event in the tail was queued then if it is queued at the end; any other run was what its first
 * event in the tail follows (stateBefore).
 */
export function runtimeBefore(events: readonly BusEvent[], end: Runtime): Runtime {
  const first = new Map<string, HandlerEvent>();
  for (const e of events) {
    if (!isHandlerEvent(e)) continue;
    const key = runKey(e.agent, e.id);
    if (!first.has(key)) first.set(key, e);
  }
  const rt = emptyRuntime();
  const put = (key: string, status: 'queued' | 'running', e: HandlerEvent | undefined) => {
    const known = end.runs.get(key);
    const run: Run = known
      ? { ...known }
      : {
          ...{ id: e!.id, agent: e!.agent, priority: 'normal', lane: null, file: '' },
          ...{ status, queuedAt: 0, notBefore: 0, attempt: 0, failures: 0, tempfails: 0 },
        };
    run.status = status;
    rt.runs.set(key, run);
    rt[status].add(key);
  };
  for (const key of end.queued) if (!first.has(key)) put(key, 'queued', undefined);
  for (const [key, e] of first) {
    const before = stateBefore(e);
    if (before) put(key, before, e);
  }
  return rt;
}
