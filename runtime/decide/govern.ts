/**
 * What follows from an accepted message under the governance rules, decided once it is staged
 * (so the state counts it). Pure: config, state and time in; events out.
 *   an approval kind, too many recipients, a team too large  -> held: approval.requested, a notice
 *                                                               to the sender, requests to approvers
 *   kind: approval        -> approval.granted (the held message is released), or approval.refused:
 *                            final when rejected (its sender gets a bounce), else the decision broke
 *                            a rule (revoked, expired, over the limit, its own) and the approver gets one
 *   kind: pause | resume  -> agent.paused / agent.resumed (the operator's)
 *   the sender's rate     -> agent.paused past tasks_per_hour or messages_per_minute, one alert (rateTrip)
 */
import { OPERATOR } from '../../bus/vocabulary.js';
import type { GrantUsed, HoldCause, MessageAccepted, NewEvent, Refusal } from '../../bus/events.js';
import {
  approvalRequestMail,
  decisionRefusedMail,
  heldNoticeMail,
  heldRejectedMail,
  pausedAlertMail,
  type HeldSummary,
} from '../../bus/system-mail-governance.js';
import { findTask, type Board } from '../../board/fold.js';
import type { OrgConfig } from '../config/schema.js';
import { countSince, type GovernanceState, type HeldRecord } from '../state/governance.js';
import { taskChain } from './rules.js';

export interface GovernContext {
  config: OrgConfig;
  board: Board;
  governance: GovernanceState;
}

export interface Consequences {
  /** Events to stage after the message, in order (system mail among them, to deliver). */
  events: NewEvent[];
  /** The message is held, not delivered. */
  held: boolean;
  /** Deliver the message itself (false for pause and resume, which the daemon takes). */
  deliver: boolean;
  /** A held message approved now: deliver it (the state has its stamped copy). */
  release?: string;
  /** A held message decided now: its file in bus/held/ goes. */
  decided?: string;
}

/** Is a grant's `until:` past? A date is valid through the end of that day (UTC). */
export function expired(until: string | undefined, now: string): boolean {
  if (!until) return false;
  const end = /^\d{4}-\d\d-\d\d$/.test(until) ? Date.parse(`${until}T23:59:59.999Z`) : Date.parse(until);
  return Date.parse(now) > end;
}

/** The refusal of an approver without a grant for the kind: it was revoked (they were asked when it was held), or never given. */
function noGrant(approver: string, kind: string, revoked: boolean): { rule: Refusal; reason: string; fix: string } {
  return revoked
    ? {
        rule: 'revoked',
        reason: `${approver}'s grant to approve ${kind} was revoked (it is no longer in mailroom.yaml)`,
        fix: `Ask the operator; \`mailroom grant ${approver} ${kind}\` restores it.`,
      }
    : {
        rule: 'no_grant',
        reason: `${approver} has no grant to approve ${kind} (may_approve)`,
        fix: `Ask the operator to \`mailroom grant ${approver} ${kind}\`, or leave it to the approvers asked.`,
      };
}

