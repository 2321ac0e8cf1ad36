/**
 * `mailroom why <id>` and the lane part of `status`: where a message is and why it has not
 * been handled yet, in words, from the same fold and plan the daemon uses. Pure: the caller
 * passes the state, the config, the time, and whether a file is still in an inbox.
 */
import { copyName } from '../../bus/store/spool.js';
import type { MessageAccepted } from '../../bus/events.js';
import type { OrgConfig } from '../config/schema.js';
import { formatDuration } from '../../bus/time.js';
import { plan, runningIn, type Blocker } from '../lanes/plan.js';
import { gateFor } from '../decide/gates.js';
import { runKey, type Run } from '../state/runs.js';
import type { BusState } from '../state/state.js';
import { isRemote } from '../../bus/address.js';
import { whyRemote } from '../bridge/pending.js';

export interface LaneView {
  name: string;
  concurrency: number;
  per_minute: number | null;
  running: string[];
  queued: number;
  starts_last_minute: number;
  cooling_until: string | null;
}

export interface WaitingView {
  id: string;
  agent: string;
  lane: string | null;
  priority: string;
  waited_ms: number;
  queue_ahead: number;
  attempt: number;
  why: string;
  warning: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function describeBlocker(b: Blocker, run: Run, ahead: number, now: number): string {
  switch (b.kind) {
    case 'not_before':
      return run.lastError
        ? `attempt ${run.attempt} failed with ${run.lastError}; next attempt at ${iso(b.until)} (in ${formatDuration(b.until - now)})`
        : `starting gradually after a restart: eligible at ${iso(b.until)}`;
    case 'agent_busy':
      return `${run.agent} is busy with message ${b.with.split('/').pop()} (one run at a time per agent)`;
    case 'cooling':
      return `lane ${b.lane} is cooling down until ${iso(b.until)} (in ${formatDuration(b.until - now)}) after a handler was rate-limited (exit 75)`;
    case 'lane_full':
      return `waiting for lane ${b.lane}: it is full (${b.running.length} running: ${b.running.join(', ')})${ahead ? ` and ${ahead} waiting run(s) go first` : ' and this run is next'}`;
    case 'rate':
      return `lane ${b.lane} reached its per_minute limit; next start at ${iso(b.until)}`;
    case 'paused':
      return `${run.agent} is paused (${b.detail}); \`mailroom resume ${run.agent}\` lets it go on`;
    case 'budget':
      return `budget: ${b.scope} has spent $${b.spent} of its daily $${b.budget}; runs wait until ${iso(b.until)} (00:00 UTC) or \`mailroom resume ${run.agent}\``;
    case 'task_budget':
      return `budget: task ${b.task} has cost $${b.spent}, past its budget_usd $${b.budget}, so it is blocked and its runs wait; its creator or the operator sets it going again with \`task: ${b.task}\` and \`status: in_progress\``;
  }
}

export function laneViews(
  state: BusState,
  config: OrgConfig,
  now: number,
): { lanes: LaneView[]; waiting: WaitingView[] } {
  const rt = state.runtime;
  const { waiting } = plan(rt, config, now, gateFor(state.governance, state.board, config, now));
  const lanes = Object.values(config.lanes).map((l) => {
    const ls = rt.lanes.get(l.name);
    return {
      name: l.name,
      concurrency: l.concurrency,
      per_minute: l.perMinute,
      running: runningIn(rt, l.name).map((r) => `${r.agent}/${r.id}`),
      queued: waiting.filter((w) => w.run.lane === l.name).length,
      starts_last_minute: (ls?.starts ?? []).filter((s) => s > now - 60_000).length,
      cooling_until: ls && ls.coolingUntil > now ? iso(ls.coolingUntil) : null,
    };
  });
  return {
    lanes,
    waiting: waiting.map((w) => ({
      id: w.run.id,
      agent: w.run.agent,
      lane: w.run.lane,
      priority: w.run.priority,
      waited_ms: now - w.run.queuedAt,
      queue_ahead: w.ahead,
      attempt: w.run.attempt,
      why: describeBlocker(w.blocker, w.run, w.ahead, now),
      warning: now - w.run.queuedAt > config.waitWarning,
    })),
  };
}

type Waiting = ReturnType<typeof plan>['waiting'];

/** A message delivered to an agent without a handler (an external one, or one no longer configured). */
function whyNoHandler(
  head: string,
  agent: string,
  file: string,
  accepted: MessageAccepted,
  known: boolean,
  run: Run | undefined,
  now: number,
  inInbox: (agent: string, file: string) => boolean,
): string {
  const who = known
    ? `${agent} is an external agent (no command: in mailroom.yaml)`
    : `${agent} is no longer in mailroom.yaml`;
  const cancelled = run?.cancelled ? ` Its handler run was not started: ${run.cancelled}.` : '';
  return inInbox(agent, file)
    ? `${head} delivered to workspaces/${agent}/inbox/${file}; no handler: ${who}, so it is handled when whatever reads that inbox moves it to done/.${cancelled} Unread for ${formatDuration(now - Date.parse(accepted.time))}.`
    : `${head} delivered, and no longer in the inbox: ${agent} has taken it (moved to done/ or elsewhere).`;
}

/** Where a handler run for the message stands: finished, dead, running or queued (and why). */
function whyRun(head: string, run: Run, waiting: Waiting, now: number, daemonRunning: boolean): string {
  if (run.status === 'finished' && run.cancelled) return `${head} not run: ${run.cancelled}.`;
  if (run.status === 'finished')
    return `${head} handled: the handler finished (attempt ${run.attempt}); the message is in done/.`;
  if (run.status === 'dead')
    return `${head} gave up after attempt ${run.attempt}: ${run.lastError}. Dead-lettered as ${run.lastFailure?.kept ?? 'bus/deadletter/'}, and its sender got a bounce.`;
  if (run.status === 'running')
    return `${head} running now (attempt ${run.attempt}, started ${formatDuration(now - (run.startedAt ?? now))} ago${run.lane ? ` in lane ${run.lane}` : ''}${daemonRunning ? '' : '; the daemon is not running, so it will run again at the next start'}).`;
  const w = waiting.find((x) => x.run.id === run.id && x.run.agent === run.agent);
  const reason = w ? describeBlocker(w.blocker, run, w.ahead, now) : 'queued';
  return `${head} queued for ${formatDuration(now - run.queuedAt)}: ${reason}.${run.lastError && !reason.includes('failed') ? ` The last attempt failed with ${run.lastError}.` : ''}${daemonRunning ? '' : ' No daemon is running: nothing starts until `mailroom start`.'}`;
}

export function why(
  id: string,
  accepted: MessageAccepted | undefined,
  state: BusState,
  config: OrgConfig,
  now: number,
  inInbox: (agent: string, file: string) => boolean,
  daemonRunning: boolean,
): string[] {
  const rejected = state.rejected.get(id);
  if (rejected)
    return [
      `${id} was rejected at ${rejected.time}: ${rejected.reason}. It is kept at ${rejected.kept}; ${rejected.from} got bounce ${rejected.bounce}. Fix: ${rejected.fix}`,
    ];
  if (!accepted) return [];
  const out: string[] = [];
  const undelivered = state.undelivered.has(id);
  const { waiting } = plan(state.runtime, config, now, gateFor(state.governance, state.board, config, now));
  const held = state.governance.held[id];
  if (held?.status === 'held')
    return [
      `${id} (${held.kind}, from ${held.from}) is held in bus/held/ for approval: ${held.detail}; asked ${held.approvers.join(', ')}. \`mailroom approve ${id}\` or \`mailroom reject ${id} --reason ...\`.`,
    ];
  if (held?.status === 'refused')
    return [
      `${id} (${held.kind}, from ${held.from}) was held and then rejected by ${held.decided_by} at ${held.decided}: ${held.reason}. Nothing was delivered.`,
    ];
  for (const agent of accepted.to) {
    if (isRemote(agent)) {
      out.push(whyRemote(id, agent, state, daemonRunning));
      continue;
    }
    const file = copyName(accepted);
    const head = `${id} (${accepted.priority}, from ${accepted.from}) for ${agent}:`;
    if (undelivered) {
      out.push(
        `${head} accepted at ${accepted.time} but not delivered yet${daemonRunning ? '; delivery is under way' : '; no daemon is running: start it and it will deliver'}.`,
      );
      continue;
    }
    const cfg = config.agents[agent];
    const run = state.runtime.runs.get(runKey(agent, id));
    if (!cfg?.command) out.push(whyNoHandler(head, agent, file, accepted, cfg !== undefined, run, now, inInbox));
    else if (!run)
      out.push(`${head} delivered; no run is queued yet${daemonRunning ? '' : ' (no daemon is running)'}.`);
    else out.push(whyRun(head, run, waiting, now, daemonRunning));
  }
  return out;
}
