/**
 * The board is a fold over the event log: `board = events.reduce(apply, emptyBoard())`.
 *
 * Task status machine (transitions happen only through accepted messages):
 *   (kind: task message)          -> open          owner = the single named recipient, else none
 *   open|blocked   --in_progress-> in_progress    an unowned task is claimed by the sender
 *   open|in_progress --blocked--> blocked
 *   any non-final  --done-------> done            (final)
 *   any non-final  --cancelled--> cancelled       (final)
 * Who may do what is decided by rules.ts before a message is accepted; the fold trusts the log.
 * A `board.archived` event takes finished tasks off the fold (they are in board/archive/ then,
 * archive.ts); `tasks` stays in task-number order, with gaps, and `count` numbers the next one.
 * `apply` is deterministic and does no I/O; it updates the state it is given (the caller owns it).
 */
import type { Priority } from '../bus/priority.js';
import type { BusEvent, HandlerFailed, HandlerSucceeded, MessageAccepted, Usage } from '../bus/events.js';

export const TASK_STATUSES = ['open', 'in_progress', 'blocked', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const FINAL_STATUSES: readonly TaskStatus[] = ['done', 'cancelled'];

export interface Task {
  id: string;
  title: string;
  status: TaskStatus;
  owner: string | null;
  creator: string;
  priority: Priority;
  created: string;
  updated: string;
  /** Who the task was sent to (any of them may claim it while it has no owner). */
  recipients: string[];
  due?: string;
  /** The message that created it. */
  message: string;
  /** Tasks that must finish first (`blocked_by:` at creation or by an update). */
  blockedBy?: string[];
  /** The thread of the message that created it. */
  thread?: string;
  /**
   * The newest message of its thread (or naming it in `task:`), for BRIEF.md, which lists only
   * unfinished tasks: a task that turns done or cancelled drops it (finished tasks stay in the
   * fold for board_done_after; this is up to ~300 bytes of each, most of it the excerpt).
   */
  last?: LastMessage;
  /** The task it is a sub-task of. */
  parent?: string;
  /** `budget_usd:`: past it (the cost of runs for messages of its thread and its sub-tasks) it turns blocked. */
  budgetUsd?: number;
  /** What runs for its messages and its sub-tasks' messages cost, once any reported usage. */
  costUsd?: number;
  /** Why it is blocked, when mailroom blocked it: `budget`. */
  blockedReason?: 'budget';
}

export interface LastMessage {
  id: string;
  from: string;
  time: string;
  subject?: string;
  /** The start of its body, on one line. */
  excerpt: string;
}

/** Usage a handler reported, per agent and UTC day. */
export interface Cost {
  runs: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export interface Board {
  /** The tasks on the board, by number (archived ones are gone: gaps). */
  tasks: Task[];
  /** How many tasks were ever created (the next is T-<count+1>). */
  count: number;
  /** Tasks taken off the fold into board/archive/, by status. */
  archived: { done: number; cancelled: number };
  /** agent -> day (YYYY-MM-DD) -> usage */
  costs: Record<string, Record<string, Cost>>;
  /** Time of the newest event that changed the board: ages are measured to it, never to the wall clock. */
  asOf: string | null;
  /** Thread -> the task it was created for. */
  threadTask: Record<string, string>;
  /** Message -> the task of its thread (or that it names): whose budget its runs count against. */
  messageTask: Record<string, string>;
}

export function emptyBoard(): Board {
  return {
    tasks: [],
    count: 0,
    archived: { done: 0, cancelled: 0 },
    costs: {},
    asOf: null,
    threadTask: {},
    messageTask: {},
  };
}

const EXCERPT = 200;

/** The body of a stamped text, on one line, cut. */
export function excerptOf(text: string): string {
  const end = text.startsWith('---') ? text.indexOf('\n---', 3) : -1;
  const body = (end < 0 ? text : text.slice(text.indexOf('\n', end + 1) + 1)).replace(/\s+/g, ' ').trim();
  return body.length > EXCERPT ? `${body.slice(0, EXCERPT - 3)}...` : body;
}

function noteLast(board: Board, e: Extract<BusEvent, { type: 'message.accepted' }>): void {
  const id = e.task ?? board.threadTask[e.thread];
  const task = id ? findTask(board, id) : undefined;
  if (!task) return;
  board.messageTask[e.id] = task.id;
  if (FINAL_STATUSES.includes(task.status)) return;
  task.last = {
    id: e.id,
    from: e.from,
    time: e.time,
    ...(e.subject !== undefined ? { subject: e.subject } : {}),
    excerpt: excerptOf(e.text),
  }; // BRIEF.md only: asOf (the board's own time) stays
}

export function taskNumber(id: string): number {
  return Number(id.slice(2));
}

/** Binary search: the tasks are in number order. */
function indexOf(board: Board, id: string): number {
  const n = taskNumber(id);
  let [lo, hi] = [0, board.tasks.length - 1];
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = taskNumber(board.tasks[mid]!.id);
    if (m === n) return board.tasks[mid]!.id === id ? mid : -1;
    if (m < n) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function findTask(board: Board, id: string): Task | undefined {
  return board.tasks[indexOf(board, id)];
}

export function nextTaskId(board: Board): string {
  return `T-${board.count + 1}`;
}

/**
 * Take archived tasks off the fold (a `board.archived` event), with what maps threads and
 * messages to them; the board's time does not move.
 */
function archive(board: Board, ids: ReadonlySet<string>): void {
  const kept: Task[] = [];
  const gone = new Set<string>();
  for (const t of board.tasks) {
    if (!ids.has(t.id) || (t.status !== 'done' && t.status !== 'cancelled')) kept.push(t);
    else board.archived[t.status]++, gone.add(t.id);
  }
  board.tasks = kept;
  for (const map of [board.threadTask, board.messageTask])
    for (const [k, task] of Object.entries(map)) if (gone.has(task)) delete map[k];
}

/**
 * A run's cost counts for the task of its message and every task above it. A task whose cost
 * goes past its budget_usd turns blocked (reason: budget): its runs wait (decide/gates.ts)
 * until its creator or the operator sets it going again.
 */
function chargeTasks(board: Board, id: string | undefined, cost: number, time: string): void {
  for (
    let t = id ? findTask(board, id) : undefined, n = 0;
    t && n < 1000;
    t = t.parent ? findTask(board, t.parent) : undefined, n++
  ) {
    if (cost <= 0) return;
    t.costUsd = Math.round(((t.costUsd ?? 0) + cost) * 1e6) / 1e6;
    if (
      t.budgetUsd !== undefined &&
      t.costUsd > t.budgetUsd &&
      !FINAL_STATUSES.includes(t.status) &&
      t.status !== 'blocked'
    ) {
      Object.assign(t, { status: 'blocked', blockedReason: 'budget', updated: time });
    }
  }
}

/** A handler run's usage adds to its agent's costs of the day and to the tasks it served. */
function charge(board: Board, event: HandlerSucceeded | HandlerFailed, usage: Usage): void {
  board.asOf = event.time;
  const day = event.time.slice(0, 10);
  const perAgent = (board.costs[event.agent] ??= {});
  const c = (perAgent[day] ??= { runs: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 });
  c.runs += 1;
  c.input_tokens += usage.input_tokens;
  c.output_tokens += usage.output_tokens;
  c.cost_usd = Math.round((c.cost_usd + usage.cost_usd) * 1e6) / 1e6;
  chargeTasks(board, board.messageTask[event.id], usage.cost_usd, event.time);
}

/** A task message opens a task. */
function open(board: Board, event: MessageAccepted, id: string): void {
  board.asOf = event.time;
  board.count = Math.max(board.count, taskNumber(id));
  board.tasks.push({
    id,
    title: event.subject ?? '(no subject)',
    status: 'open',
    owner: event.owner ?? null,
    creator: event.from,
    priority: event.priority,
    created: event.time,
    updated: event.time,
    recipients: [...event.to],
    ...(event.due ? { due: event.due } : {}),
    message: event.id,
    ...(event.blocked_by?.length ? { blockedBy: [...event.blocked_by] } : {}),
    thread: event.thread,
    ...(event.parent ? { parent: event.parent } : {}),
    ...(event.budget_usd !== undefined ? { budgetUsd: event.budget_usd } : {}),
    last: {
      id: event.id,
      from: event.from,
      time: event.time,
      ...(event.subject !== undefined ? { subject: event.subject } : {}),
      excerpt: excerptOf(event.text),
    },
  });
  board.threadTask[event.thread] ??= id;
  board.messageTask[event.id] = id;
}

/** Any other message naming a task may change its blockers, its priority and its status. */
function update(board: Board, event: MessageAccepted, id: string): void {
  if (event.blocked_by) {
    const task = findTask(board, id);
    if (task) Object.assign(task, { blockedBy: [...event.blocked_by], updated: event.time });
    board.asOf = event.time;
  }
  if (event.task_priority) {
    const task = findTask(board, id);
    if (task) Object.assign(task, { priority: event.task_priority, updated: event.time });
    board.asOf = event.time;
  }
  if (event.status) {
    const task = findTask(board, id);
    if (!task) return;
    board.asOf = event.time;
    if (task.owner === null && event.status !== 'cancelled') task.owner = event.from;
    task.status = event.status;
    task.updated = event.time;
    delete task.blockedReason;
    if (FINAL_STATUSES.includes(task.status)) delete task.last;
  }
}

export function apply(board: Board, event: BusEvent): Board {
  if ((event.type === 'handler.succeeded' || event.type === 'handler.failed') && event.usage) {
    charge(board, event, event.usage);
    return board;
  }
  if (event.type === 'approval.refused' && event.final && event.task) {
    const task = findTask(board, event.task);
    if (task && !FINAL_STATUSES.includes(task.status)) {
      Object.assign(task, { status: 'cancelled', updated: event.time });
      delete task.last;
    }
    board.asOf = event.time;
    return board;
  }
  if (event.type === 'board.archived') {
    archive(board, new Set(event.tasks.map((t) => t.id)));
    return board;
  }
  if (event.type !== 'message.accepted') return board;
  noteLast(board, event);
  if (event.kind === 'task' && event.task) open(board, event, event.task);
  else if (event.task) update(board, event, event.task);
  return board;
}

export function foldBoard(events: Iterable<BusEvent>): Board {
  let board = emptyBoard();
  for (const e of events) board = apply(board, e);
  return board;
}
