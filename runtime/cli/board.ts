import { boardJson, renderBoardMd } from '../../board/render.js';
import { loadConfigOrLastGood, loadState } from '../views/inspect.js';
import { EXIT, findRoot, parse, print, printJson } from './common.js';

export const usage = `mailroom board [--root <dir>] [--json] [--all]

The task board, folded from the event log (the same fold the daemon renders into
board/BOARD.md and board/board.json). --json prints { "tasks": [ { id, title, status, owner,
creator, priority, created, updated, score, blocked_by, ... } ] }, ordered by task number. Done and
cancelled tasks older than board_done_after are in board/archive/<YYYY-MM>.md; --all shows them too.
Within a status the board is ordered by score, higher first: priority (critical 400, high
300, normal 200, low 100) + 25 per unfinished task it blocks (blocked_by:, at most 100) + 1 per
hour of age (at most 48) + nearness of due: (past 100, a day 75, three days 50, a week 25).`;

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
  const doneAfter = values.all ? Infinity : config.boardDoneAfter;
  if (values.json) printJson(boardJson(state.board, doneAfter));
  else print(renderBoardMd(state.board, { doneAfter, now: Date.now() }));
  return EXIT.ok;
}
