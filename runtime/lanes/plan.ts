/**
 * What to start now, and why everything else waits. Pure: the runtime fold, the config and the
 * time are passed in; the caller starts the runs and logs `handler.started` for each.
 *
 * Lanes: at most `concurrency` runs at once, at most `per_minute` starts in any 60 s, none
 * while cooling down after an exit 75. One run at a time per agent (an agent is one person).
 * Order of waiting runs: priority, then the agent whose last start is oldest (fair: one busy
 * agent cannot starve the lane), then age.
 */
import type { HandlerCancelled } from '../../bus/events.js';
import { rankOf } from '../../bus/priority.js';
import type { OrgConfig } from '../config/config.js';
import { runKey, type LaneState, type Run, type Runtime } from '../state/runs.js';
import type { GovernanceBlocker } from '../decide/gates.js';

/** Governance's word on an agent's runs (decide/gates.ts): paused, or over a budget. */
export type Gate = (agent: string, id: string) => GovernanceBlocker | null;

/** Why a queued run does not start now. */
export type Blocker =
  | { kind: 'not_before'; until: number }
  | { kind: 'agent_busy'; with: string }
  | { kind: 'cooling'; lane: string; until: number }
  | { kind: 'lane_full'; lane: string; running: string[] }
  | { kind: 'rate'; lane: string; until: number }
  | GovernanceBlocker;

export interface Waiting {
  run: Run;
  blocker: Blocker;
  /** Runs waiting ahead of this one in its lane. */
  ahead: number;
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

/** Counts within one plan: runs in each lane, and the starts this plan adds. */
interface Tally {
  running: Map<string, number>;
  starts: Map<string, number>;
}

/** What keeps a run in a configured lane waiting, or null if the lane takes it (and counts it). */
function laneBlocker(rt: Runtime, config: OrgConfig, laneName: string, tally: Tally, now: number): Blocker | null {
  const cfg = config.lanes[laneName];
  if (!cfg) return null;
  const l = rt.lanes.get(laneName);
  if (l && l.coolingUntil > now) return { kind: 'cooling', lane: laneName, until: l.coolingUntil };
  const running = tally.running.get(laneName) ?? 0;
  if (running >= cfg.concurrency)
    return { kind: 'lane_full', lane: laneName, running: runningIn(rt, laneName).map((r) => r.id) };
  if (cfg.perMinute !== null) {
    const recent = recentStarts(l, now);
    if (recent.length + (tally.starts.get(laneName) ?? 0) >= cfg.perMinute)
      return { kind: 'rate', lane: laneName, until: (recent[0] ?? now) + 60_000 };
  }
  tally.running.set(laneName, running + 1);
  tally.starts.set(laneName, (tally.starts.get(laneName) ?? 0) + 1);
  return null;
}

/** What to start now, in order, and why each other waiting run waits. */
export function plan(
  rt: Runtime,
  config: OrgConfig,
  now: number,
  gate: Gate = () => null,
): { start: Run[]; waiting: Waiting[] } {
  const start: Run[] = [];
  const waiting: Waiting[] = [];
  const busy = new Set(rt.busy.keys());
  const tally: Tally = { running: new Map(), starts: new Map() };
  const laneAhead = new Map<string, number>();
  for (const k of rt.running) {
    const r = rt.runs.get(k)!;
    if (r.lane) tally.running.set(r.lane, (tally.running.get(r.lane) ?? 0) + 1);
  }
  for (const queued of waitingRuns(rt)) {
    // A run waits in its agent's lane as the config says now (an agent moved to another lane takes its queue along).
    const agent = config.agents[queued.agent];
    const laneNow = agent ? (agent.lane ?? null) : queued.lane;
    const run = laneNow === queued.lane ? queued : { ...queued, lane: laneNow };
    const blocker: Blocker | null =
      run.notBefore > now
        ? { kind: 'not_before', until: run.notBefore }
        : (gate(run.agent, run.id) ??
          (busy.has(run.agent)
            ? {
                kind: 'agent_busy',
                with: rt.busy.get(run.agent) ?? start.find((s) => s.agent === run.agent)?.id ?? '?',
              }
            : run.lane
              ? laneBlocker(rt, config, run.lane, tally, now)
              : null));
    if (blocker) {
      const ahead = run.lane ? (laneAhead.get(run.lane) ?? 0) : 0;
      waiting.push({ run, blocker, ahead });
      if (run.lane) laneAhead.set(run.lane, ahead + 1);
      continue;
    }
    busy.add(run.agent);
    start.push(run);
  }
  return { start, waiting };
}

/** When something waiting may become startable without any other event (ms epoch), or null. */
export function nextWake(waiting: ReadonlyArray<{ blocker: Blocker }>): number | null {
  let next: number | null = null;
  for (const { blocker } of waiting) {
    const t =
      blocker.kind === 'not_before' ||
      blocker.kind === 'cooling' ||
      blocker.kind === 'rate' ||
      blocker.kind === 'budget'
        ? blocker.until
        : null;
    if (t !== null && (next === null || t < next)) next = t;
  }
  return next;
}

/**
 * Waiting runs that have waited longer than `waitWarning` and were not warned of yet (`warned`
 * holds run keys), and when the next of the others will have: the caller warns while a stall lasts.
 */
export function overdue(
  waiting: readonly Waiting[],
  warned: ReadonlySet<string>,
  waitWarning: number,
  now: number,
): { warn: Waiting[]; next: number | null } {
  const warn: Waiting[] = [];
  let next: number | null = null;
  for (const w of waiting) {
    if (warned.has(runKey(w.run.agent, w.run.id))) continue;
    if (now - w.run.queuedAt > waitWarning) {
      warn.push(w);
      continue;
    }
    const warnAt = w.run.queuedAt + waitWarning + 1;
    if (next === null || warnAt < next) next = warnAt;
  }
  return { warn, next };
}

/**
 * Queued runs that can never start: their agent was removed from mailroom.yaml or lost its
 * `command:`. They are cancelled; the message stays in the inbox.
 */
export function cancellations(
  rt: Runtime,
  config: Pick<OrgConfig, 'agents'>,
  now: number,
): Array<Omit<HandlerCancelled, 'seq'>> {
  const out: Array<Omit<HandlerCancelled, 'seq'>> = [];
  for (const key of rt.queued) {
    const run = rt.runs.get(key)!;
    if (config.agents[run.agent]?.command !== undefined) continue;
    const why = Object.hasOwn(config.agents, run.agent)
      ? `${run.agent} has no command: any more (an external agent now)`
      : `${run.agent} was removed from mailroom.yaml`;
    out.push({
      time: new Date(now).toISOString(),
      type: 'handler.cancelled',
      id: run.id,
      agent: run.agent,
      reason: `${why}; the message stays in workspaces/${run.agent}/inbox/`,
    });
  }
  return out;
}
