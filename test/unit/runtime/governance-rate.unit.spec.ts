/** Refused files count towards messages_per_minute (decide/govern.ts rateTrip, the fold of message.rejected). */
import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../../bus/events.js';
import { parseConfigText } from '../../../runtime/config/load.js';
import { rateTrip } from '../../../runtime/decide/govern.js';
import { foldState } from '../../../runtime/state/state.js';

const config = parseConfigText('agents:\n  a: { messages_per_minute: 3 }\n  b: {}\n', '/srv/org/mailroom.yaml');
const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const at = (sec: number) => new Date(T0 + sec * 1000).toISOString();

function rejected(seq: number, from: string, sec: number, source: 'outbox' | 'inbox' = 'outbox'): BusEvent {
  return {
    seq,
    time: at(sec),
    type: 'message.rejected',
    id: `r${seq}`,
    from,
    source,
    origin: `bad-${seq}.md`,
    reason: 'to: names no agent',
    fix: 'Name an agent.',
    kept: `bus/deadletter/r${seq}-bad-${seq}.md`,
    bounce: `b${seq}`,
  } as BusEvent;
}

describe('refused files and the rate breaker', () => {
  it.each([
    ['two refused files in a minute: no pause', [rejected(1, 'a', 0), rejected(2, 'a', 10)], 20, false],
    [
      'three refused files in a minute: paused',
      [rejected(1, 'a', 0), rejected(2, 'a', 10), rejected(3, 'a', 20)],
      20,
      true,
    ],
    [
      'three, the first over a minute before: no pause',
      [rejected(1, 'a', 0), rejected(2, 'a', 50), rejected(3, 'a', 70)],
      70,
      false,
    ],
    [
      'drops into an inbox (a person) do not count',
      [rejected(1, 'a', 0, 'inbox'), rejected(2, 'a', 1, 'inbox'), rejected(3, 'a', 2, 'inbox')],
      2,
      false,
    ],
    [
      'another agent, under the default 120: no pause',
      [rejected(1, 'b', 0), rejected(2, 'b', 1), rejected(3, 'b', 2)],
      2,
      false,
    ],
  ])('%s', (_what, events, sec, paused) => {
    const s = foldState(events);
    const from = (events.at(-1) as { from: string }).from;
    const out = rateTrip(config, s.governance, { from, time: at(sec), task: false, id: 'x' });
    expect(out.some((e) => e.type === 'agent.paused')).toBe(paused);
    if (paused)
      expect(out[0]).toMatchObject({
        agent: 'a',
        cause: 'messages_per_minute',
        detail: expect.stringContaining('refused ones counted'),
      });
  });

  it('an agent already paused is not paused again', () => {
    const s = foldState([
      {
        seq: 1,
        time: at(0),
        type: 'agent.paused',
        agent: 'a',
        cause: 'operator',
        detail: 'by hand',
        by: 'operator',
      } as BusEvent,
      rejected(2, 'a', 1),
      rejected(3, 'a', 2),
      rejected(4, 'a', 3),
    ]);
    expect(rateTrip(config, s.governance, { from: 'a', time: at(3), task: false, id: 'x' })).toEqual([]);
  });
});
