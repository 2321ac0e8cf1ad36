import { describe, expect, it } from 'vitest';
import { inboxName } from '../../../bus/names.js';
import { isStuck, unreadAlerts, unreadCheckEvery, type StuckAfter } from '../../../runtime/decide/unread.js';

const MIN = 60_000;
const STUCK: StuckAfter = { critical: 5 * MIN, high: 30 * MIN, normal: 4 * 60 * MIN, low: 24 * 60 * MIN };
const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const name = (id: string, priority: keyof StuckAfter, minutesAgo: number) =>
  inboxName({ priority, sent: new Date(T0 - minutesAgo * MIN).toISOString(), id, subject: 'hello' });

describe('unread mail: one rule for the alerts and for status', () => {
  const stuckCases: Array<[string, string, keyof StuckAfter, number, boolean]> = [
    ['critical, just over stuck_after', 'cfo', 'critical', 5 * MIN + 1, true],
    ['critical, exactly stuck_after: not yet', 'cfo', 'critical', 5 * MIN, false],
    ['low, an hour: not stuck', 'cfo', 'low', 60 * MIN, false],
    ['low, over a day: stuck', 'cfo', 'low', 24 * 60 * MIN + 1, true],
    ["the operator's own inbox is never stuck", 'operator', 'critical', 999 * MIN, false],
  ];
  for (const [what, agent, priority, age, stuck] of stuckCases)
    it(`isStuck: ${what}`, () => expect(isStuck(agent, priority, age, STUCK)).toBe(stuck));

  it('alerts each stuck message once, skipping the alerted, other files and the fresh', () => {
    const inboxes: Array<[string, string[]]> = [
      [
        'cfo',
        [
          name('aaaaaaaaaaaa', 'critical', 6),
          name('bbbbbbbbbbbb', 'critical', 1),
          'notes.md',
          name('cccccccccccc', 'high', 31),
        ],
      ],
      ['legal', [name('aaaaaaaaaaaa', 'critical', 6), name('dddddddddddd', 'normal', 10)]],
      ['operator', [name('eeeeeeeeeeee', 'critical', 600)]],
    ];
    const alerted = (id: string, agent: string) => id === 'cccccccccccc' && agent === 'cfo';
    const got = unreadAlerts(inboxes, STUCK, alerted, T0).map((s) => [s.agent, s.id, s.priority, s.ageMs, s.limitMs]);
    expect(got).toEqual([
      ['cfo', 'aaaaaaaaaaaa', 'critical', 6 * MIN, 5 * MIN],
      ['legal', 'aaaaaaaaaaaa', 'critical', 6 * MIN, 5 * MIN],
    ]);
  });

  it('the same message twice in one inbox is alerted once', () => {
    const n = name('aaaaaaaaaaaa', 'critical', 6);
    expect(unreadAlerts([['cfo', [n, n]]], STUCK, () => false, T0)).toHaveLength(1);
  });

  const everyCases: Array<[string, number, StuckAfter, number]> = [
    ['a tenth of the shortest stuck_after', 1000, STUCK, 30_000],
    ['never more often than scan_interval', 5000, { ...STUCK, critical: 10_000 }, 5000],
    ['a tenth when that is between the two', 1000, { ...STUCK, critical: 100_000 }, 10_000],
  ];
  for (const [what, scan, stuck, every] of everyCases)
    it(`unreadCheckEvery: ${what}`, () => expect(unreadCheckEvery(scan, stuck)).toBe(every));
});
