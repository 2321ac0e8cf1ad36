/** Fair intake: the batch a flood leaves room in for everyone else. */
import { describe, expect, it } from 'vitest';
import { fairBatch } from '../../../runtime/decide/fair-batch.js';

const source = (p: string) => p.split('/')[0]!;
const flood = (who: string, n: number) => Array.from({ length: n }, (_, i) => `${who}/${i}`);

describe('fairBatch', () => {
  const table: Array<{ what: string; candidates: string[]; limit: number; batch: string[] }> = [
    { what: 'nothing waiting', candidates: [], limit: 4, batch: [] },
    {
      what: 'one sender fills the batch in its own order',
      candidates: flood('a', 6),
      limit: 4,
      batch: ['a/0', 'a/1', 'a/2', 'a/3'],
    },
    {
      what: "a flood, then one of b's: b's is second",
      candidates: [...flood('a', 6), 'b/0'],
      limit: 4,
      batch: ['a/0', 'b/0', 'a/1', 'a/2'],
    },
    {
      what: 'three senders take turns',
      candidates: [...flood('a', 3), ...flood('b', 3), 'c/0'],
      limit: 6,
      batch: ['a/0', 'b/0', 'c/0', 'a/1', 'b/1', 'a/2'],
    },
    {
      what: 'more senders than room: the first ones in order of first hint',
      candidates: ['a/0', 'b/0', 'c/0'],
      limit: 2,
      batch: ['a/0', 'b/0'],
    },
    {
      what: "interleaved hints keep each sender's own order",
      candidates: ['a/0', 'b/0', 'a/1', 'b/1', 'a/2'],
      limit: 10,
      batch: ['a/0', 'b/0', 'a/1', 'b/1', 'a/2'],
    },
    { what: 'a limit of 0 takes nothing', candidates: ['a/0'], limit: 0, batch: [] },
  ];
  for (const t of table) it(t.what, () => expect(fairBatch(t.candidates, t.limit, source)).toEqual(t.batch));

  it('20,000 from a and one from b: b is in the first batch, and no sender has more than its share while others wait', () => {
    const candidates = [...flood('a', 20_000), 'b/0', ...flood('c', 100)];
    const batch = fairBatch(new Set(candidates), 256, source);
    expect(batch).toHaveLength(256);
    expect(batch.indexOf('b/0')).toBe(1);
    expect(batch.filter((p) => p.startsWith('c/'))).toHaveLength(100);
    expect(batch.filter((p) => p.startsWith('a/'))).toHaveLength(155);
    const even = fairBatch([...flood('a', 500), ...flood('b', 500)], 256, source);
    expect(even.filter((p) => p.startsWith('a/'))).toHaveLength(128);
  });
});
