/**
 * The governance part of mailroom.yaml: approval kinds (`approval_required:`), agents' approval
 * grants (`may_approve:`), who an agent may write to (`may_send_to:`), and the circuit
 * breakers and budgets with their org-wide defaults filled into each agent. Pure.
 */
import { MESSAGE_KINDS } from '../../bus/message.js';
import { OPERATOR } from '../../bus/vocabulary.js';
import { amount, at, emptyMap, isMap, show, type Problems } from './primitives.js';
import { NAME_RE } from './schema.js';

/** Kinds mailroom itself gives a meaning; an approval kind may not be one of them. */
export const BUILT_IN_KINDS: readonly string[] = MESSAGE_KINDS;

/** `until:` of a grant: a date (the whole day counts) or an ISO time. */
/** A grant's currency: as a message's currency: is written (bus/governance-keys.ts). */
export const GRANT_CURRENCY_RE = /^[\p{L}\p{Sc}]{1,10}$/u;

export const GRANT_UNTIL_RE = /^\d{4}-\d\d-\d\d(?:T\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z)?$/;

export interface Grant {
  /** Largest `amount:` it may approve (none: any amount). */
  readonly maxAmount?: number;
  /** The currency max_amount is in: a held message in another currency (or none) is over the limit. */
  readonly currency?: string;
  /** Last day (YYYY-MM-DD, inclusive) or moment (ISO time) it is valid. */
  readonly until?: string;
}

export interface OrgGovernance {
  readonly approvalRequired: readonly string[];
  readonly maxRecipients: number;
  readonly maxTaskDepth: number;
  readonly tasksPerHour: number;
  readonly messagesPerMinute: number;
  readonly maxOpenTasks: number;
  readonly maxTeam: number;
  readonly budgetDailyUsd: number | null;
  readonly contextWarn: number | null;
}

/** An agent's rules, with the org-wide values filled in where it sets none. */
export interface AgentGovernance {
  readonly mayApprove: Readonly<Record<string, Grant>>;
  /** Names as written (agents, groups, operator); null: anyone. */
  readonly maySendTo: readonly string[] | null;
  readonly maxRecipients: number;
  readonly maxTaskDepth: number;
  readonly tasksPerHour: number;
  readonly messagesPerMinute: number;
  readonly maxTeam: number;
  readonly budgetDailyUsd: number | null;
  readonly contextWarn: number | null;
}

export function validateApprovalRequired(p: Problems, raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    p.push(`approval_required: must be a list of kinds, e.g. [commitment, payment, signature], got ${show(raw)}`);
    return [];
  }
  const out: string[] = [];
  for (const k of raw) {
    if (typeof k !== 'string' || !NAME_RE.test(k))
      p.push(`approval_required: ${show(k)} is not a kind name (lowercase letters, digits, - and _)`);
    else if (BUILT_IN_KINDS.includes(k))
      p.push(
        `approval_required: ${show(k)} is a kind mailroom itself uses (${BUILT_IN_KINDS.join(', ')}); name your own, e.g. payment`,
      );
    else if (!out.includes(k)) out.push(k);
  }
  return out;
}

function validateGrant(p: Problems, raw: unknown, where: string): Grant | undefined {
  const g = raw ?? {};
  if (!isMap(g)) {
    p.push(`${where}: must be a map like { max_amount: 5000, until: 2026-12-31 } (or {}), got ${show(g)}`);
    return undefined;
  }
  for (const key of Object.keys(g))
    if (key !== 'max_amount' && key !== 'until' && key !== 'currency')
      p.push(`${at(where, key)}: unknown key ${show(key)}; allowed keys: max_amount, currency, until`);
  let currency: string | undefined;
  if (g.currency !== undefined && g.currency !== null) {
    if (typeof g.currency === 'string' && GRANT_CURRENCY_RE.test(g.currency)) currency = g.currency;
    else
      p.push(
        `${at(where, 'currency')}: ${show(g.currency)} is not a currency; write letters or a currency sign, e.g. USD (as the messages write currency:)`,
      );
  }
  const maxAmount =
    g.max_amount === undefined || g.max_amount === null
      ? undefined
      : amount(p, g.max_amount, 'the currency of the message', at(where, 'max_amount'));
  let until: string | undefined;
  if (g.until !== undefined && g.until !== null) {
    if (typeof g.until === 'string' && GRANT_UNTIL_RE.test(g.until) && !Number.isNaN(Date.parse(g.until)))
      until = g.until;
    else
      p.push(
        `${at(where, 'until')}: ${show(g.until)} is not a date; write YYYY-MM-DD (valid through that day, UTC) or an ISO time`,
      );
  }
  return Object.freeze({
    ...(maxAmount !== undefined ? { maxAmount } : {}),
    ...(currency !== undefined ? { currency } : {}),
    ...(until !== undefined ? { until } : {}),
  });
}

