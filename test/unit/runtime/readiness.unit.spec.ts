import { describe, expect, it } from 'vitest';
import {
  STABILITY_MS,
  readiness,
  takeChanged,
  type Look,
  type Observed,
  type TakeCheck,
  type Waiting,
} from '../../../runtime/decide/readiness.js';

const GRACE = 60_000;
const SETTLE = 1_000;
const limits = { settle: SETTLE, writeGrace: GRACE };
// A file last changed (ctime) at 4_500, first looked at 5_000 (unless a case says otherwise).
const seen = (o: Partial<Observed> = {}): Observed => ({
  ino: 7,
  size: 10,
  mtimeMs: 4_500,
  ctimeMs: 4_500,
  openForWriting: false,
  procCanTell: true,
  ...o,
});
const waiting = (o: Partial<Waiting> = {}): Waiting => ({
  ino: 7,
  size: 10,
  mtimeMs: 4_500,
  ctimeMs: 4_500,
  since: 5_000,
  stableSince: 4_500,
  ...o,
});

describe('readiness: open for writing, settle, the stability window, write_grace', () => {
  const cases: Array<[string, Waiting | undefined, Observed, number, 'ready' | 'wait' | 'reject', Waiting | null]> = [
    // Closed files: ready once unchanged for settle, counted from the ctime (never later than now).
    ['closed, changed 0.5 s ago: waits for settle', undefined, seen(), 5_000, 'wait', waiting()],
    [
      'closed, untouched for longer than settle before the first look: ready at once',
      undefined,
      seen({ ctimeMs: 3_000, mtimeMs: 3_000 }),
      5_000,
      'ready',
      null,
    ],
    ['closed, untouched for exactly settle: ready', undefined, seen({ ctimeMs: 4_000 }), 5_000, 'ready', null],
    ['closed, unchanged on the next look but settle not yet over', waiting(), seen(), 5_499, 'wait', waiting()],
    ['closed, unchanged for settle: ready, forgotten', waiting(), seen(), 5_500, 'ready', null],
    [
      'a ctime in the future (another clock): counted from now',
      undefined,
      seen({ ctimeMs: 99_000 }),
      5_000,
      'wait',
      waiting({ ctimeMs: 99_000, stableSince: 5_000 }),
    ],
    // Any change restarts settle: size, mtime, ctime, inode (an editor writing a new file).
    [
      'size changed (an append): settle starts again',
      waiting(),
      seen({ size: 11, ctimeMs: 5_300, mtimeMs: 5_300 }),
      5_400,
      'wait',
      waiting({ size: 11, ctimeMs: 5_300, mtimeMs: 5_300, stableSince: 5_300 }),
    ],
    [
      'same size, rewritten (mtime, ctime moved): settle starts again',
      waiting(),
      seen({ ctimeMs: 5_200, mtimeMs: 5_200 }),
      5_600,
      'wait',
      waiting({ ctimeMs: 5_200, mtimeMs: 5_200, stableSince: 5_200 }),
    ],
    [
      'touched only (ctime moved): settle starts again',
      waiting(),
      seen({ ctimeMs: 5_200 }),
      5_600,
      'wait',
      waiting({ ctimeMs: 5_200, stableSince: 5_200 }),
    ],
    [
      'replaced by a new file (inode): settle starts again',
      waiting(),
      seen({ ino: 8, ctimeMs: 5_200 }),
      5_600,
      'wait',
      waiting({ ino: 8, ctimeMs: 5_200, stableSince: 5_200 }),
    ],
    [
      'truncated to empty and closed: waits like any change',
      waiting(),
      seen({ size: 0, ctimeMs: 5_200, mtimeMs: 5_200 }),
      5_600,
      'wait',
      waiting({ size: 0, ctimeMs: 5_200, mtimeMs: 5_200, stableSince: 5_200 }),
    ],
    [
      'empty for longer than settle: ready (then rejected as empty by its reader)',
      waiting({ size: 0, stableSince: 5_200 }),
      seen({ size: 0 }),
      6_200,
      'ready',
      null,
    ],
    // Open for writing: never ready, whatever its age; settle counts from the last look that saw it open.
    [
      'open for writing, untouched for an hour: waits',
      undefined,
      seen({ openForWriting: true, ctimeMs: 0, mtimeMs: 0 }),
      5_000,
      'wait',
      waiting({ ctimeMs: 0, mtimeMs: 0, stableSince: 5_000 }),
    ],
    [
      'open for writing, later look: waits, since kept',
      waiting({ since: 1_000 }),
      seen({ openForWriting: true, size: 20 }),
      5_000,
      'wait',
      waiting({ since: 1_000, size: 20, stableSince: 5_000 }),
    ],
    [
      'closed just after a look that saw it open: waits settle from that look',
      waiting({ since: 1_000, stableSince: 5_000 }),
      seen(),
      5_900,
      'wait',
      waiting({ since: 1_000, stableSince: 5_000 }),
    ],
    [
      'closed and unchanged for settle since the last open look: ready',
      waiting({ since: 1_000, stableSince: 5_000 }),
      seen(),
      6_000,
      'ready',
      null,
    ],
    // settle: 0 takes a closed file at once.
    ['settle 0: closed, changed just now: ready', undefined, seen({ ctimeMs: 5_000 }), 5_000, 'ready', null],
    // Where /proc cannot tell: at least STABILITY_MS, whatever settle says.
    [
      '/proc cannot tell: unchanged for settle is not enough',
      waiting({ stableSince: 5_000 }),
      seen({ procCanTell: false }),
      5_000 + SETTLE,
      'wait',
      waiting({ stableSince: 5_000 }),
    ],
    [
      '/proc cannot tell: unchanged for the window: ready',
      waiting({ stableSince: 5_000 }),
      seen({ procCanTell: false }),
      5_000 + STABILITY_MS,
      'ready',
      null,
    ],
    // write_grace.
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
      'changing longer than write_grace: rejected',
      waiting({ since: 0, stableSince: GRACE - 10 }),
      seen({ size: 99, ctimeMs: GRACE }),
      GRACE + 1,
      'reject',
      null,
    ],
  ];
  for (const [name, prev, obs, now, verdict, next] of cases) {
    it(name, () => {
      const r = readiness(prev, obs, now, name.startsWith('settle 0') ? { ...limits, settle: 0 } : limits);
      expect(r.verdict).toBe(verdict);
      expect(r.waiting).toEqual(next);
    });
  }

  it('a rejection says how long, the limit and the fix: open for writing', () => {
    const r = readiness(waiting({ since: 0 }), seen({ openForWriting: true }), 90_000, limits);
    if (r.verdict !== 'reject') throw new Error(`expected a rejection, got ${r.verdict}`);
    expect(r.rejection.reason).toBe('the file was still open for writing after 1m 30s (write_grace is 1m)');
    expect(r.rejection.fix).toContain('mv is atomic');
  });

  it('a rejection says how long, the limit and the fix: still changing', () => {
    const r = readiness(waiting({ since: 0 }), seen({ ctimeMs: 89_900 }), 90_000, limits);
    if (r.verdict !== 'reject') throw new Error(`expected a rejection, got ${r.verdict}`);
    expect(r.rejection.reason).toBe(
      'the file was still changing after 1m 30s (write_grace is 1m; it is taken once unchanged for settle, 1s)',
    );
  });
});

