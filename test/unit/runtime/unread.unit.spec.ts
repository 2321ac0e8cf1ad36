import { describe, expect, it } from 'vitest';
import { inboxName } from '../../../bus/names.js';
import { backlogs, isStuck, unreadAlerts, unreadCheckEvery, type StuckAfter } from '../../../runtime/decide/unread.js';

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

  it('groups stuck mail by agent and priority: the count and the oldest, skipping other files and the fresh', () => {
    const inboxes: Array<[string, string[]]> = [
      [
        'cfo',
        [
          name('aaaaaaaaaaaa', 'critical', 6),
          name('bbbbbbbbbbbb', 'critical', 1),
          'notes.md',
          name('cccccccccccc', 'high', 31),
          name('ffffffffffff', 'critical', 9),
        ],
      ],
      ['legal', [name('aaaaaaaaaaaa', 'critical', 6), name('dddddddddddd', 'normal', 10)]],
      ['operator', [name('eeeeeeeeeeee', 'critical', 600)]],
    ];
    const got = backlogs(inboxes, STUCK, T0).map((b) => [b.agent, b.priority, b.count, b.id, b.ageMs, b.limitMs]);
    expect(got).toEqual([
      ['cfo', 'critical', 2, 'ffffffffffff', 9 * MIN, 5 * MIN],
      ['cfo', 'high', 1, 'cccccccccccc', 31 * MIN, 30 * MIN],
      ['legal', 'critical', 1, 'aaaaaaaaaaaa', 6 * MIN, 5 * MIN],
    ]);
  });

  it('the same message twice in one inbox counts once', () => {
    const n = name('aaaaaaaaaaaa', 'critical', 6);
    expect(backlogs([['cfo', [n, n]]], STUCK, T0)[0]!.count).toBe(1);
  });

  const key = (agent: string, p: string) => `${agent}:${p}`;
  const backlog = (agent: string, count: number) => ({
    agent,
    priority: 'high' as const,
    count,
    name: 'n',
    id: 'aaaaaaaaaaaa',
    ageMs: 1,
    limitMs: 1,
  });
  const decisionCases: Array<[string, number[], Array<[string, number]>, string[]]> = [
    // what, counts of cfo's and legal's backlogs (0: none), standing alerts, decisions
    ['a new backlog is alerted', [1, 0], [], ['alert cfo 1']],
    ['a standing one that has not doubled is not', [3, 0], [['cfo:high', 2]], []],
    ['renewed when it has doubled', [4, 0], [['cfo:high', 2]], ['alert cfo 4']],
    ['50,000 at once: one alert', [50_000, 0], [], ['alert cfo 50000']],
    ['a backlog that is gone is cleared', [0, 1], [['cfo:high', 7]], ['alert legal 1', 'clear cfo:high']],
  ];
  for (const [what, [cfo, legal], standing, want] of decisionCases) {
    it(`unreadAlerts: ${what}`, () => {
      const current = [...(cfo ? [backlog('cfo', cfo)] : []), ...(legal ? [backlog('legal', legal)] : [])];
      const got = unreadAlerts(current, new Map(standing.map(([k, count]) => [k, { count }])), key).map((d) =>
        d.kind === 'alert' ? `alert ${d.backlog.agent} ${d.backlog.count}` : `clear ${d.agent}:${d.priority}`,
      );
      expect(got).toEqual(want);
    });
  }

  it('a backlog growing one by one from 1 to 50,000 is alerted 16 times', () => {
    const standing = new Map<string, { count: number }>();
    let alerts = 0;
    for (let n = 1; n <= 50_000; n++) {
      for (const d of unreadAlerts([backlog('cfo', n)], standing, key))
        if (d.kind === 'alert') alerts++, standing.set('cfo:high', { count: n });
    }
    expect(alerts).toBe(16);
  });

  const everyCases: Array<[string, number, StuckAfter, number]> = [
    ['a tenth of the shortest stuck_after', 1000, STUCK, 30_000],
    ['never more often than scan_interval', 5000, { ...STUCK, critical: 10_000 }, 5000],
    ['a tenth when that is between the two', 1000, { ...STUCK, critical: 100_000 }, 10_000],
  ];
  for (const [what, scan, stuck, every] of everyCases)
    it(`unreadCheckEvery: ${what}`, () => expect(unreadCheckEvery(scan, stuck)).toBe(every));
});