export function validateMayApprove(p: Problems, raw: unknown, where: string): Record<string, Grant> {
  const out: Record<string, Grant> = emptyMap();
  if (raw === undefined || raw === null) return out;
  if (!isMap(raw)) {
    p.push(
      `${where}: must be a map from kind to grant, e.g. { payment: { max_amount: 5000, until: 2026-12-31 } }, got ${show(raw)}`,
    );
    return out;
  }
  for (const [kind, grant] of Object.entries(raw)) {
    const g = validateGrant(p, grant, at(where, kind));
    if (g) out[kind] = g;
  }
  return out;
}

export function validateMaySendTo(p: Problems, raw: unknown, where: string): string[] | null {
  if (raw === undefined || raw === null) return null;
  const list = Array.isArray(raw) ? raw : [raw];
  const out: string[] = [];
  for (const n of list) {
    if (typeof n !== 'string' || (n !== '*' && !NAME_RE.test(n)))
      p.push(`${where}: ${show(n)} is not an agent, group, operator or "*"`);
    else if (!out.includes(n)) out.push(n);
  }
  return out.includes('*') ? null : out;
}

/** Cross-key checks: grants name approval kinds; may_send_to names agents, groups or operator. */
export function checkGovernanceRefs(
  p: Problems,
  agents: Readonly<Record<string, { readonly governance: AgentGovernance }>>,
  groups: Readonly<Record<string, unknown>>,
  kinds: readonly string[],
): void {
  for (const [name, a] of Object.entries(agents)) {
    for (const kind of Object.keys(a.governance.mayApprove)) {
      if (!kinds.includes(kind))
        p.push(
          `agents.${name}.may_approve.${kind}: ${show(kind)} is not in approval_required (${kinds.join(', ') || 'empty'}); add it there first`,
        );
    }
    for (const n of a.governance.maySendTo ?? []) {
      if (n !== OPERATOR && !Object.hasOwn(agents, n) && !Object.hasOwn(groups, n))
        p.push(`agents.${name}.may_send_to: ${show(n)} is not an agent, a group or ${OPERATOR}`);
    }
  }
}

type Limits = Partial<
  Record<
    | 'max_recipients'
    | 'max_task_depth'
    | 'tasks_per_hour'
    | 'messages_per_minute'
    | 'max_team'
    | 'budget_daily_usd'
    | 'context_warn',
    number | undefined
  >
>;

/** An agent's governance: its own values, else the org's. */
export function agentGovernance(
  p: Problems,
  raw: Record<string, unknown>,
  own: Limits,
  org: OrgGovernance,
  where: string,
): AgentGovernance {
  return Object.freeze({
    mayApprove: Object.freeze(validateMayApprove(p, raw.may_approve, `${where}.may_approve`)),
    maySendTo: validateMaySendTo(p, raw.may_send_to, `${where}.may_send_to`),
    maxRecipients: own.max_recipients ?? org.maxRecipients,
    maxTaskDepth: own.max_task_depth ?? org.maxTaskDepth,
    tasksPerHour: own.tasks_per_hour ?? org.tasksPerHour,
    messagesPerMinute: own.messages_per_minute ?? org.messagesPerMinute,
    maxTeam: own.max_team ?? org.maxTeam,
    budgetDailyUsd: own.budget_daily_usd ?? null, // the org's budget is the org's total, not each agent's
    contextWarn: own.context_warn ?? org.contextWarn,
  });
}
