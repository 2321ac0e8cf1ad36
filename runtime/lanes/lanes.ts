/**
 * Handler runs and lanes, as a fold over the event log plus a pure choice of what to start.
 * The daemon, `status` and `why` all use this same module, so what they say is what the
 * daemon does.
 *
 * Run states (one run per message and handler agent):
 *   handler.queued    -> queued   (not_before: staggered after a restart, or a retry's time)
 *   handler.started   -> running  (attempt n)
 *   handler.succeeded -> finished (the message moved to done/)
 *   handler.failed    -> queued again at retry_at, or dead (final: dead-lettered and bounced)
 *   handler.cancelled -> finished (the message left the inbox before its run)
 * Lanes: at most `concurrency` runs at once, at most `per_minute` starts in any 60 s, none
 * while cooling down after an exit 75. One run at a time per agent (an agent is one person).
 * Order of waiting runs: priority, then the agent whose last start is oldest (fair: one busy
 * agent cannot starve the lane), then age. Pure: times are passed in.
 */
import { rankOf, type Priority } from '../../bus/priority.js';
import type { BusEvent, HandlerFailed } from '../../bus/events.js';
import type { OrgConfig } from '../config/config.js';

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

export const MAX_TEMPFAILS = 10;
export const DEFAULT_COOLDOWN_MS = 30_000;
export const MAX_BACKOFF_MS = 10 * 60_000;

export function runKey(agent: string, id: string): string {
  return `${agent}/${id}`;
}

