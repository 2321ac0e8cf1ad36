/**
 * Which finished tasks leave BOARD.md for the archive (board/done.ts): older than
 * board_done_after, or beyond the newest board_done_max finished (newest by last update, then by
 * number); the selection behind it (`smallest`) against a sort; and BOARD.md, board.json and the
 * archiving with a count.
 */
import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../../bus/events.js';
import { archiveEvents } from '../../../board/archive.js';
import { dueForArchive, SHOW_ALL, smallest, type DoneRule } from '../../../board/done.js';
import { apply, emptyBoard, type Board, type Task, type TaskStatus } from '../../../board/fold.js';
import { boardJson, renderBoardMd } from '../../../board/render.js';
import { prng } from '../../support/random.js';

const HOUR = 3_600_000;
const at = (h: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + h * HOUR).toISOString();

/** [number, status, last update (hours)] */
type Row = [number, TaskStatus, number];
const task = ([n, status, updated]: Row, parent?: string): Task => ({
  id: `T-${n}`,
  title: `t${n}`,
  status,
  owner: 'bob',
  creator: 'ann',
  priority: 'normal',
  created: at(0),
  updated: at(updated),
  recipients: ['bob'],
  message: `m${n}`,
  ...(parent ? { parent } : {}),
});
const board = (rows: Row[], asOf: number | null = 100): Board => ({
  ...emptyBoard(),
  count: Math.max(0, ...rows.map((r) => r[0])),
  asOf: asOf === null ? null : at(asOf),
  tasks: rows.map((r) => task(r)).sort((a, b) => Number(a.id.slice(2)) - Number(b.id.slice(2))),
});
const due = (b: Board, rule: DoneRule) => b.tasks.filter(dueForArchive(b, rule)).map((t) => t.id);
const rule = (after: number, max: number): DoneRule => ({ after, max });

describe('dueForArchive', () => {
  const six: Row[] = [
    [1, 'done', 10],
    [2, 'cancelled', 60],
    [3, 'done', 20],
    [4, 'open', 1],
    [5, 'done', 90],
    [6, 'in_progress', 2],
    [7, 'done', 30],
    [8, 'cancelled', 95],
  ];
  const table: Array<{ what: string; rows: Row[]; rule: DoneRule; asOf?: number | null; due: string[] }> = [
    { what: 'all shown', rows: six, rule: SHOW_ALL, due: [] },
    { what: 'by age alone', rows: six, rule: rule(72 * HOUR, Infinity), due: ['T-1', 'T-3'] },
    {
      what: 'by count alone: the oldest by last update',
      rows: six,
      rule: rule(Infinity, 3),
      due: ['T-1', 'T-3', 'T-7'],
    },
    { what: 'a count above the finished ones', rows: six, rule: rule(Infinity, 7), due: [] },
    { what: 'a count equal to the finished ones', rows: six, rule: rule(Infinity, 6), due: [] },
    {
      what: 'count 0: every finished task',
      rows: six,
      rule: rule(Infinity, 0),
      due: ['T-1', 'T-2', 'T-3', 'T-5', 'T-7', 'T-8'],
    },
    {
      what: 'both: the aged ones do not count toward the max',
      rows: six,
      rule: rule(72 * HOUR, 2),
      due: ['T-1', 'T-2', 'T-3', 'T-7'],
    },
    { what: 'both, the count above what age leaves', rows: six, rule: rule(72 * HOUR, 4), due: ['T-1', 'T-3'] },
    {
      what: 'the last update decides, not the number',
      rows: [
        [1, 'done', 90],
        [2, 'done', 10],
        [3, 'done', 50],
      ],
      rule: rule(Infinity, 1),
      due: ['T-2', 'T-3'],
    },
    {
      what: 'a tie on the last update: the lower number is the older',
      rows: [
        [9, 'done', 50],
        [10, 'done', 50],
        [2, 'cancelled', 50],
        [11, 'done', 40],
      ],
      rule: rule(Infinity, 2),
      due: ['T-2', 'T-11'],
    },
    {
      what: 'unfinished tasks are never due nor counted',
      rows: [
        [1, 'open', 0],
        [2, 'blocked', 0],
        [3, 'done', 99],
      ],
      rule: rule(HOUR, 0),
      due: ['T-3'],
    },
    {
      what: 'a board with no time yet: the count still applies',
      rows: six,
      rule: rule(HOUR, 5),
      asOf: null,
      due: ['T-1'],
    },
  ];
  it.each(table)('$what', ({ rows, rule: r, asOf, due: want }) => {
    const b = board(rows, asOf === undefined ? 100 : asOf);
    expect(due(b, r)).toEqual(want);
  });

  it('the same tasks as a sort of the finished ones would choose (seeded boards)', () => {
    const rng = prng(7);
    for (let round = 0; round < 300; round++) {
      const n = Math.floor(rng() * 60);
      const rows: Row[] = Array.from({ length: n }, (_, i) => [
        i + 1,
        (['done', 'cancelled', 'open', 'in_progress'] as const)[Math.floor(rng() * 4)]!,
        Math.floor(rng() * 12) * 8, // few distinct times: many ties
      ]);
      const r = rule(rng() < 0.5 ? Infinity : Math.floor(rng() * 100) * HOUR, Math.floor(rng() * 40));
      const b = board(rows);
      const finished = b.tasks.filter((t) => t.status === 'done' || t.status === 'cancelled');
      const old = finished.filter((t) => Date.parse(at(100)) - Date.parse(t.updated) > r.after);
      const newest = finished
        .filter((t) => !old.includes(t))
        .sort((x, y) => y.updated.localeCompare(x.updated) || Number(y.id.slice(2)) - Number(x.id.slice(2)));
      const want = new Set([...old, ...newest.slice(r.max)].map((t) => t.id));
      expect(due(b, r), JSON.stringify({ rows, r })).toEqual(b.tasks.filter((t) => want.has(t.id)).map((t) => t.id));
    }
  });
});

