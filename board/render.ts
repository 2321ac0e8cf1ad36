/**
 * BOARD.md, board.json and each agent's BRIEF.md, rendered from the fold alone: the files
 * show absolute UTC times, never ages, so a rebuild from the log gives the same bytes and a
 * file read an hour later is still right. `mailroom board` passes `now` and shows ages to it.
 * Done and cancelled tasks older than board_done_after, and those beyond the newest
 * board_done_max finished ones (`done`, a DoneRule: done.ts), leave BOARD.md and board.json for
 * a monthly archive, board/archive/<YYYY-MM>.md (by the month of their last update; archive.ts);
 * `board --json --all` still lists them. BOARD.md is the same whether such a task is still in
 * the fold or already archived, so when the archiving happens never shows. Pure: the clock is
 * an argument.
 */
import type { TaskRow } from '../bus/events.js';
import { comparePriority } from '../bus/priority.js';
import { formatDuration } from '../bus/time.js';
import { dueForArchive, SHOW_ALL, type DoneRule } from './done.js';
import { TASK_STATUSES, taskNumber, type Board, type Task } from './fold.js';
import { boardScores, sortedByScore, type ScoreParts } from './score.js';

/** Every task's score (boardScores), when the caller has it already: a render of both files scores the board once. */
export type Scores = Map<string, ScoreParts>;

export interface BoardJsonTask extends TaskRow {
  recipients: string[];
  due?: string;
  /** The board's order within a status, higher first (board/score.ts). */
  score: number;
  blocked_by?: string[];
  /** budget_usd as written; cost_usd: what runs for its messages and its sub-tasks' cost. */
  budget_usd?: number;
  cost_usd?: number;
  /** `budget`: mailroom blocked it past its budget_usd. */
  blocked_reason?: string;
}

/** Total cost per agent and per day, sorted, for the board. */
export function costSummary(board: Board): {
  total_usd: number;
  by_day: Record<string, number>;
  by_agent: Record<string, number>;
} {
  const byDay: Record<string, number> = {};
  const byAgent: Record<string, number> = {};
  let total = 0;
  for (const agent of Object.keys(board.costs).sort()) {
    for (const [day, c] of Object.entries(board.costs[agent]!)) {
      byDay[day] = Math.round(((byDay[day] ?? 0) + c.cost_usd) * 1e6) / 1e6;
      byAgent[agent] = Math.round(((byAgent[agent] ?? 0) + c.cost_usd) * 1e6) / 1e6;
      total += c.cost_usd;
    }
  }
  const sortedDays = Object.fromEntries(Object.entries(byDay).sort(([a], [b]) => a.localeCompare(b)));
  return { total_usd: Math.round(total * 1e6) / 1e6, by_day: sortedDays, by_agent: byAgent };
}

export function costLine(board: Board): string {
  const s = costSummary(board);
  const days = Object.entries(s.by_day);
  if (days.length === 0) return 'Cost: no usage reported yet';
  const [lastDay, lastCost] = days.at(-1)!;
  const agents = Object.entries(s.by_agent)
    .sort((a, b) => b[1] - a[1])
    .map(([a, c]) => `${a} $${c.toFixed(4)}`)
    .join(', ');
  return `Cost: $${s.total_usd.toFixed(4)} in all, $${lastCost.toFixed(4)} on ${lastDay} (${agents})`;
}

/** The tasks BOARD.md and board.json show (all of them with SHOW_ALL). */
export function shownTasks(board: Board, done: DoneRule): Task[] {
  if (done.after === Infinity && done.max === Infinity) return board.tasks;
  const due = dueForArchive(board, done);
  return board.tasks.filter((t) => !due(t));
}

