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
import type { BusEvent } from '../bus/events.js';

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
}

export function emptyBoard(): Board {
  return { tasks: [], count: 0, archived: { done: 0, cancelled: 0 }, costs: {}, asOf: null };
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

/** Take archived tasks off the fold (a `board.archived` event); the board's time does not move. */
function archive(board: Board, ids: ReadonlySet<string>): void {
  const kept: Task[] = [];
  for (const t of board.tasks) {
    if (!ids.has(t.id) || (t.status !== 'done' && t.status !== 'cancelled')) kept.push(t);
    else board.archived[t.status]++;
  }
  board.tasks = kept;
}

export function apply(board: Board, event: BusEvent): Board {
  if ((event.type === 'handler.succeeded' || event.type === 'handler.failed') && event.usage) {
    board.asOf = event.time;
    const day = event.time.slice(0, 10);
    const perAgent = (board.costs[event.agent] ??= {});
    const c = (perAgent[day] ??= { runs: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 });
    c.runs += 1;
    c.input_tokens += event.usage.input_tokens;
    c.output_tokens += event.usage.output_tokens;
    c.cost_usd = Math.round((c.cost_usd + event.usage.cost_usd) * 1e6) / 1e6;
    return board;
  }
  if (event.type === 'board.archived') {
    archive(board, new Set(event.tasks.map((t) => t.id)));
    return board;
  }
  if (event.type !== 'message.accepted') return board;
  if (event.kind === 'task' && event.task) {
    board.asOf = event.time;
    board.count = Math.max(board.count, taskNumber(event.task));
    board.tasks.push({
      id: event.task,
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
    });
    return board;
  }
  if (event.task && event.status) {
    const task = findTask(board, event.task);
    if (!task) return board;
    board.asOf = event.time;
    if (task.owner === null && event.status !== 'cancelled') task.owner = event.from;
    task.status = event.status;
    task.updated = event.time;
  }
  return board;
}

export function foldBoard(events: Iterable<BusEvent>): Board {
  let board = emptyBoard();
  for (const e of events) board = apply(board, e);
  return board;
}