/** May `approver` decide held message `h` now? The grant is read from the config in force at this moment. */
export function checkGrant(
  h: Pick<HeldRecord, 'kind' | 'amount' | 'currency' | 'from' | 'cause' | 'approvers'>,
  approver: string,
  config: OrgConfig,
  now: string,
): GrantUsed | { rule: Refusal; reason: string; fix: string } {
  if (approver === OPERATOR) return { by: 'operator' };
  if (approver === h.from)
    return {
      rule: 'own_message',
      reason: `${approver} sent this message, and no one approves their own`,
      fix: 'Another approver or the operator must decide it.',
    };
  if (h.cause !== 'kind')
    return {
      rule: 'operator_only',
      reason: `it is held by a circuit breaker (${h.cause}), which only the operator lifts`,
      fix: 'Ask the operator to `mailroom approve` it.',
    };
  const grant = config.agents[approver]?.governance.mayApprove[h.kind];
  if (!grant) return noGrant(approver, h.kind, h.approvers.includes(approver));
  if (expired(grant.until, now))
    return {
      rule: 'expired',
      reason: `${approver}'s grant to approve ${h.kind} expired at the end of ${grant.until}`,
      fix: `Ask the operator to renew it: \`mailroom grant ${approver} ${h.kind} --until <date>\`.`,
    };
  if (grant.currency !== undefined && h.currency !== grant.currency) {
    return {
      rule: 'over_limit',
      reason: `this ${h.kind} is ${h.currency ? `in ${h.currency}` : 'without a currency:'}, and ${approver}'s limit is in ${grant.currency}`,
      fix: 'An approver with a grant in that currency, or the operator, must decide it.',
    };
  }
  if (grant.maxAmount !== undefined && (h.amount === undefined || h.amount > grant.maxAmount)) {
    const what = h.amount === undefined ? 'has no amount:' : `is for ${h.amount}${h.currency ? ` ${h.currency}` : ''}`;
    return {
      rule: 'over_limit',
      reason: `this ${h.kind} ${what}, over ${approver}'s limit of ${grant.maxAmount}${grant.currency ? ` ${grant.currency}` : ''}`,
      fix: 'An approver with a higher limit, or the operator, must decide it.',
    };
  }
  return {
    by: 'grant',
    kind: h.kind,
    ...(grant.maxAmount !== undefined ? { max_amount: grant.maxAmount } : {}),
    ...(grant.currency !== undefined ? { currency: grant.currency } : {}),
    ...(grant.until ? { until: grant.until } : {}),
  };
}

/** The distinct agents of the task tree `root` heads (creators, owners, recipients), leaving out task `except`. */
export function teamOf(board: Board, g: GovernanceState, root: string, except?: string): Set<string> {
  const team = new Set<string>();
  for (const t of board.tasks) {
    if (t.id === except || taskChain(g, t.id)[0] !== root) continue;
    for (const a of [t.creator, ...(t.owner ? [t.owner] : []), ...t.recipients]) if (a !== OPERATOR) team.add(a);
  }
  return team;
}

/** Why a message must be held, or null. A new task is on the board already when this runs. */
export function holdCause(e: MessageAccepted, ctx: GovernContext): { cause: HoldCause; detail: string } | null {
  if (e.source !== 'outbox' || e.from === OPERATOR || !ctx.config.agents[e.from]) return null;
  const rules = ctx.config.agents[e.from]!.governance;
  if (ctx.config.governance.approvalRequired.includes(e.kind))
    return { cause: 'kind', detail: `kind ${e.kind} needs approval (approval_required)` };
  if (e.to.length > rules.maxRecipients)
    return { cause: 'max_recipients', detail: `${e.to.length} recipients, over max_recipients ${rules.maxRecipients}` };
  if (e.kind === 'task' && e.task && e.parent) {
    const root = taskChain(ctx.governance, e.parent)[0]!;
    const creator = findTask(ctx.board, root)?.creator;
    const limit = (creator && ctx.config.agents[creator]?.governance.maxTeam) || ctx.config.governance.maxTeam;
    const before = teamOf(ctx.board, ctx.governance, root, e.task).size;
    const after = teamOf(ctx.board, ctx.governance, root).size;
    if (after > before && after > limit)
      return { cause: 'max_team', detail: `task tree ${root} would involve ${after} agents, over max_team ${limit}` };
  }
  return null;
}

function hold(e: MessageAccepted, cause: HoldCause, detail: string, ctx: GovernContext): Consequences {
  const holders =
    cause === 'kind'
      ? Object.values(ctx.config.agents)
          .filter(
            (a) =>
              a.name !== e.from &&
              a.governance.mayApprove[e.kind] &&
              !expired(a.governance.mayApprove[e.kind]!.until, e.time),
          )
          .map((a) => a.name)
      : [];
  const approvers = [OPERATOR, ...holders];
  const summary: HeldSummary = {
    id: e.id,
    kind: e.kind,
    ...(e.amount !== undefined ? { amount: e.amount } : {}),
    ...(e.currency ? { currency: e.currency } : {}),
    from: e.from,
    to: e.to,
    ...(e.subject !== undefined ? { subject: e.subject } : {}),
    detail,
    approvers,
  };
  const requested: NewEvent = {
    time: e.time,
    type: 'approval.requested',
    ...summary,
    cause,
    config_version: ctx.governance.configVersion,
  };
  return {
    held: true,
    deliver: false,
    events: [
      requested,
      heldNoticeMail(summary, e.time),
      ...approvers.map((a) => approvalRequestMail(summary, a, e.time)),
    ],
  };
}

