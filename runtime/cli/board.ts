import type { ArchivedTask } from '../../bus/events.js';
import type { Priority } from '../../bus/priority.js';
import { taskNumber, type Board, type Task, type TaskStatus } from '../../board/fold.js';
import { SHOW_ALL } from '../../board/done.js';
import { boardJsonChunks, boardMdChunks } from '../../board/render.js';
import { boardDone } from '../config/schema.js';
import { readArchivedTasks } from '../daemon/board-archive.js';
import { loadConfigOrLastGood, loadState } from '../views/inspect.js';
import { EXIT, findRoot, parse, print, printJsonPieces, printPieces } from './common.js';

export const usage = `mailroom board [--root <dir>] [--json] [--all]

The task board, folded from the event log (the same fold the daemon renders into
board/BOARD.md and board/board.json). --json prints { "tasks": [ { id, title, status, owner,
creator, priority, created, updated, score, blocked_by, ... } ] }, ordered by task number. Done and
cancelled tasks older than board_done_after, and all but the newest board_done_max of the others,
are in board/archive/<YYYY-MM>.md; --all shows them too (read from board/archive/<YYYY-MM>.jsonl).
Within a status the board is ordered by score, higher first: priority (critical 400, high
300, normal 200, low 100) + 25 per unfinished task it blocks (blocked_by:, at most 100) + 1 per
hour of age (at most 48) + nearness of due: (past 100, a day 75, three days 50, a week 25).`;

/** An archived row (as board.json lists a task) as a task of the fold; its creating message is not kept. */
function asTask(a: ArchivedTask): Task {
  const { score: _score, blocked_by, budget_usd, cost_usd, blocked_reason, ...rest } = a;
  return {
    ...(rest as unknown as Task),
    status: a.status as TaskStatus,
    priority: a.priority as Priority,
    recipients: Array.isArray(a.recipients) ? (a.recipients as string[]) : [],
    message: '',
    ...(Array.isArray(blocked_by) ? { blockedBy: blocked_by as string[] } : {}),
    ...(typeof budget_usd === 'number' ? { budgetUsd: budget_usd } : {}),
    ...(typeof cost_usd === 'number' ? { costUsd: cost_usd } : {}),
    ...(blocked_reason === 'budget' ? { blockedReason: 'budget' as const } : {}),
  };
}

/** The board with the archived tasks put back, by number (a task in both: the fold's). */
export function withArchived(board: Board, archived: readonly ArchivedTask[]): Board {
  const onBoard = new Set(board.tasks.map((t) => t.id));
  const tasks = [...board.tasks, ...archived.filter((a) => !onBoard.has(a.id)).map(asTask)];
  tasks.sort((a, b) => taskNumber(a.id) - taskNumber(b.id));
  return { ...board, tasks, archived: { done: 0, cancelled: 0 } };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    { root: { type: 'string' }, json: { type: 'boolean' }, all: { type: 'boolean' } },
    usage,
  );
  if (values.help) return (print(usage), EXIT.ok);
  const layout = findRoot(values.root as string | undefined);
  const { config } = loadConfigOrLastGood(layout);
  const state = await loadState(layout, config.threadTtl);
  const board = values.all ? withArchived(state.board, readArchivedTasks(layout)) : state.board;
  const done = values.all ? SHOW_ALL : boardDone(config);
  // Printed as rendered: a large board is never held whole as text.
  if (values.json) printJsonPieces(boardJsonChunks(board, done));
  else printPieces(boardMdChunks(board, { done, now: Date.now() }));
  return EXIT.ok;
}
