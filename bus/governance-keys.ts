/**
 * The front-matter keys of governance, read and written (message.ts calls these):
 *   amount, currency        on a message of an approval kind (approval_required:)
 *   approves, decision,     on `kind: approval`: the held message decided, approve | reject,
 *   reason, note            and why (a reject needs a reason)
 *   parent                  on a new task: the task it is a sub-task of
 *   budget_usd              on a new task: its budget (runs of its thread and sub-tasks)
 *   blocked_by              on a new task or an update: tasks that must finish first
 * Pure: no I/O, no clock.
 */
import { Rejection } from './rejection.js';

export const DECISIONS = ['approve', 'reject'] as const;
export type Decision = (typeof DECISIONS)[number];

export const GOVERNANCE_KEYS = [
  'amount',
  'currency',
  'approves',
  'decision',
  'reason',
  'note',
  'parent',
  'budget_usd',
  'blocked_by',
] as const;
/** Keys only mailroom writes: on a released held message, and on an approval request. */
export const GOVERNANCE_STAMPS = ['approved_by', 'approval', 'held'] as const;

export interface GovernanceFields {
  amount?: number;
  currency?: string;
  approves?: string;
  decision?: Decision;
  reason?: string;
  note?: string;
  parent?: string;
  budgetUsd?: number;
  blockedBy?: string[];
}

const TASK_ID = /^T-[1-9]\d*$/;
const MESSAGE_ID = /^[0-9a-z]{12}$/;
/** A currency is shown in audit, BRIEF.md and approval requests: letters and currency signs only, so no line can be forged with it. */
const CURRENCY = /^[\p{L}\p{Sc}]{1,10}$/u;

function text(data: Record<string, unknown>, key: string, max: number): string | undefined {
  const v = data[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number')
    throw new Rejection(`${key}: must be text, got ${JSON.stringify(v)}`, `Write ${key}: as text.`);
  const s = String(v);
  if (s.length > max)
    throw new Rejection(`${key}: is ${s.length} characters, over the limit of ${max}`, `Shorten ${key}:.`);
  return s;
}

function money(data: Record<string, unknown>, key: string): number | undefined {
  const v = data[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new Rejection(
      `${key}: must be a number from 0 up, got ${JSON.stringify(v)}`,
      `Write ${key}: as a plain number, e.g. \`${key}: 1200\` (the currency goes in currency:).`,
    );
  return v;
}

function taskIds(data: Record<string, unknown>, key: string): string[] | undefined {
  const v = data[key];
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  for (const t of list)
    if (typeof t !== 'string' || !TASK_ID.test(t))
      throw new Rejection(
        `${key}: ${JSON.stringify(t)} is not a task id like T-12`,
        `Write ${key}: [T-3, T-4] with ids from the board.`,
      );
  return [...new Set(list as string[])];
}

/** Read and check the governance keys of a message of kind `kind`. */
export function parseGovernanceKeys(data: Record<string, unknown>, kind: string): GovernanceFields {
  const f: GovernanceFields = {};
  const amount = money(data, 'amount');
  if (amount !== undefined) f.amount = amount;
  const currency = text(data, 'currency', 10);
  if (currency !== undefined) {
    if (!CURRENCY.test(currency))
      throw new Rejection(
        `currency: ${JSON.stringify(currency)} is not a currency (letters or a currency sign, no spaces or control characters)`,
        'Write a currency code such as `currency: USD` or `currency: EUR`.',
      );
    f.currency = currency;
  }
  const approves = text(data, 'approves', 40);
  if (approves !== undefined) {
    if (!MESSAGE_ID.test(approves))
      throw new Rejection(
        `approves: ${JSON.stringify(approves)} is not a message id`,
        'Copy the held: id from the approval request.',
      );
    f.approves = approves;
  }
  const decision = text(data, 'decision', 20);
  if (decision !== undefined) {
    if (!(DECISIONS as readonly string[]).includes(decision))
      throw new Rejection(
        `decision: unknown decision ${JSON.stringify(decision)}; allowed values: ${DECISIONS.join(', ')}`,
        'Write `decision: approve` or `decision: reject`.',
      );
    f.decision = decision as Decision;
  }
  const reason = text(data, 'reason', 1000);
  if (reason !== undefined) f.reason = reason;
  const note = text(data, 'note', 1000);
  if (note !== undefined) f.note = note;
  const parent = text(data, 'parent', 20);
  if (parent !== undefined) {
    if (!TASK_ID.test(parent))
      throw new Rejection(
        `parent: ${JSON.stringify(parent)} is not a task id like T-12`,
        'Write the id of the task this one serves, e.g. `parent: T-3`.',
      );
    f.parent = parent;
  }
  const budget = money(data, 'budget_usd');
  if (budget !== undefined) f.budgetUsd = budget;
  const blockedBy = taskIds(data, 'blocked_by');
  if (blockedBy) f.blockedBy = blockedBy;
  checkKind(f, kind);
  return f;
}

/** The keys that belong to one kind: approves:/decision: to an approval, parent:/budget_usd: to a new task. */
function checkKind(f: GovernanceFields, kind: string): void {
  if (kind === 'approval') {
    if (!f.approves || !f.decision)
      throw new Rejection(
        'kind: approval needs approves: (the held id) and decision: (approve or reject)',
        'Write `approves: <held id>` and `decision: approve` (or `decision: reject` with `reason:`).',
      );
    if (f.decision === 'reject' && !f.reason)
      throw new Rejection('decision: reject needs a reason: for the sender', 'Add `reason: <why>`.');
  } else if (f.approves || f.decision) {
    throw new Rejection('approves: and decision: belong on kind: approval', 'Add `kind: approval`, or remove them.');
  }
  if ((f.parent || f.budgetUsd !== undefined) && kind !== 'task')
    throw new Rejection(
      'parent: and budget_usd: belong on a new task (kind: task)',
      'Add `kind: task`, or remove them.',
    );
}

/** The governance keys as they are stamped, in a fixed order. */
export function governanceFrontMatter(f: GovernanceFields): Record<string, unknown> {
  const fm: Record<string, unknown> = {};
  if (f.amount !== undefined) fm.amount = f.amount;
  if (f.currency !== undefined) fm.currency = f.currency;
  if (f.approves !== undefined) fm.approves = f.approves;
  if (f.decision !== undefined) fm.decision = f.decision;
  if (f.reason !== undefined) fm.reason = f.reason;
  if (f.note !== undefined) fm.note = f.note;
  if (f.parent !== undefined) fm.parent = f.parent;
  if (f.budgetUsd !== undefined) fm.budget_usd = f.budgetUsd;
  if (f.blockedBy?.length) fm.blocked_by = f.blockedBy;
  return fm;
}