describe('smallest: a selection, not a sort', () => {
  it('the k smallest, whatever the order of the items', () => {
    const rng = prng(3);
    for (let round = 0; round < 200; round++) {
      const n = Math.floor(rng() * 80);
      const keys = Array.from({ length: n }, () => Math.floor(rng() * 20) * 1000 + Math.floor(rng() * 1000));
      const distinct = [...new Set(keys)];
      const k = Math.floor(rng() * (distinct.length + 2)) - 1;
      const got = smallest(distinct.length, k, (a, b) => distinct[a]! < distinct[b]!).map((i) => distinct[i]!);
      const want = [...distinct].sort((a, b) => a - b).slice(0, Math.max(0, k));
      expect(got.sort((a, b) => a - b)).toEqual(want);
    }
  });

  it.each([
    ['ascending', (i: number) => i],
    ['descending', (i: number) => -i],
    [
      'seeded',
      (() => {
        const rng = prng(11);
        const xs = Array.from({ length: 100_000 }, (_, i) => i).sort(() => rng() - 0.5);
        return (i: number) => xs[i]!;
      })(),
    ],
  ])('%s keys: far fewer comparisons than a sort (n log n)', (_what, key) => {
    const n = 100_000;
    let comparisons = 0;
    const less = (a: number, b: number) => (comparisons++, key(a) < key(b));
    const got = smallest(n, n - 1000, less);
    expect(got.length).toBe(n - 1000);
    expect(comparisons).toBeLessThan(6 * n); // a sort takes about n log2 n = 17 n
  });
});

describe('BOARD.md, board.json and the archiving with board_done_max', () => {
  const rows: Row[] = [
    [1, 'done', 10],
    [2, 'done', 20],
    [3, 'open', 1],
    [4, 'cancelled', 30],
    [5, 'done', 40],
  ];

  it('shows the newest finished ones, counts the others as archived, and says why', () => {
    const b = board(rows);
    const json = boardJson(b, rule(Infinity, 2)).tasks.map((t) => t.id);
    expect(json).toEqual(['T-3', 'T-4', 'T-5']);
    const md = renderBoardMd(b, { done: rule(72 * HOUR, 2) });
    expect(md).toContain(
      '2 done or cancelled task(s) older than 3d or beyond the newest 2 finished are in board/archive/ (one file a month; `mailroom board --all`).',
    );
    expect(md).not.toMatch(/\| T-1 \||\| T-2 \|/);
    expect(renderBoardMd(b, { done: rule(Infinity, 2) })).toContain(
      '2 done or cancelled task(s) beyond the newest 2 finished are in',
    );
    expect(renderBoardMd(b, { done: rule(Infinity, 4) })).not.toContain('board/archive/');
  });

  it('archives the same tasks, keeps one above an unfinished sub-task in the fold (off BOARD.md all the same)', () => {
    const b = board(rows);
    b.tasks.push({ ...task([6, 'open', 50]), parent: 'T-1' });
    b.count = 6;
    const r = rule(Infinity, 2);
    const es = archiveEvents(b, r, at(100));
    expect(es.flatMap((e) => (e.type === 'board.archived' ? e.tasks.map((t) => t.id) : []))).toEqual(['T-2']);
    const before = renderBoardMd(b, { done: r });
    const after = es.reduce((x, e) => apply(x, { ...e, seq: 9 } as BusEvent), b);
    expect(after.tasks.map((t) => t.id)).toEqual(['T-1', 'T-3', 'T-4', 'T-5', 'T-6']);
    expect(renderBoardMd(after, { done: r })).toBe(before);
    expect(due(after, r)).toEqual(['T-1']);
    expect(archiveEvents(after, r, at(100))).toEqual([]);
  });
});