/** A task as board.json lists it (and as board/archive/<YYYY-MM>.jsonl keeps it). */
export function taskJson(t: Task, score: number): BoardJsonTask {
  return {
    id: t.id,
    title: t.title,
    status: t.status,
    owner: t.owner,
    creator: t.creator,
    priority: t.priority,
    created: t.created,
    updated: t.updated,
    recipients: t.recipients,
    ...(t.due ? { due: t.due } : {}),
    score,
    ...(t.blockedBy?.length ? { blocked_by: t.blockedBy } : {}),
    ...(t.budgetUsd !== undefined ? { budget_usd: t.budgetUsd } : {}),
    ...(t.costUsd !== undefined ? { cost_usd: t.costUsd } : {}),
    ...(t.blockedReason ? { blocked_reason: t.blockedReason } : {}),
  };
}

export function boardJson(
  board: Board,
  done: DoneRule = SHOW_ALL,
): { as_of: string | null; tasks: BoardJsonTask[]; costs: Board['costs'] } {
  const scores = boardScores(board);
  return {
    as_of: board.asOf,
    tasks: shownTasks(board, done).map((t) => taskJson(t, scores.get(t.id)!.score)),
    costs: board.costs,
  };
}

export function renderBoardJson(board: Board, done: DoneRule = SHOW_ALL): string {
  return JSON.stringify(boardJson(board, done), null, 2) + '\n';
}

