/**
 * board_done_max on a real daemon: with `board_done_max: 3` and 6 finished tasks (finished out of
 * number order), BOARD.md and board.json show the 3 last finished and the open one, before and
 * after the daemon archives the other 3 at its clean stop into board/archive/<YYYY-MM>.md (and
 * .jsonl, which `board --json --all` reads back); a rebuild (the rendered files deleted, the
 * daemon started again) gives the same bytes and `doctor` finds nothing; an update naming an
 * archived task is refused, saying so.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { doctor, mailroom } from '../../support/cli.js';
import { stopClean } from '../../support/daemon.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, message, type Org } from '../../support/org.js';

type Row = { id: string; status: string; updated: string };
const board = (o: Org, ...args: string[]): Row[] => {
  const r = mailroom(['board', '--json', ...args, '--root', o.root]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { tasks: Row[] }).tasks;
};
const files = (o: Org) => ({ md: o.read('board', 'BOARD.md'), json: o.read('board', 'board.json') });
/** The ids in BOARD.md's table under `## <status>`. */
const section = (md: string, status: string): string[] =>
  [
    ...md
      .split(`## ${status} (`)[1]!
      .split('\n## ')[0]!
      .matchAll(/^\| (T-\d+) \|/gm),
  ].map((m) => m[1]!);

describe('board_done_max', () => {
  it('keeps the 3 last finished tasks on BOARD.md, archives the rest, and rebuilds to the same bytes', async () => {
    const o = makeOrg(['maya', 'oliver'], 'board_done_max: 3\n');
    await o.start();
    for (let i = 1; i <= 7; i++)
      o.drop('maya', `t${i}.md`, message({ to: 'oliver', kind: 'task', subject: `Task ${i}` }));
    await waitFor(() => o.events().filter((e) => e.kind === 'task').length === 7 || null, '7 tasks accepted');
    // Finished one at a time, out of number order: the last update decides, not the number.
    for (const id of ['T-2', 'T-1', 'T-4', 'T-3', 'T-6', 'T-5']) {
      o.drop('oliver', `done-${id}.md`, message({ task: id, status: 'done' }));
      await waitFor(
        () => o.events().some((e) => e.type === 'message.accepted' && e.task === id && e.status === 'done') || null,
        `${id} done`,
      );
    }
    const shown = ['T-3', 'T-5', 'T-6', 'T-7'];
    await waitFor(() => JSON.stringify(board(o).map((t) => t.id)) === JSON.stringify(shown) || null, 'the board');
    await waitFor(
      () => (fs.existsSync(o.p('board', 'board.json')) && files(o).json.includes('"T-5"')) || null,
      'board.json',
    );
    const running = files(o);
    expect(section(running.md, 'done')).toEqual(['T-3', 'T-5', 'T-6']);
    expect(section(running.md, 'open')).toEqual(['T-7']);
    expect(running.md).toContain(
      '3 done or cancelled task(s) older than 7d or beyond the newest 3 finished are in board/archive/',
    );
    expect(o.ls('board', 'archive')).toEqual([]); // due, not archived yet: it does not show
    const ok = doctor(o);
    expect(ok.problems, ok.raw).toEqual([]);

    // The clean stop archives them (a board.archived event, then the month files); the board stays byte for byte.
    expect(await stopClean(o)).toBe(0);
    const archived = o.events().filter((e) => e.type === 'board.archived');
    expect(archived.map((e) => e.tasks.map((t: Row) => t.id))).toEqual([['T-1', 'T-2', 'T-4']]);
    expect(files(o)).toEqual(running);
    const month = (archived[0]!.tasks[0] as Row).updated.slice(0, 7);
    expect(o.ls('board', 'archive')).toEqual([`${month}.jsonl`, `${month}.md`]);
    const rows = o.read('board', 'archive', `${month}.md`).match(/^\| T-\d+ \| done \|/gm);
    expect(rows).toEqual(['| T-1 | done |', '| T-2 | done |', '| T-4 | done |']);
    expect(board(o).map((t) => t.id)).toEqual(shown);
    expect(board(o, '--all').map((t) => `${t.id} ${t.status}`)).toEqual([
      'T-1 done',
      'T-2 done',
      'T-3 done',
      'T-4 done',
      'T-5 done',
      'T-6 done',
      'T-7 open',
    ]);

    // A rebuild: the rendered files deleted, the daemon started again.
    fs.rmSync(o.p('board', 'BOARD.md'));
    fs.rmSync(o.p('board', 'board.json'));
    await o.start();
    await waitFor(
      () => (fs.existsSync(o.p('board', 'board.json')) && fs.existsSync(o.p('board', 'BOARD.md'))) || null,
      'the board rendered',
    );
    expect(files(o)).toEqual(running);
    const again = doctor(o);
    expect(again.problems, again.raw).toEqual([]);

    // An archived task cannot change, and the bounce says where it went.
    o.drop('oliver', 'reopen.md', message({ task: 'T-1', status: 'in_progress' }));
    const rejected = await waitFor(() => o.events().find((e) => e.type === 'message.rejected'), 'the update refused');
    expect(rejected.reason).toContain("task T-1 is done or cancelled and in the board's archive");
    expect(await stopClean(o)).toBe(0);
    expect(o.events().filter((e) => e.type === 'board.archived')).toHaveLength(1);
    expect(files(o)).toEqual(running);
  }, 30_000);
});
