/**
 * The thread index's tier on disk (.mailroom/threads.db, SQLite) against a plain model of
 * reply_to's rule, on seeded random traffic: every lookup answers as the model, through flushes,
 * checkpoints and a reopen of the file (a restart from a snapshot), while memory holds only the
 * hot window; idle threads leave the file. A damaged file is kept aside and a new one started.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadIndex } from '../../../runtime/state/thread-index.js';
import { hotWindow } from '../../../runtime/state/cold-threads.js';
import { ThreadStore } from '../../../runtime/daemon/thread-store.js';
import type { ThreadInfo } from '../../../runtime/decide/accept.js';
import { prng } from '../../support/random.js';
import { seededMessage } from '../../support/threads.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tmpFile(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-threads-'));
  dirs.push(d);
  return path.join(d, 'threads.db');
}

const idOf = (n: number) => (n % 11 === 0 ? `odd-${n}` : n.toString(36).padStart(12, '0'));

describe('ThreadStore (SQLite), seeded, against the model', () => {
  for (const seed of [31, 32]) {
    it(`seed ${seed}: the same answers through flushes, a reopen and expiry`, () => {
      const file = tmpFile();
      const rng = prng(seed);
      const ttl = 400;
      let store = ThreadStore.open(file, (t) => expect.fail(t));
      let t = new ThreadIndex();
      t.cold = store;
      const byId = new Map<string, ThreadInfo>();
      const active = new Map<string, number>();
      const model = (id: string, now: number) => {
        const info = byId.get(id);
        const last = info && active.get(info.thread);
        return info && last !== undefined && last >= now - ttl ? info : undefined;
      };
      let now = 2_000_000;
      const ids: string[] = [];
      for (let i = 0; i < 4000; i++) {
        now += Math.floor(rng() * 3);
        const id = idOf(i);
        const info = seededMessage(rng, i, id, ids, 900, (q) => model(q, now));
        t.note(id, info, now);
        byId.set(id, info);
        active.set(info.thread, now);
        ids.push(id);
        t.sweep(now, ttl, 8);
        if (rng() < 0.3) store.flush(); // the journal flushes after each commit
        for (let k = 0; k < 3; k++) {
          const q = ids[Math.floor(rng() * ids.length)]!;
          expect(t.get(q, now, ttl)).toEqual(model(q, now));
        }
        if (i === 2500) {
          const { meta, columns } = t.serialise();
          store.checkpoint();
          store.close();
          store = ThreadStore.open(file, (text) => expect.fail(text));
          t = ThreadIndex.deserialise(JSON.parse(JSON.stringify(meta)), Buffer.from(columns));
          t.cold = store;
        }
      }
      store.flush();
      expect(t.size).toBeLessThan(ids.length / 4);
      expect(store.counts().messages).toBeGreaterThan(t.size);
      for (let k = 0; k < 10_000 && t.size > 0; k++) t.sweep(now + 10 * ttl, ttl, 8);
      t.sweep(now + 10 * ttl, ttl, 8);
      for (let k = 0; k < 10 && store.counts().threads > 0; k++) store.flush();
      expect(store.counts()).toEqual({ messages: 0, threads: 0 });
      expect(hotWindow(ttl)).toBe(200);
      store.close();
    });
  }

  it('a damaged file is kept aside with a warning, and a new index started', () => {
    const file = tmpFile();
    fs.writeFileSync(file, 'not a database, a text someone wrote here\n'.repeat(200));
    const warnings: string[] = [];
    const store = ThreadStore.open(file, (t) => warnings.push(t), new Date('2026-11-30T10:00:00Z'));
    store.put('000000000001', { thread: '000000000001', hops: 0, from: 'ann' });
    store.flush();
    expect(store.get('000000000001')).toEqual({ thread: '000000000001', hops: 0, from: 'ann' });
    store.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/threads\.db could not be opened .*kept as threads\.db\.damaged-20261130T100000\.000Z/);
    expect(fs.readFileSync(`${file}.damaged-20261130T100000.000Z`, 'utf8')).toMatch(/^not a database/);
  });
});
