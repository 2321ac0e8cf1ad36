/** The reconciliation scan's plan: what is listed this interval, and the bound on a missed event. */
import { describe, expect, it } from 'vitest';
import {
  RACY_MS,
  SWEEP_FLOOR,
  SWEEP_MS,
  changedSince,
  planScan,
  rotation,
  sweepTicks,
} from '../../../runtime/decide/scan-plan.js';

const dirs = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const none = new Set<string>();

describe('sweepTicks', () => {
  const table: Array<[number, number, number]> = [
    // interval ms, sweep ms, ticks
    [2_000, 60_000, 30],
    [300, 60_000, 200],
    [7_000, 60_000, 8], // rounded down: the sweep never takes longer than asked
    [60_000, 60_000, 1],
    [120_000, 60_000, 1], // an interval longer than the sweep: everything, every interval
  ];
  for (const [interval, sweep, ticks] of table)
    it(`${interval} ms over ${sweep} ms: ${ticks}`, () => expect(sweepTicks(interval, sweep)).toBe(ticks));
  it('defaults to SWEEP_MS (one minute)', () => {
    expect(SWEEP_MS).toBe(60_000);
    expect(sweepTicks(2_000)).toBe(30);
  });
});

describe('rotation', () => {
  const table: Array<{
    what: string;
    total: number;
    cursor: number;
    ticks: number;
    floor?: number;
    indices: number[];
    next: number;
  }> = [
    { what: 'nothing to rotate', total: 0, cursor: 5, ticks: 3, indices: [], next: 0 },
    { what: 'a third of nine', total: 9, cursor: 0, ticks: 3, indices: [0, 1, 2], next: 3 },
    { what: 'rounded up: 8 in 3 is 3 a time', total: 8, cursor: 3, ticks: 3, indices: [3, 4, 5], next: 6 },
    { what: 'wraps around the end', total: 8, cursor: 6, ticks: 3, indices: [6, 7, 0], next: 1 },
    { what: 'one tick: everything', total: 4, cursor: 2, ticks: 1, indices: [2, 3, 0, 1], next: 2 },
    {
      what: 'a floor larger than the share',
      total: 8,
      cursor: 0,
      ticks: 4,
      floor: 5,
      indices: [0, 1, 2, 3, 4],
      next: 5,
    },
    {
      what: 'a floor larger than the total: everything once',
      total: 3,
      cursor: 1,
      ticks: 30,
      floor: 512,
      indices: [1, 2, 0],
      next: 1,
    },
    {
      what: 'a cursor past the end (folders removed) is taken modulo',
      total: 4,
      cursor: 9,
      ticks: 2,
      indices: [1, 2],
      next: 3,
    },
    { what: 'zero ticks is one', total: 2, cursor: 0, ticks: 0, indices: [0, 1], next: 0 },
  ];
  for (const t of table) {
    it(t.what, () =>
      expect(rotation(t.total, t.cursor, t.ticks, t.floor)).toEqual({ indices: t.indices, cursor: t.next }),
    );
  }

  it('every item is in one of `ticks` consecutive slices, from any cursor', () => {
    for (const total of [1, 7, 20_001]) {
      for (const ticks of [1, 3, 30]) {
        for (const start of [0, 5, total - 1]) {
          const seen = new Set<number>();
          let cursor = start;
          for (let k = 0; k < ticks; k++) {
            const r = rotation(total, cursor, ticks);
            for (const i of r.indices) seen.add(i);
            cursor = r.cursor;
          }
          expect(seen.size, `total ${total}, ticks ${ticks}, cursor ${start}`).toBe(total);
        }
      }
    }
  });
});

