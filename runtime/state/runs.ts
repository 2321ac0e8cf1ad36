/**
 * Handler runs and lanes as a fold over the event log (emmett's evolve). The daemon, `status`
 * and `why` all fold the same way, so what they say is what the daemon does. Pure: the only
 * time is the events' own.
 *
 * Run states (one run per message and handler agent):
 *   handler.queued    -> queued   (not_before: staggered after a restart, or a retry's time)
 *   handler.started   -> running  (attempt n)
 *   handler.succeeded -> finished (the message moved to done/)
 *   handler.failed    -> queued again at retry_at, or dead (final: dead-lettered and bounced)
 *   handler.cancelled -> finished (the message left the inbox before its run; `cancelled` says why)
 * Lanes: the start times of the last minute, and a cool-down after an exit 75.
 */
import type {
  BusEvent,
  HandlerCancelled,
  HandlerFailed,
  HandlerQueued,
  HandlerStarted,
  HandlerSucceeded,
} from '../../bus/events.js';
import type { Priority } from '../../bus/priority.js';

export type RunStatus = 'queued' | 'running' | 'finished' | 'dead';

export interface Run {
  id: string;
  agent: string;
  priority: Priority;
  lane: string | null;
  file: string;
  status: RunStatus;
  queuedAt: number;
  notBefore: number;
  /** Runs started so far. */
  attempt: number;
  failures: number;
  tempfails: number;
  startedAt?: number;
  lastError?: string;
  /** Set when the run ended by handler.cancelled (never handled): the reason. */
  cancelled?: string;
  lastFailure?: HandlerFailed;
}

export interface LaneState {
  coolingUntil: number;
  /** Start times within the last minute (oldest first). */
  starts: number[];
}

export interface Runtime {
  runs: Map<string, Run>;
  /** Keys of runs in state queued / running (indexes, so planning never walks finished runs). */
  queued: Set<string>;
  running: Set<string>;
  lanes: Map<string, LaneState>;
  /** Agent -> key of its running run. */
  busy: Map<string, string>;
  lastStart: Map<string, number>;
}

export function runKey(agent: string, id: string): string {
  return `${agent}/${id}`;
}

export function emptyRuntime(): Runtime {
  return {
    runs: new Map(),
    queued: new Set(),
    running: new Set(),
    lanes: new Map(),
    busy: new Map(),
    lastStart: new Map(),
  };
}

function lane(rt: Runtime, name: string): LaneState {
  let l = rt.lanes.get(name);
  if (!l) rt.lanes.set(name, (l = { coolingUntil: 0, starts: [] }));
  return l;
}

function setStatus(rt: Runtime, key: string, run: Run, status: RunStatus): void {
  run.status = status;
  if (status === 'queued') rt.queued.add(key);
  else rt.queued.delete(key);
  if (status === 'running') rt.running.add(key);
  else rt.running.delete(key);
}

function queued(rt: Runtime, e: HandlerQueued, t: number): void {
  const key = runKey(e.agent, e.id);
  const prev = rt.runs.get(key);
  if (prev?.status === 'running') rt.busy.delete(e.agent);
  const run: Run = {
    ...(prev ?? { attempt: 0, failures: 0, tempfails: 0, queuedAt: t }),
    id: e.id,
    agent: e.agent,
    priority: e.priority,
    lane: e.lane,
    file: e.file,
    status: 'queued',
    notBefore: e.not_before ? Date.parse(e.not_before) : 0,
  };
  delete run.cancelled;
  rt.runs.set(key, run);
  setStatus(rt, key, run, 'queued');
}

function started(rt: Runtime, e: HandlerStarted, t: number): void {
  const key = runKey(e.agent, e.id);
  const run = rt.runs.get(key);
  if (!run) return;
  setStatus(rt, key, run, 'running');
  run.lane = e.lane; // the lane it runs in (the agent may have moved since it was queued)
  run.attempt = e.attempt;
  run.startedAt = t;
  rt.busy.set(e.agent, key);
  rt.lastStart.set(e.agent, t);
  if (e.lane) {
    const l = lane(rt, e.lane);
    while (l.starts.length && l.starts[0]! <= t - 60_000) l.starts.shift();
    l.starts.push(t);
  }
}

function ended(rt: Runtime, e: HandlerSucceeded | HandlerCancelled): void {
  const key = runKey(e.agent, e.id);
  const run = rt.runs.get(key);
  if (!run) return;
  setStatus(rt, key, run, 'finished');
  if (e.type === 'handler.cancelled') run.cancelled = e.reason;
  else delete run.cancelled;
  if (rt.busy.get(e.agent) === key) rt.busy.delete(e.agent);
}

function failed(rt: Runtime, e: HandlerFailed): void {
  const key = runKey(e.agent, e.id);
  const run = rt.runs.get(key);
  if (!run) return;
  if (rt.busy.get(e.agent) === key) rt.busy.delete(e.agent);
  if (e.tempfail) run.tempfails++;
  else run.failures++;
  run.lastError = e.reason;
  run.lastFailure = e;
  setStatus(rt, key, run, e.final ? 'dead' : 'queued');
  run.notBefore = e.retry_at ? Date.parse(e.retry_at) : 0;
  if (e.lane_cooling_until && run.lane)
    lane(rt, run.lane).coolingUntil = Math.max(lane(rt, run.lane).coolingUntil, Date.parse(e.lane_cooling_until));
}

/** One fold step: the runtime after event `e` (updated in place and returned). */
export function applyRuntime(rt: Runtime, e: BusEvent): Runtime {
  switch (e.type) {
    case 'handler.queued':
      queued(rt, e, Date.parse(e.time));
      break;
    case 'handler.started':
      started(rt, e, Date.parse(e.time));
      break;
    case 'handler.succeeded':
    case 'handler.cancelled':
      ended(rt, e);
      break;
    case 'handler.failed':
      failed(rt, e);
      break;
    default:
      break;
  }
  return rt;
}
