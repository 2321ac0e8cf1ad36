import { boardJson, renderBoardMd } from '../../board/render.js';
import { loadState } from '../views/inspect.js';
import { EXIT, findRoot, parse, print, printJson } from './common.js';

export const usage = `mailroom board [--root <dir>] [--json]

The task board, folded from the event log (the same fold the daemon renders into
board/BOARD.md and board/board.json). --json prints { "tasks": [ { id, title, status, owner,
creator, priority, created, updated, ... } ] }, ordered by task number.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { root: { type: 'string' }, json: { type: 'boolean' } }, usage);
  if (values.help) return print(usage), EXIT.ok;
  const layout = findRoot(values.root as string | undefined);
  const { state } = loadState(layout);
  if (values.json) printJson(boardJson(state.board));
  else print(renderBoardMd(state.board, Date.now()));
  return EXIT.ok;
}
