/**
 * The events of governance (a held message and its decisions, an agent paused and resumed) and
 * of the board's archiving, part of the closed set in events.ts, which exports them all: import
 * them from there.
 */
import type { Base } from './events.js';

/** The fields every task row of board.json has (board/render.ts BoardJsonTask adds the rest). */
export interface TaskRow {
  id: string;
  title: string;
  status: string;
  owner: string | null;
  creator: string;
  priority: string;
  created: string;
  updated: string;
}

/** A task as board.json lists it, archived (governance may add fields). */
export interface ArchivedTask extends TaskRow {
  [field: string]: unknown;
}

/**
 * Done and cancelled tasks older than board_done_after leave the board's fold for the monthly
 * archive files (board/archive/<YYYY-MM>.md and .jsonl, by the month of their last update).
 * The daemon records it before a snapshot; the rows are whole, so the log alone rebuilds the files.
 */
export interface BoardArchived extends Base<'board.archived'> {
  tasks: ArchivedTask[];
}

/** Why a message is held in bus/held/: its kind needs approval, or a circuit breaker tripped. */
export type HoldCause = 'kind' | 'max_recipients' | 'max_team';

/** A message was accepted but held in bus/held/ until someone decides (logged right after its message.accepted). */
export interface ApprovalRequested extends Base<'approval.requested'> {
  id: string;
  kind: string;
  amount?: number;
  currency?: string;
  from: string;
  to: string[];
  subject?: string;
  cause: HoldCause;
  /** In words, e.g. `9 recipients, over max_recipients 8`. */
  detail: string;
  /** Who was asked: operator, and agents with a grant for the kind. */
  approvers: string[];
  /** The config version in force when it was held. */
  config_version: number | null;
}

/** The grant a decision was taken under: the operator's own authority, or an agent's may_approve entry. */
export type GrantUsed =
  | { by: 'operator' }
  | { by: 'grant'; kind: string; max_amount?: number; currency?: string; until?: string };

/** A held message was approved and is delivered, stamped approved_by: and approval:. */
export interface ApprovalGranted extends Base<'approval.granted'> {
  id: string;
  by: string;
  decision: string;
  grant: GrantUsed;
  note?: string;
  config_version: number | null;
}

export const REFUSALS = [
  'rejected',
  'own_message',
  'no_grant',
  'revoked',
  'expired',
  'over_limit',
  'operator_only',
] as const;
export type Refusal = (typeof REFUSALS)[number];

/**
 * A decision that does not release the held message. `rule: rejected` (final): the approver
 * rejected it and its sender got a bounce. Any other rule: the decision itself was refused
 * (the approver got a bounce saying which rule); the message stays held.
 */
export interface ApprovalRefused extends Base<'approval.refused'> {
  id: string;
  by: string;
  decision: string;
  rule: Refusal;
  reason: string;
  final: boolean;
  config_version: number | null;
  /** A rejected held task: it is cancelled on the board. */
  task?: string;
}

export const PAUSE_CAUSES = ['tasks_per_hour', 'messages_per_minute', 'operator'] as const;
export type PauseCause = (typeof PAUSE_CAUSES)[number];

/** An agent is paused: its outbox is left as it is and its handler runs wait, until agent.resumed. */
export interface AgentPaused extends Base<'agent.paused'> {
  agent: string;
  cause: PauseCause;
  detail: string;
  by: string;
}
/** `mailroom resume`: the pause ends, the rate windows start again, and today's budget no longer holds the agent's runs. */
export interface AgentResumed extends Base<'agent.resumed'> {
  agent: string;
  by: string;
}

export type GovernanceEvent = ApprovalRequested | ApprovalGranted | ApprovalRefused | AgentPaused | AgentResumed;