describe('takeChanged: what was read is what is there', () => {
  const look = (o: Partial<Look> = {}): Look => ({ ino: 7, size: 10, mtimeMs: 4_500, ctimeMs: 4_500, ...o });
  // After a rename into the spool ctime moved (6_000): never compared with the look before the take.
  const read = (o: Partial<Look & { bytes: number; limit: number }> = {}) => ({
    ...look({ ctimeMs: 6_000 }),
    bytes: 10,
    limit: 100,
    ...o,
  });
  const check = (o: Partial<TakeCheck> = {}): TakeCheck => ({
    before: look(),
    read: read(),
    after: look({ ctimeMs: 6_000 }),
    writer: false,
    ...o,
  });
  const cases: Array<[string, TakeCheck, string | null]> = [
    ['unchanged, nobody writes: intact', check(), null],
    ['a refused read (too large), unchanged: intact', check({ read: null }), null],
    [
      'over the limit, limit + 1 bytes read: intact',
      check({
        before: look({ size: 500 }),
        read: read({ size: 500, bytes: 101 }),
        after: look({ size: 500, ctimeMs: 6_000 }),
      }),
      null,
    ],
    ['a writer holds the taken file', check({ writer: true }), 'a process holds it open for writing'],
    ['gone', check({ after: null }), 'it is gone'],
    ['another inode there', check({ after: look({ ino: 8, ctimeMs: 6_000 }) }), 'it was replaced'],
    [
      'truncated before the read (the reopen race)',
      check({ read: read({ size: 0, bytes: 0 }), after: look({ size: 0, ctimeMs: 6_000 }) }),
      'its size went from 10 to 0 bytes',
    ],
    [
      'rewritten, same size',
      check({ read: read({ mtimeMs: 6_100 }), after: look({ mtimeMs: 6_100, ctimeMs: 6_100 }) }),
      'it was written to',
    ],
    ['touched while read (ctime)', check({ after: look({ ctimeMs: 6_100 }) }), 'it changed while it was read'],
    ['fewer bytes read than its size', check({ read: read({ bytes: 4 }) }), '4 of its 10 bytes could be read'],
  ];
  for (const [name, t, want] of cases) it(name, () => expect(takeChanged(t)).toBe(want));
});