describe('planScan', () => {
  const table: Array<{
    what: string;
    full?: boolean;
    primed?: string[];
    dirty?: string[];
    unwatched?: string[];
    cursor: number;
    ticks: number;
    floor: number;
    list: string[];
    check: string[];
    next: number;
  }> = [
    {
      what: 'full (start-up, after an error, nothing watched): everything listed',
      full: true,
      dirty: ['c'],
      cursor: 3,
      ticks: 4,
      floor: 0,
      list: dirs,
      check: [],
      next: 3,
    },
    {
      what: 'the first scan: the folders listed at start-up only checked, unless a watcher named them since',
      full: true,
      primed: ['b', 'c', 'd', 'f'],
      dirty: ['c'],
      unwatched: ['d'],
      cursor: 0,
      ticks: 4,
      floor: 0,
      list: ['a', 'c', 'd', 'e', 'g', 'h'],
      check: ['b', 'f'],
      next: 0,
    },
    {
      what: 'idle and healthy: nothing listed, the slice in turn checked',
      cursor: 0,
      ticks: 4,
      floor: 0,
      list: [],
      check: ['a', 'b'],
      next: 2,
    },
    { what: 'the next slice', cursor: 2, ticks: 4, floor: 0, list: [], check: ['c', 'd'], next: 4 },
    {
      what: 'dirty folders are listed, in folder order',
      dirty: ['h', 'e'],
      cursor: 0,
      ticks: 4,
      floor: 0,
      list: ['e', 'h'],
      check: ['a', 'b'],
      next: 2,
    },
    {
      what: 'a folder without a watch is listed every time',
      unwatched: ['g'],
      cursor: 0,
      ticks: 4,
      floor: 0,
      list: ['g'],
      check: ['a', 'b'],
      next: 2,
    },
    {
      what: 'dirty and in the slice: listed, not also checked',
      dirty: ['a'],
      cursor: 0,
      ticks: 4,
      floor: 0,
      list: ['a'],
      check: ['b'],
      next: 2,
    },
    {
      what: 'a slice across the end is checked in folder order',
      cursor: 6,
      ticks: 2,
      floor: 0,
      list: [],
      check: ['a', 'b', 'g', 'h'],
      next: 2,
    },
    {
      what: 'a small org (under the floor) is checked whole every interval',
      cursor: 5,
      ticks: 30,
      floor: SWEEP_FLOOR,
      list: [],
      check: dirs,
      next: 5,
    },
    {
      what: 'a dirty folder that no longer exists is not listed',
      dirty: ['zz'],
      cursor: 0,
      ticks: 8,
      floor: 0,
      list: [],
      check: ['a'],
      next: 1,
    },
  ];
  for (const t of table) {
    it(t.what, () => {
      const plan = planScan(
        dirs,
        {
          full: t.full ?? false,
          dirty: new Set(t.dirty ?? []),
          unwatched: new Set(t.unwatched ?? []),
          cursor: t.cursor,
          primed: new Set(t.primed ?? []),
        },
        t.ticks,
        t.floor,
      );
      expect(plan).toEqual({ list: t.list, check: t.check, cursor: t.next });
    });
  }

  it('10,000 agents at the default 2 s: 667 folders an interval, every folder within 30 intervals (60 s)', () => {
    const many = Array.from({ length: 20_001 }, (_, i) => `d${i}`);
    const ticks = sweepTicks(2_000);
    const seen = new Set<string>();
    let cursor = 0;
    for (let k = 0; k < ticks; k++) {
      const plan = planScan(many, { full: false, dirty: none, unwatched: none, cursor }, ticks);
      expect(plan.list).toEqual([]);
      expect(plan.check.length).toBe(667);
      for (const d of plan.check) seen.add(d);
      cursor = plan.cursor;
    }
    expect(seen.size).toBe(many.length);
  });
});

describe('changedSince: a checked folder is listed when', () => {
  const at = 1_000_000;
  const old = at - RACY_MS - 1;
  const table: Array<{
    what: string;
    prev?: { ctimeMs: number; mtimeMs: number; at: number };
    now: { ctimeMs: number; mtimeMs: number };
    list: boolean;
  }> = [
    { what: 'it was never listed', now: { ctimeMs: old, mtimeMs: old }, list: true },
    {
      what: 'its times are as at the last listing, long before it: not listed',
      prev: { ctimeMs: old, mtimeMs: old, at },
      now: { ctimeMs: old, mtimeMs: old },
      list: false,
    },
    {
      what: 'an entry came or went (mtime moved)',
      prev: { ctimeMs: old, mtimeMs: old, at },
      now: { ctimeMs: old + 5, mtimeMs: old + 5 },
      list: true,
    },
    {
      what: 'its mtime was set back by hand (ctime still moves)',
      prev: { ctimeMs: old, mtimeMs: old, at },
      now: { ctimeMs: at + 10, mtimeMs: old },
      list: true,
    },
    {
      what: 'its times moved backwards',
      prev: { ctimeMs: old, mtimeMs: old, at },
      now: { ctimeMs: old - 1, mtimeMs: old - 1 },
      list: true,
    },
    {
      what: 'unchanged, but changed within RACY_MS of the stamp (same timestamp tick)',
      prev: { ctimeMs: at - RACY_MS, mtimeMs: old, at },
      now: { ctimeMs: at - RACY_MS, mtimeMs: old },
      list: true,
    },
    {
      what: 'unchanged, mtime racy',
      prev: { ctimeMs: old, mtimeMs: at, at },
      now: { ctimeMs: old, mtimeMs: at },
      list: true,
    },
  ];
  for (const t of table) it(t.what, () => expect(changedSince(t.prev, t.now)).toBe(t.list));
});
