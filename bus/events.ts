/**
 * The closed set of events in bus/events/. Every event has `seq` (1, 2, 3, ... in log order),
 * `time` (ISO 8601 UTC, from the daemon's clock) and `type`. The board, `show`, `status` and
 * recovery are all folds over these. The governance events (approvals, pauses) and the board's
 * archiving are in events-governance.ts; every name is exported from here.
 */
import type { Priority } from './priority.js';
import type { MessageKind, UpdateStatus } from './message.js';
import type { BoardArchived, GovernanceEvent } from './events-governance.js';

export type {
  AgentPaused,
  AgentResumed,
  ApprovalGranted,
  ApprovalRefused,
  ApprovalRequested,
  ArchivedTask,
  TaskRow,
  BoardArchived,
  GovernanceEvent,
  GrantUsed,
  HoldCause,
  PauseCause,
  Refusal,
} from './events-governance.js';
export { PAUSE_CAUSES, REFUSALS } from './events-governance.js';

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

/** What every event has (events-governance.ts builds on it too). */
export interface Base<T extends EventType> {
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
  /**
   * A message that is neither a task nor an update, written while its sender's handler ran for
   * a message of task T: T. The runs for it serve T too, so a task written then is a sub-task of
   * T (a plain message to a handler would otherwise launder max_task_depth: each hop a new root).
   */
  serves?: string;
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
  /**
   * The task of the handler run that wrote the file, if any: the run for its bounce serves that
   * task too, so a task written then is a sub-task of it (the bounce of a sub-task refused past
   * max_task_depth would otherwise give the handler a run of no task, free to start a new tree).
   */
  task?: string;
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