function decide(e: MessageAccepted, ctx: GovernContext): Consequences {
  const h = ctx.governance.held[e.approves!]!;
  const version = ctx.governance.configVersion;
  const base = { time: e.time, id: h.id, by: e.from, decision: e.id, config_version: version };
  const grant = checkGrant(h, e.from, ctx.config, e.time);
  if ('rule' in grant) {
    return {
      held: false,
      deliver: true,
      events: [
        { ...base, type: 'approval.refused', rule: grant.rule, reason: grant.reason, final: false },
        decisionRefusedMail(h.id, e.from, e.id, grant.reason, grant.fix, e.time),
      ],
    };
  }
  if (e.decision === 'approve')
    return {
      held: false,
      deliver: true,
      release: h.id,
      decided: h.id,
      events: [{ ...base, type: 'approval.granted', grant, ...(e.note ? { note: e.note } : {}) }],
    };
  const reason = e.reason ?? 'rejected';
  return {
    held: false,
    deliver: true,
    decided: h.id,
    events: [
      { ...base, type: 'approval.refused', rule: 'rejected', reason, final: true, ...(h.task ? { task: h.task } : {}) },
      heldRejectedMail(h, e.from, reason, e.id, e.time),
    ],
  };
}

/** Past a rate limit: pause the sender (its outbox is then left as it is). */
function rateLimit(e: MessageAccepted, ctx: GovernContext): NewEvent[] {
  const f = { from: e.from, time: e.time, task: e.kind === 'task', id: e.id };
  return e.source === 'outbox' ? rateTrip(ctx.config, ctx.governance, f) : [];
}

/**
 * The pause, if the file `f` just counted (accepted, or refused: a handler answering each bounce
 * with another bad file is a runaway too) takes its sender past a rate: agent.paused, one alert.
 */
export function rateTrip(
  config: OrgConfig,
  g: GovernanceState,
  f: { from: string; time: string; task: boolean; id: string },
): NewEvent[] {
  const agent = config.agents[f.from];
  if (!agent || g.paused[f.from]) return [];
  const now = Date.parse(f.time);
  const since = g.resumed[f.from] ?? 0;
  const r = agent.governance;
  const tasks = f.task ? countSince(g.recentTasks[f.from], now, 3_600_000, since) : 0;
  const messages = countSince(g.recentMessages[f.from], now, 60_000, since);
  const trip =
    tasks >= r.tasksPerHour
      ? {
          cause: 'tasks_per_hour' as const,
          detail: `${tasks} new tasks within an hour, at tasks_per_hour ${r.tasksPerHour}`,
        }
      : messages >= r.messagesPerMinute
        ? {
            cause: 'messages_per_minute' as const,
            detail: `${messages} messages within a minute (refused ones counted), at messages_per_minute ${r.messagesPerMinute}`,
          }
        : null;
  if (!trip) return [];
  return [
    { time: f.time, type: 'agent.paused', agent: f.from, ...trip, by: 'mailroom' },
    pausedAlertMail(f.from, trip.detail, f.id, f.time),
  ];
}

/** Everything that follows from accepted message `e`. */
export function govern(e: MessageAccepted, ctx: GovernContext): Consequences {
  if (e.kind === 'approval' && e.approves) {
    const d = decide(e, ctx);
    return { ...d, events: [...d.events, ...rateLimit(e, ctx)] };
  }
  if (e.kind === 'pause' || e.kind === 'resume') {
    const events: NewEvent[] = e.to.flatMap((agent): NewEvent[] =>
      e.kind === 'pause'
        ? ctx.governance.paused[agent]
          ? []
          : [
              {
                time: e.time,
                type: 'agent.paused',
                agent,
                cause: 'operator',
                detail: `paused by ${e.from}`,
                by: e.from,
              },
            ]
        : [{ time: e.time, type: 'agent.resumed', agent, by: e.from }],
    );
    return { held: false, deliver: false, events };
  }
  const cause = holdCause(e, ctx);
  const rate = rateLimit(e, ctx);
  if (cause) {
    const h = hold(e, cause.cause, cause.detail, ctx);
    return { ...h, events: [...h.events, ...rate] };
  }
  return { held: false, deliver: true, events: rate };
}
