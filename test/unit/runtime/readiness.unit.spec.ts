import { describe, expect, it } from 'vitest';
import { STABILITY_MS, readiness, type Observed, type Waiting } from '../../../runtime/decide/readiness.js';

const GRACE = 60_000;
const seen = (o: Partial<Observed> = {}): Observed => ({
  size: 10,
  mtimeMs: 1000,
  openForWriting: false,
  procCanTell: true,
  ...o,
});
const waiting = (o: Partial<Waiting> = {}): Waiting => ({ since: 0, size: 10, mtimeMs: 1000, stableSince: 0, ...o });

describe('readiness: the waiting table, the stability window, write_grace', () => {
  const cases: Array<[string, Waiting | undefined, Observed, number, 'ready' | 'wait' | 'reject', Waiting | null]> = [
    ['closed, /proc can tell: ready at once', undefined, seen(), 5_000, 'ready', null],
    [
      'open for writing, first look: wait, the clock starts now',
      undefined,
      seen({ openForWriting: true }),
      5_000,
      'wait',
      waiting({ since: 5_000, stableSince: 5_000 }),
    ],
    [
      'open for writing, later look: wait, since kept',
      waiting({ since: 1_000 }),
      seen({ openForWriting: true, size: 20 }),
      5_000,
      'wait',
      waiting({ since: 1_000, size: 20, stableSince: 5_000 }),
    ],
    ['closed after waiting: ready, forgotten', waiting({ since: 1_000 }), seen(), 5_000, 'ready', null],
    [
      '/proc cannot tell, first look: wait for the window',
      undefined,
      seen({ procCanTell: false }),
      5_000,
      'wait',
      waiting({ since: 5_000, stableSince: 5_000 }),
    ],
    [
      '/proc cannot tell, unchanged but not long enough',
      waiting({ since: 5_000, stableSince: 5_000 }),
      seen({ procCanTell: false }),
      5_000 + STABILITY_MS - 1,
      'wait',
      waiting({ since: 5_000, stableSince: 5_000 }),
    ],
    [
      '/proc cannot tell, unchanged for the window: ready',
      waiting({ since: 5_000, stableSince: 5_000 }),
      seen({ procCanTell: false }),
      5_000 + STABILITY_MS,
      'ready',
      null,
    ],
    [
      '/proc cannot tell, size changed: the window starts again',
      waiting({ since: 5_000, stableSince: 5_000 }),
      seen({ procCanTell: false, size: 11 }),
      9_000,
      'wait',
      waiting({ since: 5_000, size: 11, stableSince: 9_000 }),
    ],
    [
      '/proc cannot tell, mtime changed: the window starts again',
      waiting({ since: 5_000, stableSince: 5_000 }),
      seen({ procCanTell: false, mtimeMs: 2000 }),
      9_000,
      'wait',
      waiting({ since: 5_000, mtimeMs: 2000, stableSince: 9_000 }),
    ],
    [
      'open exactly write_grace: still waits',
      waiting({ since: 0 }),
      seen({ openForWriting: true }),
      GRACE,
      'wait',
      waiting({ since: 0, stableSince: GRACE }),
    ],
    [
      'open longer than write_grace: rejected, forgotten',
      waiting({ since: 0 }),
      seen({ openForWriting: true }),
      GRACE + 1,
      'reject',
      null,
    ],
    [
      'changing longer than write_grace where /proc cannot tell: rejected',
      waiting({ since: 0, stableSince: GRACE }),
      seen({ procCanTell: false, size: 99 }),
      GRACE + 1,
      'reject',
      null,
    ],
  ];
  for (const [name, prev, obs, now, verdict, next] of cases) {
    it(name, () => {
      const r = readiness(prev, obs, now, GRACE);
      expect(r.verdict).toBe(verdict);
      expect(r.waiting).toEqual(next);
    });
  }

  it('a rejection says how long, the limit and the fix', () => {
    const r = readiness(waiting({ since: 0 }), seen({ openForWriting: true }), 90_000, GRACE);
    if (r.verdict !== 'reject') throw new Error(`expected a rejection, got ${r.verdict}`);
    expect(r.rejection.reason).toBe('the file was still open for writing after 1m 30s (write_grace is 1m)');
    expect(r.rejection.fix).toContain('mv is atomic');
  });
});
