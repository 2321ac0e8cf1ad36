/**
 * The board's monthly archive (board/archive.ts): which tasks leave the fold and when, and that
 * it never shows: BOARD.md, board.json and the status counts are the same whether the due tasks
 * are still in the fold or archived (seeded synthetic histories, archived at random moments, by
 * age, by count and by both).
 */
import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../../bus/events.js';
import { ARCHIVE_BATCH, archiveEvents, archiveHeader, archiveRows, byMonth } from '../../../board/archive.js';
import { apply, emptyBoard, findTask, nextTaskId, type Board } from '../../../board/fold.js';
import { renderBrief } from '../../../board/brief.js';
import { dueForArchive, type DoneRule } from '../../../board/done.js';
import { renderBoardJson, renderBoardMd } from '../../../board/render.js';
import { applyToState, emptyState } from '../../../runtime/state/state.js';
import { syntheticEvents } from '../../../scripts/bench/synthetic.js';
import { prng } from '../../support/random.js';

const HOUR = 3_600_000;
const byAge = (after: number): DoneRule => ({ after, max: Infinity });
/** board_done_after, board_done_max: by age, by count, by both (the synthetic org finishes ~50 tasks an hour). */
const RULES: DoneRule[] = [
  byAge(HOUR),
  { after: 6 * HOUR, max: 40 },
  { after: 2 * 86_400_000, max: 100 },
  { after: Infinity, max: 25 },
  { after: 6 * HOUR, max: 0 },
  byAge(2 * 86_400_000),
];

function history(seed: number, n: number): BusEvent[] {
  const out: BusEvent[] = [];
  for (const e of syntheticEvents({
    rng: prng(seed),
    agents: ['ann', 'bob', 'cfo'],
    start: Date.parse('2026-01-28T00:00:00Z'),
    stepMs: 60_000,
    textBytes: 10,
  })) {
    out.push(e);
    if (out.length >= n) break;
  }
  return out;
}

