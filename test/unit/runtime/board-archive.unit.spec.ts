/**
 * The board's archive files (runtime/daemon/board-archive.ts) on a temp dir: an event's rows are
 * written once, also when it comes again (a replay after a crash) and when a crash fell between
 * the .md and the .jsonl; `board --json --all` reads them back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ArchivedTask, BoardArchived } from '../../../bus/events.js';
import { archiveRows } from '../../../board/archive.js';
import { appendArchived, readArchivedTasks } from '../../../runtime/daemon/board-archive.js';
import { Layout } from '../../../workspaces/layout.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function layout(): Layout {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-archive-'));
  dirs.push(d);
  return new Layout(d);
}

const task = (n: number, updated: string): ArchivedTask => ({
  id: `T-${n}`,
  title: `task ${n}`,
  status: n % 2 ? 'done' : 'cancelled',
  owner: 'bob',
  creator: 'ann',
  priority: 'normal',
  created: '2026-01-01T00:00:00.000Z',
  updated,
  recipients: ['bob'],
});

const event = (seq: number, tasks: ArchivedTask[]): BoardArchived => ({
  seq,
  time: '2026-03-01T00:00:00.000Z',
  type: 'board.archived',
  tasks,
});

const files = (l: Layout) =>
  Object.fromEntries(
    fs.readdirSync(l.boardArchive).map((n) => [n, fs.readFileSync(path.join(l.boardArchive, n), 'utf8')]),
  );

describe('board/archive/ files', () => {
  const e1 = event(10, [task(1, '2026-01-05T00:00:00.000Z'), task(2, '2026-02-03T00:00:00.000Z')]);
  const e2 = event(20, [task(3, '2026-02-04T00:00:00.000Z')]);

  it('rows by month, in the order archived; an event written again changes nothing', () => {
    const l = layout();
    appendArchived(l, e1);
    appendArchived(l, e2);
    const once = files(l);
    expect(Object.keys(once).sort()).toEqual(['2026-01.jsonl', '2026-01.md', '2026-02.jsonl', '2026-02.md']);
    expect(once['2026-02.md']).toMatch(/# Board archive: 2026-02\n[\s\S]*\| T-2 \|.*\n\| T-3 \|.*\n$/);
    appendArchived(l, e1);
    appendArchived(l, e2);
    expect(files(l)).toEqual(once);
    expect(readArchivedTasks(l).map((t) => t.id)).toEqual(['T-1', 'T-2', 'T-3']);
  });

  it('a crash between the .md and the .jsonl: the rows are not doubled', () => {
    const l = layout();
    appendArchived(l, e1);
    const want = (appendArchived(l, e2), files(l));
    const m = layout();
    appendArchived(m, e1);
    fs.appendFileSync(m.boardArchiveMonth('2026-02'), archiveRows(e2.tasks)); // the .md written, then the crash
    appendArchived(m, e2);
    expect(files(m)).toEqual(want);
  });

  it('no archive yet: no tasks', () => expect(readArchivedTasks(layout())).toEqual([]));
});
