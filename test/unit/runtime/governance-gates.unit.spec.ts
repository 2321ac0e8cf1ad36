/** Why an agent's runs wait for governance (paused, budgets) and the mail after a run's usage (decide/gates.ts). */
import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../../bus/events.js';
import { parseConfigText } from '../../../runtime/config/load.js';
import { afterUsage, budgetLevel, budgetWaitMails, governanceBlocker, nextDay } from '../../../runtime/decide/gates.js';
import { foldState } from '../../../runtime/state/state.js';

const config = parseConfigText(
  `budget_daily_usd: 10
context_warn: 1000
agents:
  a: { command: x, lane: l, budget_daily_usd: 1 }
  b: { command: x, lane: l }
  c: { command: x, context_warn: 5000 }
lanes: { l: { budget_daily_usd: 3 } }
`,
  '/srv/org/mailroom.yaml',
);
const DAY = '2026-06-01';
let seq = 0;
const spent = (agent: string, usd: number, time = `${DAY}T10:00:00.000Z`): BusEvent => ({
  seq: ++seq,
  time,
  type: 'handler.succeeded',
  id: `m${seq}`.padEnd(12, '0'),
  agent,
  attempt: 1,
  duration_ms: 1,
  usage: { input_tokens: 1, output_tokens: 1, cost_usd: usd },
});
const at = (t: string) => Date.parse(`${DAY}T${t}Z`);
const block = (events: BusEvent[], agent: string, now = at('12:00:00')) => {
  const s = foldState(events);
  const b = governanceBlocker(s.governance, s.board, config, agent, now);
  return (
    b &&
    (b.kind === 'paused'
      ? `paused: ${b.detail}`
      : b.kind === 'task_budget'
        ? `task ${b.task}`
        : `${b.scope} ${b.spent}/${b.budget} until ${new Date(b.until).toISOString()}`)
  );
};

describe('governanceBlocker', () => {
  it.each([
    ['nothing spent', [], 'a', null],
    ['under its own budget', [spent('a', 0.99)], 'a', null],
    ['at its own budget', [spent('a', 1)], 'a', `agent a 1/1 until 2026-06-02T00:00:00.000Z`],
    ['another agent is not held by a', [spent('a', 1)], 'b', null],
    [
      'the lane: a and b together',
      [spent('a', 0.5), spent('b', 2.5)],
      'b',
      'lane l 3/3 until 2026-06-02T00:00:00.000Z',
    ],
    ['the org: everyone together', [spent('c', 10)], 'c', 'org 10/10 until 2026-06-02T00:00:00.000Z'],
    ['yesterday does not count', [spent('a', 5, '2026-05-31T23:59:59.000Z')], 'a', null],
  ])('%s', (_what, events, agent, want) => expect(block(events as BusEvent[], agent)).toBe(want));

  it('the day turns at 00:00 UTC; a resume lifts the budget for the rest of that day', () => {
    const events = [spent('a', 2)];
    expect(block(events, 'a', at('23:59:59'))).toMatch(/^agent a/);
    expect(block(events, 'a', Date.parse('2026-06-02T00:00:00.000Z'))).toBe(null);
    const resumed: BusEvent = {
      seq: ++seq,
      time: `${DAY}T13:00:00.000Z`,
      type: 'agent.resumed',
      agent: 'a',
      by: 'operator',
    };
    expect(block([...events, resumed], 'a', at('14:00:00'))).toBe(null);
    expect(nextDay(at('14:00:00'))).toBe(Date.parse('2026-06-02T00:00:00.000Z'));
  });

  it('a paused agent waits whatever its budget', () => {
    const paused: BusEvent = {
      seq: ++seq,
      time: `${DAY}T11:00:00.000Z`,
      type: 'agent.paused',
      agent: 'c',
      cause: 'operator',
      detail: 'paused by operator',
      by: 'operator',
    };
    expect(block([paused], 'c')).toBe('paused: paused by operator');
    expect(
      block(
        [paused, { seq: ++seq, time: `${DAY}T11:30:00.000Z`, type: 'agent.resumed', agent: 'c', by: 'operator' }],
        'c',
      ),
    ).toBe(null);
  });
});

describe('budgetLevel', () => {
  it.each([
    [0.019999, 0.025, null],
    [0.02, 0.025, 80], // 0.8 * 0.025 is 0.020000000000000004 in floating point
    [0.024999, 0.025, 80],
    [0.025, 0.025, 100],
    [0.3, 0.1 + 0.2, 100], // 0.1 + 0.2 is 0.30000000000000004
    [1.2, 1, 100],
    [0, 0, 100],
  ])('spent %s of %s: %s', (spent, budget, want) => expect(budgetLevel(spent, budget)).toBe(want));
});

describe('budgetWaitMails', () => {
  it('one 100% alert per budget that makes runs wait, with the id afterUsage would give it', () => {
    const budget = (scope: string, spent: number) => ({
      blocker: { kind: 'budget', scope, spent, budget: 1, until: 0 },
    });
    const mails = budgetWaitMails(
      [budget('agent a', 1.5), budget('agent a', 1.5), budget('org', 3), { blocker: { kind: 'agent_busy' } }],
      '2026-06-01T12:00:00.000Z',
    );
    expect(mails.map((m) => m.subject)).toEqual(['Budget 100%: agent a $1.50 of $1', 'Budget 100%: org $3.00 of $1']);
    expect(budgetWaitMails([], '2026-06-01T12:00:00.000Z')).toEqual([]);
  });
});

describe('afterUsage', () => {
  const mail = (events: BusEvent[], agent: string, context?: number, sent: string[] = []) => {
    const s = foldState(events);
    return afterUsage(
      s.board,
      config,
      { agent, id: 'run000000001', attempt: 1 },
      { input_tokens: 1, output_tokens: 1, cost_usd: 0, ...(context !== undefined ? { context_tokens: context } : {}) },
      `${DAY}T12:00:00.000Z`,
      (id) => sent.includes(id),
    ).map((m) => `${m.to[0]}: ${m.subject}`);
  };
  it.each([
    ['under 80%', [spent('a', 0.79)], 'a', undefined, []],
    ['at 80%', [spent('a', 0.8)], 'a', undefined, ['operator: Budget 80%: agent a $0.80 of $1']],
    [
      'at 100%: the 100% alert (a jump past 80% says only the higher level)',
      [spent('a', 1)],
      'a',
      undefined,
      ['operator: Budget 100%: agent a $1.00 of $1'],
    ],
    [
      'context over the org limit',
      [],
      'b',
      1001,
      ['operator: Context: b at 1001 tokens', 'b: Checkpoint now: your context is nearly full'],
    ],
    ["context under the agent's own limit", [], 'c', 4000, []],
  ])('%s', (_what, events, agent, context, want) => expect(mail(events as BusEvent[], agent, context)).toEqual(want));

  it('says each level once: a mail already sent is not sent again', () => {
    const once = foldState([spent('a', 0.8)]);
    const first = afterUsage(
      once.board,
      config,
      { agent: 'a', id: 'x', attempt: 1 },
      { input_tokens: 0, output_tokens: 0, cost_usd: 0 },
      `${DAY}T12:00:00.000Z`,
      () => false,
    );
    expect(
      mail(
        [spent('a', 0.8)],
        'a',
        undefined,
        first.map((m) => m.id),
      ),
    ).toEqual([]);
  });
});
