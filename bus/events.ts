/**
 * The closed set of events in bus/events/. Every event has `seq` (1, 2, 3, ... in log order),
 * `time` (ISO 8601 UTC, from the daemon's clock) and `type`. The board, `show`, `status` and
 * recovery are all folds over these.
 */
import type { Priority } from './priority.js';
import type { MessageKind, UpdateStatus } from './message.js';

export const EVENT_TYPES = [
  'daemon.started',
  'daemon.stopped',
  'log.repaired',
  'message.accepted',
  'message.delivered',
  'message.rejected',
  'message.forwarded',
  'alert.sent',
  'alert.cleared',
  'handler.queued',
  'handler.started',
  'handler.succeeded',
  'handler.failed',
  'handler.cancelled',
  'config.changed',
  'config.refused',
  'board.archived',
  'approval.requested',
  'approval.granted',
  'approval.refused',
  'agent.paused',
  'agent.resumed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

interface Base<T extends EventType> {
  seq: number;
  time: string;
  type: T;
}

export interface DaemonStarted extends Base<'daemon.started'> {
  pid: number;
  version: string;
}
export interface DaemonStopped extends Base<'daemon.stopped'> {
  pid: number;
  reason: string;
}
export interface LogRepaired extends Base<'log.repaired'> {
  segment: string;
  droppedBytes: number;
  note: string;
}

export interface MessageAccepted extends Base<'message.accepted'> {
  id: string;
  from: string;
  /** Recipients, resolved from `to:`. */
  to: string[];
  priority: Priority;
  subject?: string;
  kind: MessageKind;
  /** A new task's id (kind task) or the task an update is for. */
  task?: string;
  status?: UpdateStatus;
  /** For a new task sent to one agent by name: that agent owns it. */
  owner?: string;
  due?: string;
  thread: string;
  hops: number;
  /** Where it came in: an outbox (through the spool), an inbox (a person's drop), the daemon itself, or another org over the bridge. */
  source: 'outbox' | 'inbox' | 'daemon' | 'bridge';
  /** The file name it had when it came in. */
  origin?: string;
  /** Governance keys as written (see bus/governance-keys.ts). */
  amount?: number;
  currency?: string;
  approves?: string;
  decision?: 'approve' | 'reject';
  /** A decision's reason (a reject) or note (an approval). */
  reason?: string;
  note?: string;
  parent?: string;
  budget_usd?: number;
  blocked_by?: string[];
  /** An update that sets its task's priority (only the creator or the operator may). */
  task_priority?: Priority;
  /** For an inbox drop: the inode of the dropped file, so recovery removes only that file. */
  originIno?: number;
  /** The full stamped text, as delivered. */
  text: string;
  /** Attachment file names, kept in bus/attachments/<id>/ and copied to each inbox/attachments/<id>/. */
  attachments?: string[];
}

export interface MessageDelivered extends Base<'message.delivered'> {
  id: string;
  to: string[];
}

/** The bridge's server acknowledged a message for the recipients at one other org (runtime/bridge/). */
export interface MessageForwarded extends Base<'message.forwarded'> {
  id: string;
  /** The other org, and its recipients (`agent@org`). */
  org: string;
  to: string[];
  /** Its sequence number in that org's stream. */
  stream_seq: number;
  /** The server had it already (a publish repeated after a crash): not stored twice. */
  duplicate: boolean;
}

export interface MessageRejected extends Base<'message.rejected'> {
  id: string;
  from: string;
  source: 'outbox' | 'inbox' | 'bridge';
  origin: string;
  originIno?: number;
  reason: string;
  fix: string;
  /** Where the original is kept, relative to the root. */
  kept: string;
  /** The bounce's message id. */
  bounce: string;
}

/**
 * An unread-mail alert to the operator: one per agent and priority, naming the count and the
 * oldest (`message`, `age`); renewed when the count has doubled. (Logs older than issue 12 hold
 * one per message, without `priority` and `count`.)
 */
export interface AlertSent extends Base<'alert.sent'> {
  id: string;
  message: string;
  agent: string;
  age: number;
  priority?: Priority;
  count?: number;
}
/** The agent's stuck mail of that priority is gone: a new backlog is alerted afresh. */
export interface AlertCleared extends Base<'alert.cleared'> {
  agent: string;
  priority: Priority;
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  /** How full the handler's context is, if it says (context_warn compares it). */
  context_tokens?: number;
}

/** A message in a handler agent's inbox waits for a run. Also logged again, with not_before, when a restart re-queues it. */
export interface HandlerQueued extends Base<'handler.queued'> {
  id: string;
  agent: string;
  priority: Priority;
  lane: string | null;
  /** The inbox file name. */
  file: string;
  not_before?: string;
  note?: string;
}
export interface HandlerStarted extends Base<'handler.started'> {
  id: string;
  agent: string;
  attempt: number;
  lane: string | null;
}
export interface HandlerSucceeded extends Base<'handler.succeeded'> {
  id: string;
  agent: string;
  attempt: number;
  duration_ms: number;
  usage?: Usage /** What the handler wrote to stderr, if anything (its last lines). */;
  stderr?: string;
}
export interface HandlerFailed extends Base<'handler.failed'> {
  id: string;
  agent: string;
  attempt: number;
  duration_ms: number;
  exit_code: number | null;
  signal: string | null;
  reason: string;
  /** The last lines the handler wrote to stderr. */
  stderr: string;
  /** Exit 75 (EX_TEMPFAIL): not the handler's fault; the lane cools down. */
  tempfail: boolean;
  retry_at?: string;
  lane_cooling_until?: string;
  /** No more attempts: the message went to the dead-letter folder and its sender got a bounce. */
  final: boolean;
  kept?: string;
  bounce?: string;
  usage?: Usage;
}
export interface HandlerCancelled extends Base<'handler.cancelled'> {
  id: string;
  agent: string;
  reason: string;
}

export type HandlerEvent = HandlerQueued | HandlerStarted | HandlerSucceeded | HandlerFailed | HandlerCancelled;

/** The daemon runs on a new version of mailroom.yaml. */
export interface ConfigChanged extends Base<'config.changed'> {
  version: number;
  author: string;
  summary: string;
  sha256: string;
}
/** An edit of mailroom.yaml that is not valid: not applied; the daemon keeps the last good version. */
export interface ConfigRefused extends Base<'config.refused'> {
  sha256: string;
  problems: string[];
  running: number;
}

/** A task as board.json lists it (board/render.ts writes it; governance may add fields). */
export interface ArchivedTask {
  id: string;
  title: string;
  status: string;
  owner: string | null;
  creator: string;
  priority: string;
  created: string;
  updated: string;
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

export type BusEvent =
  | GovernanceEvent
  | BoardArchived
  | ConfigChanged
  | ConfigRefused
  | DaemonStarted
  | DaemonStopped
  | LogRepaired
  | MessageAccepted
  | MessageDelivered
  | MessageForwarded
  | MessageRejected
  | AlertSent
  | AlertCleared
  | HandlerEvent;

/** An event before the log gives it its sequence number. */
export type NewEvent = BusEvent extends infer E ? (E extends BusEvent ? Omit<E, 'seq'> : never) : never;

export function isBusEvent(value: unknown): value is BusEvent {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as BusEvent).seq === 'number' &&
    typeof (value as BusEvent).time === 'string' &&
    (EVENT_TYPES as readonly string[]).includes((value as BusEvent).type)
  );
}
