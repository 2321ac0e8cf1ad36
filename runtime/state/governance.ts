/**
 * Governance as a fold over the event log: held messages and their decisions (what `audit`
 * prints), paused agents, the rate windows of the circuit breakers, the task tree (parents),
 * and the config version in force. Plain data only (records, arrays, numbers), so it
 * serialises as it is. Pure: the only time is the events' own.
 *
 * A held message's life:
 *   message.accepted + approval.requested  -> held      (in bus/held/, not delivered)
 *   approval.granted                       -> approved  (delivered, stamped approved_by:/approval:)
 *   approval.refused, final                -> refused   (its sender got a bounce)
 *   approval.refused, not final            -> still held (the decision broke a rule)
 */
import type {
  ApprovalGranted,
  ApprovalRefused,
  ApprovalRequested,
  BusEvent,
  GrantUsed,
  HandlerCancelled,
  HandlerFailed,
  HandlerStarted,
  HandlerSucceeded,
  MessageAccepted,
  PauseCause,
  Refusal,
} from '../../bus/events.js';

export interface Attempt {
  by: string;
  decision: string;
  time: string;
  rule: Refusal;
  reason: string;
}

export interface HeldRecord extends Omit<ApprovalRequested, 'seq' | 'type' | 'time'> {
  requested: string;
  status: 'held' | 'approved' | 'refused';
  decided_by?: string;
  decision?: string;
  decided?: string;
  grant?: GrantUsed;
  note?: string;
  reason?: string;
  /** Decisions refused on a rule (revoked, expired, over the limit, the sender's own). */
  attempts: Attempt[];
  /** The accepted message, kept while it is held (to deliver it on approval). */
  message?: MessageAccepted;
  /** The task it creates or updates, if any. */
  task?: string;
  /** Its thread (for the briefs of the agents of that thread). */
  thread?: string;
}

export interface Pause {
  cause: PauseCause;
  detail: string;
  since: string;
  by: string;
}

export interface RunSpan {
  id: string;
  start: number;
  end?: number;
}

/** Spans kept per agent whatever their age ... */
export const RUNS_KEPT = 8;
/** ... and any that ended this recently (a file a run wrote may be taken a little later) ... */
export const SPAN_KEEP_MS = 10 * 60_000;
/** ... up to this many. */
export const RUNS_CAP = 64;

export interface GovernanceState {
  held: Record<string, HeldRecord>;
  paused: Record<string, Pause>;
  /** Agent -> time (ms) of its last resume: rate windows count from there. */
  resumed: Record<string, number>;
  /** Agent -> UTC day of its last resume (its own budget no longer holds its runs that day). */
  budgetResumed: Record<string, string>;
  /** Agent -> times (ms) of its messages in the last minute, and of its new tasks in the last hour. */
  recentMessages: Record<string, number[]>;
  recentTasks: Record<string, number[]>;
  /** Task -> its parent task (sub-tasks only). */
  parent: Record<string, string>;
  /** Archived tasks whose place in `parent` is kept: a task still on the board has them above it (forgetArchived). */
  archivedParents?: Record<string, true>;
  /** Message id -> the task it created or updated (to find the task a handler run serves). */
  messageTask: Record<string, string>;
  /** Agent -> its last few handler runs: the message, start and end (ms), to tell which run wrote a file. */
  runs: Record<string, RunSpan[]>;
  configVersion: number | null;
  /** The UTC day of the last sweep of decided held records (forget.ts sweepHeld); absent before the first. */
  heldSwept?: string;
  /** Decided held records forgotten so far (`audit` then reads the log for them). */
  heldForgotten?: number;
}

