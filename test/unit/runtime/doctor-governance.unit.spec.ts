/** What doctor says about governance (decide/doctor-governance.ts): pauses, holds, budgets. */
import { describe, expect, it } from 'vitest';
import type { BusEvent, MessageAccepted } from '../../../bus/events.js';
import { parseConfigText } from '../../../runtime/config/load.js';
import { governanceFindings } from '../../../runtime/decide/doctor-governance.js';
import { foldState } from '../../../runtime/state/state.js';

const config = parseConfigText(
  'approval_required: [payment]\nstuck_after: { critical: 5m, high: 30m, normal: 4h, low: 1d }\nagents:\n  a: { command: x, budget_daily_usd: 1 }\n  b: {}\n',
  '/srv/org/mailroom.yaml',
);
const DAY = '2026-06-01';
const at = (t: string) => Date.parse(`${DAY}T${t}Z`);
let seq = 0;
const e = (fields: Record<string, unknown>, t = '10:00:00'): BusEvent =>
  ({ seq: ++seq, time: `${DAY}T${t}.000Z`, ...fields }) as BusEvent;
const paused = e({
  type: 'agent.paused',
  agent: 'b',
  cause: 'tasks_per_hour',
  detail: '30 new tasks in an hour, over tasks_per_hour 30',
  by: 'mailroom',
});
const accepted = (id: string, fields: Partial<MessageAccepted> = {}) =>
  e({
    type: 'message.accepted',
    id,
    from: 'b',
    to: ['a'],
    priority: 'normal',
    kind: 'payment',
    amount: 10,
    thread: id,
    hops: 0,
    source: 'outbox',
    text: '',
    ...fields,
  });
const held = (id: string) => [
  accepted(id),
  e({
    type: 'approval.requested',
    id,
    kind: 'payment',
    amount: 10,
    from: 'b',
    to: ['a'],
    cause: 'kind',
    detail: 'payment',
    approvers: ['operator'],
    config_version: 1,
  }),
];
const spent = (usd: number, id = 'x00000000001') =>
  e({
    type: 'handler.succeeded',
    id,
    agent: 'a',
    attempt: 1,
    duration_ms: 1,
    usage: { input_tokens: 1, output_tokens: 1, cost_usd: usd },
  });
const task = accepted('t00000000001', {
  kind: 'task',
  task: 'T-1',
  subject: 'Job',
  from: 'b',
  owner: 'a',
  budget_usd: 0.5,
  amount: undefined,
});

const findings = (events: BusEvent[], now = at('11:00:00')) =>
  governanceFindings(foldState(events).governance, foldState(events).board, config, now).map(
    (f) => `${f.ok ? 'ok' : 'PROBLEM'} ${f.check}: ${f.detail}`,
  );

describe('governanceFindings', () => {
  it.each([
    ['nothing to say', [], []],
    [
      'a pause',
      [paused],
      [
        'PROBLEM paused: agent b is paused since 2026-06-01T10:00:00.000Z (30 new tasks in an hour, over tasks_per_hour 30, by mailroom): its outbox is left as it is and its runs wait; `mailroom resume b` lets it go on',
      ],
    ],
    [
      'a recent hold',
      held('h00000000001'),
      ['ok held: 1 message(s) held for approval (h00000000001); `mailroom audit`'],
    ],
    [
      'a daily budget reached',
      [spent(1.2)],
      [
        "PROBLEM budget: agent a has spent $1.2 of its daily $1: agent a's runs wait until 00:00 UTC or `mailroom resume a`",
      ],
    ],
    [
      'a task past its budget',
      [task, spent(0.7, 't00000000001')],
      [
        'PROBLEM budget: task T-1 ("Job") has cost $0.7, past its budget_usd $0.5: it is blocked and its runs wait until its creator b or the operator sets it going (`task: T-1`, `status: in_progress`)',
      ],
    ],
  ] as const)('%s', (_what, events, want) => expect(findings(events as unknown as BusEvent[])).toEqual(want));

  it('a hold older than stuck_after for its priority is a problem; a decided one is not listed', () => {
    const events = held('h00000000002');
    expect(findings(events, at('14:00:01'))).toEqual([
      'PROBLEM held: 1 message(s) held for approval longer than stuck_after: h00000000002 (payment from b, 4h); `mailroom approve <id>` or `mailroom reject <id> --reason ...` (`mailroom audit` lists them)',
    ]);
    const granted = e({
      type: 'approval.granted',
      id: 'h00000000002',
      by: 'operator',
      decision: 'd00000000001',
      grant: { by: 'operator' },
      config_version: 1,
    });
    expect(findings([...events, granted], at('14:00:01'))).toEqual([]);
  });
});