/** What a reader sees of a board. */
function views(b: Board, done: DoneRule) {
  const counts: Record<string, number> = {};
  for (const t of b.tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
  for (const [st, n] of Object.entries(b.archived)) if (n) counts[st] = (counts[st] ?? 0) + n;
  return {
    md: renderBoardMd(b, { done }),
    json: renderBoardJson(b, done),
    brief: renderBrief(b, 'ann'),
    counts,
    next: nextTaskId(b),
  };
}

describe('archiving never shows on the board', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: the same BOARD.md, board.json, briefs and counts with archiving at random moments`, () => {
      const rng = prng(seed * 31);
      const done = RULES[seed - 1]!;
      const events = history(seed, 4000);
      let plain = emptyBoard();
      let archived = emptyBoard();
      let seq = 0;
      const ids: string[] = [];
      for (const e of events) {
        plain = apply(plain, { ...e, seq: ++seq });
        archived = apply(archived, { ...e, seq });
        if (rng() < 0.02)
          for (const a of archiveEvents(archived, done, e.time)) {
            const ev = { ...a, seq } as BusEvent;
            if (ev.type === 'board.archived') ids.push(...ev.tasks.map((t) => t.id));
            archived = apply(archived, ev);
          }
      }
      expect(ids.length).toBeGreaterThan(10);
      expect(archived.tasks.length).toBeLessThan(plain.tasks.length);
      expect(views(archived, done)).toEqual(views(plain, done));
      for (const id of ids) expect(findTask(archived, id)).toBeUndefined();
      for (const t of archived.tasks) expect(findTask(archived, t.id)).toBe(t);
    });
  }
});

describe('archiveEvents', () => {
  const at = (h: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + h * HOUR).toISOString();
  const task = (n: number, status: string, updated: number) =>
    ({
      id: `T-${n}`,
      title: `t${n}`,
      status,
      owner: null,
      creator: 'ann',
      priority: 'normal',
      created: at(0),
      updated: at(updated),
      recipients: ['bob'],
      message: `m${n}`,
    }) as Board['tasks'][number];

  it('takes exactly the done and cancelled tasks older than board_done_after, in batches', () => {
    const b: Board = {
      ...emptyBoard(),
      count: 1203,
      asOf: at(100),
      tasks: [
        task(1, 'done', 1),
        task(2, 'open', 1),
        task(3, 'cancelled', 50),
        task(4, 'done', 99),
        task(5, 'in_progress', 0),
        ...Array.from({ length: 1198 }, (_, i) => task(6 + i, 'done', 2)),
      ],
    };
    const es = archiveEvents(b, byAge(48 * HOUR), at(100));
    const ids = es.flatMap((e) => (e.type === 'board.archived' ? e.tasks.map((t) => t.id) : []));
    expect(ids).toEqual(b.tasks.filter(dueForArchive(b, byAge(48 * HOUR))).map((t) => t.id));
    expect(ids.slice(0, 3)).toEqual(['T-1', 'T-3', 'T-6']);
    expect(es.map((e) => (e.type === 'board.archived' ? e.tasks.length : 0))).toEqual([
      ARCHIVE_BATCH,
      ARCHIVE_BATCH,
      200,
    ]);
    expect(archiveEvents(b, byAge(Infinity), at(100))).toEqual([]);
    expect(archiveEvents({ ...b, tasks: [task(2, 'open', 1)] }, byAge(48 * HOUR), at(100))).toEqual([]);
  });

  it('an archived task is gone from the fold, counted, and its number is never given again', () => {
    let b: Board = {
      ...emptyBoard(),
      count: 3,
      asOf: at(100),
      tasks: [task(1, 'done', 1), task(2, 'open', 1), task(3, 'done', 2)],
    };
    for (const e of archiveEvents(b, byAge(HOUR), at(100))) b = apply(b, { ...e, seq: 9 } as BusEvent);
    expect(b.tasks.map((t) => t.id)).toEqual(['T-2']);
    expect(b.archived).toEqual({ done: 2, cancelled: 0 });
    expect(nextTaskId(b)).toBe('T-4');
    expect(b.asOf).toBe(at(100));
  });

  it('a finished task above an unfinished one stays (budgets and depths still add up); governance forgets the archived', () => {
    const b: Board = {
      ...emptyBoard(),
      count: 4,
      asOf: at(100),
      tasks: [
        task(1, 'done', 1),
        { ...task(2, 'done', 1), parent: 'T-1' },
        { ...task(3, 'open', 1), parent: 'T-2' },
        task(4, 'done', 1),
      ],
    };
    const es = archiveEvents(b, byAge(HOUR), at(100));
    expect(es.flatMap((e) => (e.type === 'board.archived' ? e.tasks.map((t) => t.id) : []))).toEqual(['T-4']);
    const s = emptyState();
    s.board = b;
    s.governance.messageTask = { m1: 'T-1', m3: 'T-3', m4: 'T-4' };
    s.governance.parent = { 'T-2': 'T-1', 'T-3': 'T-2' };
    applyToState(s, { ...es[0]!, seq: 1 } as BusEvent);
    expect(s.governance.messageTask).toEqual({ m1: 'T-1', m3: 'T-3' });
    expect(s.board.tasks.map((t) => t.id)).toEqual(['T-1', 'T-2', 'T-3']);
  });

  it('the month files: a header once, a row per task, by the month of the last update', () => {
    const tasks = [task(1, 'done', 1), task(2, 'cancelled', 24 * 40)].map(({ message, recipients, ...t }) => t);
    expect([...byMonth(tasks).keys()]).toEqual(['2026-03', '2026-04']);
    expect(archiveHeader('2026-03')).toContain('# Board archive: 2026-03');
    expect(archiveRows([{ ...tasks[0]!, title: 'a | b' }])).toBe(
      `| T-1 | done | normal | a \\| b | - | ann | ${at(0)} | ${at(1)} |\n`,
    );
  });
});