/** `JSON.stringify(value, null, 2)` as it reads `depth` levels down in a larger document. */
function nested(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`);
}

/**
 * `JSON.stringify(boardJson(board, done), null, 2)` in pieces (joined, the same text, without
 * renderBoardJson's final newline), a few hundred tasks a piece, the task rows made as they go.
 */
export function* boardJsonChunks(
  board: Board,
  done: DoneRule = SHOW_ALL,
  batch = 256,
  scores: Scores = boardScores(board),
): Generator<string> {
  const shown = shownTasks(board, done);
  yield `{\n  "as_of": ${JSON.stringify(board.asOf)},\n  "tasks": [`;
  for (let i = 0; i < shown.length; i += batch) {
    const rows = shown.slice(i, i + batch).map((t) => taskJson(t, scores.get(t.id)!.score));
    // `[\n  {...},\n  {...}\n]` without its brackets, one level further in.
    yield `${i === 0 ? '\n' : ',\n'}  ${nested(rows, 1).slice(4, -4)}`;
  }
  yield `${shown.length ? '\n  ' : ''}],\n  "costs": ${nested(board.costs, 1)}\n}`;
}

/** board.json as renderBoardJson writes it (with its final newline), in pieces. */
export function* boardJsonFileChunks(board: Board, done: DoneRule = SHOW_ALL, scores?: Scores): Generator<string> {
  yield* boardJsonChunks(board, done, 256, scores);
  yield '\n';
}

/** Most urgent first, then oldest first, then by number (plain comparisons, cheaper than a collator on a large board). */
export function byUrgency(a: Task, b: Task): number {
  return (
    comparePriority(a.priority, b.priority) ||
    (a.created < b.created ? -1 : a.created > b.created ? 1 : 0) ||
    taskNumber(a.id) - taskNumber(b.id)
  );
}

/** `2026-11-24 10:15:00Z`: when, in UTC, to the second. */
export function utcTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

/** A time as the reader sees it: absolute UTC in the files; `3m ago` with a clock. */
function when(iso: string, now: number | undefined): string {
  return now === undefined ? utcTime(iso) : `${formatDuration(Math.max(0, now - Date.parse(iso)))} ago`;
}

/** Displays cut a title (the subject has no limit of its own); the full text is in the log and board.json. */
const TITLE_MAX = 120;

function displayTitle(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > TITLE_MAX ? `${one.slice(0, TITLE_MAX - 3)}...` : one;
}

export function cell(s: string): string {
  return displayTitle(s).replace(/\|/g, '\\|');
}

const SCORE_NOTE =
  'Within a status, higher score first: priority (critical 400, high 300, normal 200, low 100) + 25 per unfinished task it blocks (at most 100) + 1 per hour of age (at most 48) + due (past 100, within 1 day 75, 3 days 50, 7 days 25), as of the time above.';

/** ` ($0.6 of $1 budget_usd, blocked: budget)` after a title with a budget; nothing without one. */
function budgetNote(t: Task): string {
  if (t.budgetUsd === undefined) return '';
  return ` ($${t.costUsd ?? 0} of $${t.budgetUsd} budget_usd${t.blockedReason ? `, blocked: ${t.blockedReason}` : ''})`;
}

/**
 * BOARD.md (no `now`: UTC times, the same bytes at every rebuild), or the `mailroom board` view
 * (ages to `now`); finished tasks due for the archive by `done` left out (in the monthly archive).
 */
export function renderBoardMd(board: Board, o: { done?: DoneRule; now?: number } = {}): string {
  return [...boardMdChunks(board, o)].join('');
}

/** renderBoardMd in pieces of a few hundred lines (joined, the same text): a large board is printed or compared without being held whole. */
export function boardMdChunks(
  board: Board,
  o: { done?: DoneRule; now?: number; scores?: Scores } = {},
): Generator<string> {
  return joined(boardMdLines(board, o), '\n');
}

/** Pieces whose concatenation is `[...items].join(sep)`, `batch` items a piece. */
function* joined(items: Iterable<string>, sep: string, batch = 256): Generator<string> {
  let buf: string[] = [];
  let first = true;
  for (const item of items) {
    buf.push(item);
    if (buf.length < batch) continue;
    yield (first ? '' : sep) + buf.join(sep);
    first = false;
    buf = [];
  }
  if (buf.length || first) yield (first ? '' : sep) + buf.join(sep);
}

/** Why the archived tasks are there, as the line above the tables says it (` older than 7d or beyond the newest 1000 finished`). */
function archivedWhy(done: DoneRule): string {
  const age = done.after === Infinity ? [] : [`older than ${formatDuration(done.after)}`];
  const count = done.max === Infinity ? [] : [`beyond the newest ${done.max} finished`];
  return [...age, ...count].map((w, i) => (i ? ` or ${w}` : ` ${w}`)).join('');
}

function* boardMdLines(
  board: Board,
  { done = SHOW_ALL, now, scores: given }: { done?: DoneRule; now?: number; scores?: Scores },
): Generator<string> {
  yield* [
    '# Board',
    '',
    `Derived from bus/events/ (as of ${board.asOf ?? 'no events yet'}). Do not edit: change a task by sending a message with \`task:\` and \`status:\`.`,
    SCORE_NOTE,
    '',
    costLine(board),
    '',
  ];
  const [created, updated] = now === undefined ? ['created (UTC)', 'updated (UTC)'] : ['age', 'updated'];
  const shown = shownTasks(board, done);
  // In board/archive/: those taken off the fold, and those due to be at the next archiving.
  const archived = board.archived.done + board.archived.cancelled + board.tasks.length - shown.length;
  if (archived > 0)
    yield* [
      `${archived} done or cancelled task(s)${archivedWhy(done)} are in board/archive/ (one file a month; \`mailroom board --all\`).`,
      '',
    ];
  const scores = given ?? boardScores(board);
  const byStatus = new Map<string, Task[]>(TASK_STATUSES.map((st) => [st, []]));
  for (const t of shown) byStatus.get(t.status)!.push(t);
  for (const status of TASK_STATUSES) {
    const tasks = sortedByScore(byStatus.get(status)!, scores);
    yield* [`## ${status} (${tasks.length})`, ''];
    if (tasks.length === 0) {
      yield* ['_none_', ''];
      continue;
    }
    yield* [
      `| id | score | priority | title | owner | creator | ${created} | ${updated} |`,
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ];
    for (const t of tasks) {
      const age = now === undefined ? utcTime(t.created) : formatDuration(Math.max(0, now - Date.parse(t.created)));
      yield `| ${t.id} | ${scores.get(t.id)!.score} | ${t.priority} | ${cell(t.title)}${budgetNote(t)} | ${t.owner ?? `(unclaimed: ${t.recipients.join(', ')})`} | ${t.creator} | ${age} | ${when(t.updated, now)} |`;
    }
    yield '';
  }
}
