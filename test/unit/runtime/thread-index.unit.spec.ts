/**
 * The compact thread index against a model of the rule it implements (a Map per message and a
 * Map per thread), on seeded random operations: the same answers for every lookup, the same
 * messages held once swept, and a snapshot form that round-trips. Also its parts: ids packed
 * into numbers, the name pool's reference counts, the hash map's deletions.
 */
import { describe, expect, it } from 'vitest';
import { CodeMap } from '../../../runtime/state/code-map.js';
import { ODD, Pool, findCode, packId, releaseCode, retainCode, unpackId } from '../../../runtime/state/codes.js';
import { ThreadIndex } from '../../../runtime/state/thread-index.js';
import { MemoryColdThreads, hotWindow } from '../../../runtime/state/cold-threads.js';
import type { ThreadInfo } from '../../../runtime/decide/accept.js';
import { prng } from '../../support/random.js';
import { seededMessage } from '../../support/threads.js';

describe('ids as numbers', () => {
  const table: Array<[string, boolean]> = [
    ['000000000000', true],
    ['zzzzzzzzzzzz', true],
    ['a1b2c3d4e5f6', true],
    ['A1B2C3D4E5F6', false],
    ['short', false],
    ['a1b2c3d4e5f6x', false],
    ['bob@acme', false],
  ];
  for (const [id, packs] of table)
    it(`${id}: ${packs ? 'packs and unpacks' : 'is interned'}`, () => {
      const p = packId(id);
      expect(p !== null).toBe(packs);
      if (p) {
        expect(p[0]).toBeLessThan(ODD);
        expect(unpackId(p[0], p[1])).toBe(id);
      }
    });

  it('an odd string lives in the pool while referenced, then is freed', () => {
    const pool = new Pool();
    const [hi, lo] = retainCode(pool, 'thread-from-elsewhere');
    expect(hi).toBe(ODD);
    retainCode(pool, 'thread-from-elsewhere');
    releaseCode(pool, hi, lo);
    expect(findCode(pool, 'thread-from-elsewhere')).toEqual([ODD, lo]);
    releaseCode(pool, hi, lo);
    expect(findCode(pool, 'thread-from-elsewhere')).toBeNull();
    expect(pool.size).toBe(0);
  });
});