export function emptyRuntime(): Runtime {
  return { runs: new Map(), queued: new Set(), running: new Set(), lanes: new Map(), busy: new Map(), lastStart: new Map() };
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

export function applyRuntime(rt: Runtime, e: BusEvent): Runtime {
  if (!e.type.startsWith('handler.')) return rt;
  const t = Date.parse(e.time);
  switch (e.type) {
    case 'handler.queued': {
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
      break;
    }
    case 'handler.started': {
      const run = rt.runs.get(runKey(e.agent, e.id));
      if (!run) break;
      setStatus(rt, runKey(e.agent, e.id), run, 'running');
      run.lane = e.lane; // the lane it runs in (the agent may have moved since it was queued)
      run.attempt = e.attempt;
      run.startedAt = t;
      rt.busy.set(e.agent, runKey(e.agent, e.id));
      rt.lastStart.set(e.agent, t);
      if (e.lane) {
        const l = lane(rt, e.lane);
        while (l.starts.length && l.starts[0]! <= t - 60_000) l.starts.shift();
        l.starts.push(t);
      }
      break;
    }
    case 'handler.succeeded':
    case 'handler.cancelled': {
      const run = rt.runs.get(runKey(e.agent, e.id));
      if (!run) break;
      setStatus(rt, runKey(e.agent, e.id), run, 'finished');
      if (e.type === 'handler.cancelled') run.cancelled = e.reason;
      else delete run.cancelled;
      if (rt.busy.get(e.agent) === runKey(e.agent, e.id)) rt.busy.delete(e.agent);
      break;
    }
    case 'handler.failed': {
      const run = rt.runs.get(runKey(e.agent, e.id));
      if (!run) break;
      if (rt.busy.get(e.agent) === runKey(e.agent, e.id)) rt.busy.delete(e.agent);
      if (e.tempfail) run.tempfails++;
      else run.failures++;
      run.lastError = e.reason;
      run.lastFailure = e;
      setStatus(rt, runKey(e.agent, e.id), run, e.final ? 'dead' : 'queued');
      run.notBefore = e.retry_at ? Date.parse(e.retry_at) : 0;
      if (e.lane_cooling_until && run.lane) lane(rt, run.lane).coolingUntil = Math.max(lane(rt, run.lane).coolingUntil, Date.parse(e.lane_cooling_until));
      break;
    }
    default:
      break;
  }
  return rt;
}

function compareWaiting(rt: Runtime) {
  return (a: Run, b: Run) =>
    rankOf(a.priority) - rankOf(b.priority) ||
    (rt.lastStart.get(a.agent) ?? 0) - (rt.lastStart.get(b.agent) ?? 0) ||
    a.queuedAt - b.queuedAt ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function waitingRuns(rt: Runtime): Run[] {
  return [...rt.queued].map((k) => rt.runs.get(k)!).sort(compareWaiting(rt));
}

export function runningIn(rt: Runtime, laneName: string): Run[] {
  return [...rt.running].map((k) => rt.runs.get(k)!).filter((r) => r.lane === laneName);
}

function recentStarts(l: LaneState | undefined, now: number): number[] {
  return (l?.starts ?? []).filter((s) => s > now - 60_000);
}

export type Blocker =
  | { kind: 'ready' }
  | { kind: 'not_before'; until: number }
  | { kind: 'agent_busy'; with: string }
  | { kind: 'cooling'; lane: string; until: number }
  | { kind: 'lane_full'; lane: string; running: string[] }
  | { kind: 'rate'; lane: string; until: number }
  | { kind: 'behind'; lane: string; ahead: number };

/**
 * What to start now, in order, and why each other waiting run waits. Pure: the caller
 * starts the runs and logs `handler.started` for each.
 */
export function plan(rt: Runtime, config: OrgConfig, now: number): { start: Run[]; waiting: Array<{ run: Run; blocker: Blocker; ahead: number }> } {
  const start: Run[] = [];
  const waiting: Array<{ run: Run; blocker: Blocker; ahead: number }> = [];
  const busy = new Set(rt.busy.keys());
  const laneRunning = new Map<string, number>();
  const laneStarts = new Map<string, number>();
  const laneAhead = new Map<string, number>();
  for (const k of rt.running) {
    const r = rt.runs.get(k)!;
    if (r.lane) laneRunning.set(r.lane, (laneRunning.get(r.lane) ?? 0) + 1);
  }
  for (const queued of waitingRuns(rt)) {
    // A run waits in its agent's lane as the config says now (an agent moved to another lane takes its queue along).
    const agent = config.agents[queued.agent];
    const laneNow = agent ? (agent.lane ?? null) : queued.lane;
    const run = laneNow === queued.lane ? queued : { ...queued, lane: laneNow };
    const ahead = run.lane ? (laneAhead.get(run.lane) ?? 0) : 0;
    const wait = (blocker: Blocker) => {
      waiting.push({ run, blocker, ahead });
      if (run.lane) laneAhead.set(run.lane, ahead + 1);
    };
    if (run.notBefore > now) {
      wait({ kind: 'not_before', until: run.notBefore });
      continue;
    }
    if (busy.has(run.agent)) {
      wait({ kind: 'agent_busy', with: rt.busy.get(run.agent) ?? start.find((s) => s.agent === run.agent)?.id ?? '?' });
      continue;
    }
    if (run.lane) {
      const cfg = config.lanes[run.lane];
      const l = rt.lanes.get(run.lane);
      if (cfg) {
        if (l && l.coolingUntil > now) {
          wait({ kind: 'cooling', lane: run.lane, until: l.coolingUntil });
          continue;
        }
        const running = laneRunning.get(run.lane) ?? 0;
        if (running >= cfg.concurrency) {
          wait({ kind: 'lane_full', lane: run.lane, running: runningIn(rt, run.lane).map((r) => r.id) });
          continue;
        }
        if (cfg.perMinute !== null) {
          const recent = recentStarts(l, now);
          const started = laneStarts.get(run.lane) ?? 0;
          if (recent.length + started >= cfg.perMinute) {
            wait({ kind: 'rate', lane: run.lane, until: (recent[0] ?? now) + 60_000 });
            continue;
          }
        }
        laneRunning.set(run.lane, running + 1);
        laneStarts.set(run.lane, (laneStarts.get(run.lane) ?? 0) + 1);
      }
    }
    busy.add(run.agent);
    start.push(run);
  }
  return { start, waiting };
}

/** When something waiting may become startable without any other event (ms epoch), or null. */
export function nextWake(waiting: Array<{ blocker: Blocker }>): number | null {
  let next: number | null = null;
  for (const { blocker } of waiting) {
    const t = blocker.kind === 'not_before' || blocker.kind === 'cooling' || blocker.kind === 'rate' ? blocker.until : null;
    if (t !== null && (next === null || t < next)) next = t;
  }
  return next;
}

/** Exponential back-off with jitter: base * 2^(failures-1), times 0.5..1.5, capped. `random` in [0,1). */
export function backoff(baseMs: number, failures: number, random: number): number {
  const raw = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(raw * (0.5 + random));
}

/** `retry-after: N` (seconds) printed on stderr by a rate-limited handler. */
export function retryAfter(stderr: string): number | null {
  const m = /retry-after:\s*(\d+(?:\.\d+)?)/i.exec(stderr);
  return m ? Math.round(Number(m[1]) * 1000) : null;
}

export function foldRuntime(events: Iterable<BusEvent>): Runtime {
  const rt = emptyRuntime();
  for (const e of events) applyRuntime(rt, e);
  return rt;
}
