/**
 * The board's monthly archive: done and cancelled tasks whose last update is older than
 * board_done_after (to the board's own time), and those beyond the newest board_done_max
 * finished ones (done.ts), leave the fold, so the board's memory follows the tasks under way,
 * not the length of the history nor the pace of the org.
 *
 *   1. Before a snapshot (and at a clean stop) the daemon asks `archiveEvents` which tasks are
 *      due and records `board.archived` events carrying their whole rows (the log alone can
 *      rebuild the files); the fold then drops them (fold.ts) and counts them.
 *   2. After the commit the daemon appends the rows to board/archive/<YYYY-MM>.md (for people)
 *      and <YYYY-MM>.jsonl (for `board --json --all`), by the month of each task's last update,
 *      in the order of the log; runtime/daemon/board-archive.ts does it once per event, also
 *      across a crash.
 * BOARD.md and board.json never show the difference: a task due for the archive is left out of
 * them (render.ts, done.ts dueForArchive) whether it is still in the fold or already archived.
 * Pure: the time comes in.
 */
import type { ArchivedTask, NewEvent } from '../bus/events.js';
import { FINAL_STATUSES, findTask, type Board, type Task } from './fold.js';
import { dueForArchive, type DoneRule } from './done.js';
import { cell, taskJson } from './render.js';
import { boardScores } from './score.js';

/** At most this many tasks in one board.archived event (a log line stays a few hundred KB). */
export const ARCHIVE_BATCH = 500;

/** The tasks above an unfinished task (its parent, the parent's parent, ...): kept, so budgets and depths still add up. */
function ancestorsOfLive(board: Board): Set<string> {
  const keep = new Set<string>();
  for (const t of board.tasks) {
    if (FINAL_STATUSES.includes(t.status)) continue;
    for (let p = t.parent, n = 0; p !== undefined && !keep.has(p) && n < 1000; n++) {
      keep.add(p);
      p = findTask(board, p)?.parent;
    }
  }
  return keep;
}

/**
 * The board.archived events that take every task due for the archive off the fold (none if none
 * is due): done and cancelled, last updated more than `done.after` before the board's time or
 * beyond the newest `done.max` finished, and not above an unfinished task.
 */
export function archiveEvents(board: Board, done: DoneRule, time: string): NewEvent[] {
  const isDue = dueForArchive(board, done);
  if (!board.tasks.some(isDue)) return [];
  const keep = ancestorsOfLive(board);
  const due = board.tasks.filter((t) => isDue(t) && !keep.has(t.id));
  const scores = boardScores(board);
  const row = (t: Task): ArchivedTask => ({ ...taskJson(t, scores.get(t.id)!.score) });
  const out: NewEvent[] = [];
  for (let i = 0; i < due.length; i += ARCHIVE_BATCH)
    out.push({ time, type: 'board.archived', tasks: due.slice(i, i + ARCHIVE_BATCH).map(row) });
  return out;
}

/** The month file a task goes to: that of its last update. */
export function archiveMonth(t: ArchivedTask): string {
  return t.updated.slice(0, 7);
}

/** The tasks of one event by month, in their order. */
export function byMonth(tasks: readonly ArchivedTask[]): Map<string, ArchivedTask[]> {
  const out = new Map<string, ArchivedTask[]>();
  for (const t of tasks) {
    const m = archiveMonth(t);
    const list = out.get(m);
    if (list) list.push(t);
    else out.set(m, [t]);
  }
  return out;
}

/** The head of board/archive/<month>.md. */
export function archiveHeader(month: string): string {
  return [
    `# Board archive: ${month}`,
    '',
    `Done and cancelled tasks last updated in ${month}, off BOARD.md since they were older than board_done_after or beyond the newest board_done_max finished, in the order they were archived. Derived from bus/events/ (\`board.archived\`); do not edit.`,
    '',
    '| id | status | priority | title | owner | creator | created | updated |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    '',
  ].join('\n');
}

/** The rows of board/archive/<month>.md for these tasks. */
export function archiveRows(tasks: readonly ArchivedTask[]): string {
  return tasks
    .map(
      (t) =>
        `| ${t.id} | ${t.status} | ${t.priority} | ${cell(t.title)} | ${t.owner ?? '-'} | ${t.creator} | ${t.created} | ${t.updated} |\n`,
    )
    .join('');
}

/** One line of board/archive/<month>.jsonl: the event's seq (what makes a repeat a no-op) and its tasks of that month. */
export function archiveLine(seq: number, tasks: readonly ArchivedTask[]): string {
  return `${JSON.stringify({ seq, tasks })}\n`;
}