export function emptyGovernance(): GovernanceState {
  return {
    held: {},
    paused: {},
    resumed: {},
    budgetResumed: {},
    recentMessages: {},
    recentTasks: {},
    parent: {},
    messageTask: {},
    runs: {},
    configVersion: null,
  };
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

function remember(list: Record<string, number[]>, agent: string, t: number, window: number): void {
  const times = (list[agent] ??= []);
  while (times.length && times[0]! <= t - window) times.shift();
  times.push(t);
}

/** The times in a window before `now`, counting only from the agent's last resume. */
export function countSince(times: readonly number[] | undefined, now: number, window: number, resumedAt = 0): number {
  return (times ?? []).filter((t) => t > now - window && t >= resumedAt).length;
}

function accepted(g: GovernanceState, e: MessageAccepted): void {
  const t = Date.parse(e.time);
  if (e.task) g.messageTask[e.id] = e.task;
  else if (e.serves) g.messageTask[e.id] = e.serves; // its runs serve the task of the run that wrote it
  if (e.kind === 'task' && e.task && e.parent) g.parent[e.task] = e.parent;
  if (e.source !== 'outbox') return;
  remember(g.recentMessages, e.from, t, MINUTE);
  if (e.kind === 'task') remember(g.recentTasks, e.from, t, HOUR);
}

/** A message held for approval leaves `undelivered` and waits in `held`. */
function requested(g: GovernanceState, e: ApprovalRequested, undelivered: Map<string, MessageAccepted>): void {
  const { seq: _s, type: _t, time, ...rest } = e;
  const message = undelivered.get(e.id);
  undelivered.delete(e.id);
  g.held[e.id] = {
    ...rest,
    requested: time,
    status: 'held',
    attempts: [],
    ...(message ? { message } : {}),
    ...(message?.task ? { task: message.task } : {}),
    ...(message ? { thread: message.thread } : {}),
  };
}

/** An approved message comes back to `undelivered`, stamped. */
function granted(g: GovernanceState, e: ApprovalGranted, undelivered: Map<string, MessageAccepted>): void {
  const h = g.held[e.id];
  if (!h) return;
  Object.assign(h, {
    status: 'approved',
    decided_by: e.by,
    decision: e.decision,
    decided: e.time,
    grant: e.grant,
    ...(e.note ? { note: e.note } : {}),
  });
  if (h.message) undelivered.set(e.id, released(h.message, e.by, e.decision));
  delete h.message;
}

/** A final refusal ends the hold; one that broke a rule is only an attempt, and the message stays held. */
function refused(g: GovernanceState, e: ApprovalRefused): void {
  const h = g.held[e.id];
  if (!h) return;
  if (!e.final) {
    h.attempts.push({ by: e.by, decision: e.decision, time: e.time, rule: e.rule, reason: e.reason });
    return;
  }
  Object.assign(h, {
    status: 'refused',
    decided_by: e.by,
    decision: e.decision,
    decided: e.time,
    reason: e.reason,
  });
  delete h.message;
}

/**
 * A handler run opens a span. A new task's parent is the task of the run whose span holds the
 * file's ctime, so a span must outlive the files its run wrote that are not taken yet: the last
 * RUNS_KEPT, any that ended within SPAN_KEEP_MS, and, for SPAN_KEEP_MS after a resume, all of
 * them (a paused agent's outbox is left as it is, then taken while its waiting runs start
 * again; with only the last 8 spans, its sub-tasks could lose their parent and become new
 * root tasks); never more than RUNS_CAP.
 */
export function keptSpans(spans: readonly RunSpan[], start: number, resumedAt: number | undefined): RunSpan[] {
  const afterResume = resumedAt !== undefined && start - resumedAt < SPAN_KEEP_MS;
  const kept = spans.filter(
    (r, i) => i >= spans.length - RUNS_KEPT || r.end === undefined || afterResume || r.end >= start - SPAN_KEEP_MS,
  );
  return kept.length > RUNS_CAP ? kept.slice(kept.length - RUNS_CAP) : kept;
}

function runStarted(g: GovernanceState, e: HandlerStarted): void {
  const start = Date.parse(e.time);
  const spans = keptSpans(g.runs[e.agent] ?? [], start, g.resumed[e.agent]);
  spans.push({ id: e.id, start });
  g.runs[e.agent] = spans.length > RUNS_CAP ? spans.slice(1) : spans;
}

/** ... and its end, whatever the outcome, closes it. */
function runEnded(g: GovernanceState, e: HandlerSucceeded | HandlerFailed | HandlerCancelled): void {
  const span = [...(g.runs[e.agent] ?? [])].reverse().find((r) => r.id === e.id && r.end === undefined);
  if (span) span.end = Date.parse(e.time);
}

/**
 * One fold step. `undelivered` is the state's map of accepted messages still to deliver: a
 * held message leaves it (it is not delivered), an approved one comes back to it, stamped.
 */
export function applyGovernance(g: GovernanceState, e: BusEvent, undelivered: Map<string, MessageAccepted>): void {
  switch (e.type) {
    case 'message.accepted':
      accepted(g, e);
      if (e.kind === 'pause' || e.kind === 'resume') undelivered.delete(e.id); // taken by the daemon
      break;
    case 'approval.requested':
      requested(g, e, undelivered);
      break;
    case 'approval.granted':
      granted(g, e, undelivered);
      break;
    case 'approval.refused':
      refused(g, e);
      break;
    case 'agent.paused':
      g.paused[e.agent] = { cause: e.cause, detail: e.detail, since: e.time, by: e.by };
      break;
    case 'agent.resumed':
      delete g.paused[e.agent];
      g.resumed[e.agent] = Date.parse(e.time);
      g.budgetResumed[e.agent] = e.time.slice(0, 10);
      break;
    case 'message.rejected':
      if (e.task) g.messageTask[e.bounce] = e.task; // the bounce's run serves the task of the run that wrote the file
      if (e.source === 'outbox') remember(g.recentMessages, e.from, Date.parse(e.time), MINUTE); // refused files count too
      break;
    case 'handler.started':
      runStarted(g, e);
      break;
    case 'handler.succeeded':
    case 'handler.failed':
    case 'handler.cancelled':
      runEnded(g, e);
      break;
    case 'config.changed':
      g.configVersion = e.version;
      break;
    case 'board.archived':
      forgetArchived(g, new Set(e.tasks.map((t) => t.id)));
      break;
    default:
      break;
  }
}

/**
 * Tasks archived off the board (board/archive.ts) leave the maps that name them: the messages
 * that served them, and their place in the task tree unless a task still on the board has them
 * above it (a finished sub-task can outlive its parent there). Such a place is kept, marked in
 * `archivedParents`, until no task on the board has it above it, then goes with a later event.
 * So what this state holds follows the tasks on the board, not the length of the history.
 */
function forgetArchived(g: GovernanceState, ids: ReadonlySet<string>): void {
  for (const [m, task] of Object.entries(g.messageTask)) if (ids.has(task)) delete g.messageTask[m];
  const kept = g.archivedParents ?? {};
  const archived = (t: string) => ids.has(t) || Object.hasOwn(kept, t);
  const above = new Set<string>(); // archived tasks above a task still on the board
  for (const task of Object.keys(g.parent)) {
    if (archived(task)) continue;
    for (let p = g.parent[task]; p !== undefined && archived(p) && !above.has(p); p = g.parent[p]) above.add(p);
  }
  for (const t of [...ids, ...Object.keys(kept)]) {
    if (above.has(t) && Object.hasOwn(g.parent, t)) kept[t] = true;
    else delete g.parent[t], delete kept[t];
  }
  if (Object.keys(kept).length) g.archivedParents = kept;
  else delete g.archivedParents;
}

/** The held message as delivered once approved: `approved_by:` and `approval:` stamped before `thread:`. */
export function released(m: MessageAccepted, by: string, decision: string): MessageAccepted {
  const at = m.text.indexOf('\nthread: ');
  const stamp = `\napproved_by: ${by}\napproval: ${decision}`;
  const text = at < 0 ? m.text : `${m.text.slice(0, at)}${stamp}${m.text.slice(at)}`;
  return { ...m, text };
}
