/**
 * Why a queued handler run of an agent waits for governance, not for its lane: the agent is
 * paused (a circuit breaker or the operator), or a daily budget is spent (the agent's, its
 * lane's or the org's; the day turns at 00:00 UTC, and `mailroom resume <agent>` lifts it for
 * the rest of that day). Pure: state, config and time in.
 */
import type { Usage } from '../../bus/events.js';
import type { SystemMessage } from '../../bus/system-mail.js';
import { budgetAlertMail, contextWarnMails } from '../../bus/system-mail-governance.js';
import { findTask, type Board } from '../../board/fold.js';
import type { OrgConfig } from '../config/schema.js';
import type { GovernanceState } from '../state/governance.js';

export type GovernanceBlocker =
  | { kind: 'paused'; detail: string }
  | { kind: 'budget'; scope: string; spent: number; budget: number; until: number }
  /** The run's message belongs to a task (or a sub-task of one) blocked past its budget_usd. */
  | { kind: 'task_budget'; task: string; spent: number; budget: number };

/** 100 when `spent` reaches `budget`, 80 from 80% of it, else null; in micro-dollars, so 0.02 of 0.025 is 80% (0.8 * 0.025 is 0.020000000000000004). */
export function budgetLevel(spent: number, budget: number): 100 | 80 | null {
  const s = Math.round(spent * 1e6);
  const b = Math.round(budget * 1e6);
  return s >= b ? 100 : s * 10 >= b * 8 ? 80 : null;
}

/** The next 00:00 UTC after `now` (ms). */
export function nextDay(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

export function spentOn(board: Board, agents: readonly string[], day: string): number {
  let total = 0;
  for (const a of agents) total += board.costs[a]?.[day]?.cost_usd ?? 0;
  return Math.round(total * 1e6) / 1e6;
}

/** Every budget that covers `agent`: its own, its lane's, the org's, with what was spent today. */
export function budgetsOf(
  board: Board,
  config: OrgConfig,
  agent: string,
  day: string,
): Array<{ scope: string; spent: number; budget: number }> {
  const out: Array<{ scope: string; spent: number; budget: number }> = [];
  const a = config.agents[agent];
  if (a?.governance.budgetDailyUsd != null)
    out.push({ scope: `agent ${agent}`, spent: spentOn(board, [agent], day), budget: a.governance.budgetDailyUsd });
  const lane = a?.lane ? config.lanes[a.lane] : undefined;
  if (lane?.budgetDailyUsd != null) {
    const members = Object.values(config.agents)
      .filter((x) => x.lane === lane.name)
      .map((x) => x.name);
    out.push({ scope: `lane ${lane.name}`, spent: spentOn(board, members, day), budget: lane.budgetDailyUsd });
  }
  if (config.governance.budgetDailyUsd !== null)
    out.push({
      scope: 'org',
      spent: spentOn(board, Object.keys(board.costs), day),
      budget: config.governance.budgetDailyUsd,
    });
  return out;
}

/** What keeps `agent`'s runs waiting now, or null. */
/** The task of message `id`, or one above it, that mailroom blocked past its budget_usd. */
export function taskBudgetBlocker(board: Board, id: string | undefined): GovernanceBlocker | null {
  const first = id === undefined ? undefined : board.messageTask[id];
  for (
    let t = first ? findTask(board, first) : undefined, n = 0;
    t && n < 1000;
    t = t.parent ? findTask(board, t.parent) : undefined, n++
  ) {
    if (t.status === 'blocked' && t.blockedReason === 'budget')
      return { kind: 'task_budget', task: t.id, spent: t.costUsd ?? 0, budget: t.budgetUsd ?? 0 };
  }
  return null;
}

export function governanceBlocker(
  g: GovernanceState,
  board: Board,
  config: OrgConfig,
  agent: string,
  now: number,
  id?: string,
): GovernanceBlocker | null {
  const pause = g.paused[agent];
  if (pause) return { kind: 'paused', detail: pause.detail };
  const day = new Date(now).toISOString().slice(0, 10);
  const over =
    g.budgetResumed[agent] === day
      ? undefined
      : budgetsOf(board, config, agent, day).find((b) => budgetLevel(b.spent, b.budget) === 100);
  return over ? { kind: 'budget', ...over, until: nextDay(now) } : taskBudgetBlocker(board, id);
}

/** The gate plan() asks for each waiting run. */
export function gateFor(
  g: GovernanceState,
  board: Board,
  config: OrgConfig,
  now: number,
): (agent: string, id: string) => GovernanceBlocker | null {
  return (agent, id) => governanceBlocker(g, board, config, agent, now, id);
}

/**
 * The 100% alert of every budget that makes a run wait now (once per scope and day: the same
 * derived id as afterUsage's). A budget lowered below today's spending by a config change is
 * alerted here, when the first run waits on it, not only after a run's usage.
 */
export function budgetWaitMails(waiting: ReadonlyArray<{ blocker: { kind: string } }>, time: string): SystemMessage[] {
  const out = new Map<string, SystemMessage>();
  for (const { blocker: b } of waiting) {
    if (b.kind !== 'budget') continue;
    const { scope, spent, budget } = b as Extract<GovernanceBlocker, { kind: 'budget' }>;
    const m = budgetAlertMail(scope, 100, spent, budget, time.slice(0, 10), time);
    out.set(m.id, m);
  }
  return [...out.values()];
}

/**
 * Mail after a run's usage is recorded: a budget crossing 80% (a warning) or 100% (runs wait),
 * once per scope, day and level; and a context_tokens report over context_warn (the operator is
 * alerted and the agent told to checkpoint, once per run). `sent`: is a mail with this id sent?
 */
export function afterUsage(
  board: Board,
  config: OrgConfig,
  run: { agent: string; id: string; attempt: number },
  usage: Usage | undefined,
  time: string,
  sent: (id: string) => boolean,
): SystemMessage[] {
  if (!usage) return [];
  const out: SystemMessage[] = [];
  const day = time.slice(0, 10);
  for (const b of budgetsOf(board, config, run.agent, day)) {
    const level = budgetLevel(b.spent, b.budget);
    if (level === null) continue;
    const m = budgetAlertMail(b.scope, level, b.spent, b.budget, day, time);
    if (!sent(m.id)) out.push(m);
  }
  const limit = config.agents[run.agent]?.governance.contextWarn;
  if (limit != null && usage.context_tokens !== undefined && usage.context_tokens > limit) {
    for (const m of contextWarnMails(run.agent, run.id, run.attempt, usage.context_tokens, limit, time))
      if (!sent(m.id)) out.push(m);
  }
  return out;
}