describe('CodeMap (seeded, against a Map)', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: the same entries after random sets and deletes`, () => {
      const rng = prng(seed);
      const m = new CodeMap();
      const model = new Map<string, number>();
      for (let i = 0; i < 8000; i++) {
        // few distinct keys, so deletes hit and probe runs wrap around
        const [hi, lo] = [Math.floor(rng() * 40), Math.floor(rng() * 40)];
        const k = `${hi},${lo}`;
        if (rng() < 0.45) {
          expect(m.delete(hi, lo)).toBe(model.delete(k));
        } else {
          const v = Math.floor(rng() * 1e9);
          expect(m.set(hi, lo, v)).toBe(!model.has(k));
          model.set(k, v);
        }
        expect(m.get(hi, lo)).toBe(model.get(k));
      }
      expect(m.size).toBe(model.size);
      for (const [k, v] of model) {
        const [hi, lo] = k.split(',').map(Number) as [number, number];
        expect(m.get(hi, lo)).toBe(v);
      }
    });
  }
});

/** The rule the index implements, as plainly as possible. */
class Model {
  byId = new Map<string, ThreadInfo>();
  active = new Map<string, number>();
  note(id: string, info: ThreadInfo, now: number) {
    this.byId.set(id, info);
    this.active.set(info.thread, now);
  }
  get(id: string, now: number, ttl: number) {
    const info = this.byId.get(id);
    const last = info && this.active.get(info.thread);
    return info && last !== undefined && last >= now - ttl ? info : undefined;
  }
}

const idOf = (n: number) => (n % 7 === 0 ? `odd-${n}` : n.toString(36).padStart(12, '0'));

describe('ThreadIndex (seeded, against the model)', () => {
  for (const seed of [11, 12, 13, 14]) {
    it(`seed ${seed}: every lookup answers as the model; idle threads leave memory; the snapshot form round-trips`, () => {
      const rng = prng(seed);
      const ttl = 500;
      const t = new ThreadIndex();
      const model = new Model();
      let now = 1_000_000;
      const ids: string[] = [];
      for (let i = 0; i < 6000; i++) {
        now += Math.floor(rng() * 4);
        const id = idOf(i);
        // A reply names a message reply_to still knows (as the daemon's decide requires).
        const info = seededMessage(rng, i, id, ids, 300, (q) => model.get(q, now, ttl));
        t.note(id, info, now);
        model.note(id, info, now);
        ids.push(id);
        t.sweep(now, ttl, 8);
        for (let k = 0; k < 2; k++) {
          const q = ids[Math.floor(rng() * ids.length)]!;
          expect(t.get(q, now, ttl)).toEqual(model.get(q, now, ttl));
        }
      }
      // Much later, with sweeping: every thread idle, everything forgotten.
      const { meta, columns } = t.serialise();
      const back = ThreadIndex.deserialise(JSON.parse(JSON.stringify(meta)), Buffer.from(columns));
      expect([...back.entries()]).toEqual([...t.entries()]);
      expect(back.serialise()).toEqual(t.serialise());
      for (let k = 0; k < 20_000 && t.size > 0; k++) t.sweep(now + 10 * ttl, ttl, 8);
      expect([t.size, t.threads]).toEqual([0, 0]);
    });
  }

  it('a message of a thread still active is kept however old the message', () => {
    const t = new ThreadIndex();
    t.note('000000000001', { thread: '000000000001', hops: 0, from: 'ann' }, 0);
    for (let s = 100; s <= 1000; s += 100) {
      t.note(`00000000${String(s).padStart(4, '0')}`, { thread: '000000000001', hops: 1, from: 'bob' }, s);
      t.sweep(s, 150, 8);
    }
    expect(t.get('000000000001', 1000, 150)).toEqual({ thread: '000000000001', hops: 0, from: 'ann' });
    expect(t.info('000000000001')?.from).toBe('ann');
  });
});

describe('ThreadIndex with a second tier (memory holds only the hot window)', () => {
  for (const seed of [21, 22, 23]) {
    it(`seed ${seed}: every lookup answers as the model; memory holds the last hotWindow only; idle threads leave the tier`, () => {
      const rng = prng(seed);
      const ttl = 500;
      const cold = new MemoryColdThreads();
      let t = new ThreadIndex();
      t.cold = cold;
      const model = new Model();
      let now = 1_000_000;
      const ids: string[] = [];
      const noted: number[] = [];
      for (let i = 0; i < 6000; i++) {
        now += Math.floor(rng() * 4);
        const id = idOf(i);
        const info = seededMessage(rng, i, id, ids, 1500, (q) => model.get(q, now, ttl));
        t.note(id, info, now);
        model.note(id, info, now);
        ids.push(id);
        noted.push(now);
        t.sweep(now, ttl, 8);
        for (let k = 0; k < 3; k++) {
          const q = ids[Math.floor(rng() * ids.length)]!;
          expect(t.get(q, now, ttl)).toEqual(model.get(q, now, ttl));
          if (model.get(q, now, ttl)) expect(t.has(q)).toBe(true);
        }
        if (i === 3000) {
          // a restart: the snapshot holds memory's part; the tier is the same one on disk
          const { meta, columns } = t.serialise();
          t = ThreadIndex.deserialise(JSON.parse(JSON.stringify(meta)), Buffer.from(columns));
          t.cold = cold;
        }
      }
      const hot = noted.filter((s) => s >= now - hotWindow(ttl)).length;
      expect(t.size).toBeLessThanOrEqual(hot + 16); // the sweep is at most a few steps behind
      expect(cold.messages.size).toBeGreaterThan(t.size);
      for (let k = 0; k < 20_000 && t.size > 0; k++) t.sweep(now + 10 * ttl, ttl, 8);
      t.sweep(now + 10 * ttl, ttl, 8); // the tier expires what the last sweep moved to it
      expect([t.size, t.threads, cold.messages.size, cold.threads.size]).toEqual([0, 0, 0, 0]);
    });
  }

  const table: Array<[string, number, number | undefined]> = [
    // [case, when asked (s after the note), the thread's answer: undefined = unknown]
    ['in memory', 100, 0],
    ['in the tier, thread active', 400, 0],
    ['in the tier, thread idle past the ttl', 1001, undefined],
  ];
  for (const [name, at, want] of table)
    it(`a message ${name}`, () => {
      const t = new ThreadIndex();
      const cold = new MemoryColdThreads();
      t.cold = cold;
      t.note('000000000000', { thread: '000000000000', hops: 0, from: 'ann' }, 0);
      t.sweep(at, 1000, 8);
      expect(t.get('000000000000', at, 1000)?.hops).toBe(want);
      expect(cold.messages.has('000000000000')).toBe(at > hotWindow(1000) && at <= 1000);
    });

  it('a reply renews a thread whose messages are all in the tier', () => {
    const t = new ThreadIndex();
    t.cold = new MemoryColdThreads();
    t.note('000000000001', { thread: '000000000001', hops: 0, from: 'ann' }, 0);
    t.sweep(900, 1000, 8); // the message and its thread's activity (0) go to the tier
    expect(t.size).toBe(0);
    t.note('000000000002', { thread: '000000000001', hops: 1, from: 'bob' }, 950);
    expect(t.get('000000000001', 1500, 1000)).toEqual({ thread: '000000000001', hops: 0, from: 'ann' });
    expect(t.get('000000000001', 1951, 1000)).toBeUndefined();
  });
});
