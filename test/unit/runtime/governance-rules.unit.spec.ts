/** The rules that refuse a message in decide(): may_send_to, approvals, depth, open tasks, priority. */
import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../../bus/events.js';
import { Rejection } from '../../../bus/rejection.js';
import { parseConfigText } from '../../../runtime/config/load.js';
import { decide, type Incoming } from '../../../runtime/decide/accept.js';
import { AlertingRejection, taskChain } from '../../../runtime/decide/rules.js';
import { foldState } from '../../../runtime/state/state.js';

const config = (extra = '') =>
  parseConfigText(
    `approval_required: [payment]\n${extra}agents:\n  maya: { may_send_to: [leads, operator] }\n  intern: { may_send_to: [oliver] }\n  oliver: {}\n  legal: {}\n  ext: {}\ngroups: { leads: [oliver] }\n`,
    '/srv/org/mailroom.yaml',
  );
const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function accepted(seq: number, id: string, from: string, to: string[], extra: Record<string, unknown> = {}): BusEvent {
  return {
    seq,
    time: at(seq),
    type: 'message.accepted',
    id,
    from,
    to,
    priority: 'normal',
    kind: 'message',
    thread: id,
    hops: 0,
    source: 'outbox',
    text: '',
    ...extra,
  } as BusEvent;
}
const input = (sender: string, fm: string): Incoming => ({
  bytes: Buffer.from(`---\n${fm}\n---\nbody\n`),
  sender,
  source: 'outbox',
  origin: 'x.md',
});
function run(events: BusEvent[], sender: string, fm: string, extra = '', written?: number) {
  const s = foldState(events);
  return () =>
    decide(
      { ...input(sender, fm), ...(written !== undefined ? { written } : {}) },
      {
        config: config(extra),
        board: s.board,
        threads: { get: (id: string) => s.threads.info(id) },
        maxHops: 25,
        governance: s.governance,
      },
      'newmessage01',
      at(100),
    );
}
const reason = (f: () => unknown) => {
  try {
    f();
    return 'accepted';
  } catch (err) {
    if (err instanceof Rejection) return err.reason;
    throw err;
  }
};

// T-1 (operator) > T-2 (oliver, parent T-1) > T-3 (oliver, written during its run on T-2's message)
const tree: BusEvent[] = [
  accepted(1, 'm00000000001', 'operator', ['oliver'], { kind: 'task', task: 'T-1', owner: 'oliver' }),
  accepted(2, 'm00000000002', 'oliver', ['oliver'], { kind: 'task', task: 'T-2', parent: 'T-1', owner: 'oliver' }),
  { seq: 3, time: at(3), type: 'handler.started', id: 'm00000000002', agent: 'oliver', attempt: 1, lane: null },
  accepted(4, 'm00000000003', 'oliver', ['oliver'], { kind: 'task', task: 'T-3', parent: 'T-2', owner: 'oliver' }),
  { seq: 5, time: at(5), type: 'handler.succeeded', id: 'm00000000002', agent: 'oliver', attempt: 1, duration_ms: 1 },
];

describe('refusals in decide()', () => {
  it.each([
    ['may_send_to: a group member', 'maya', 'to: oliver', 'accepted'],
    ['may_send_to: the operator', 'maya', 'to: operator', 'accepted'],
    ['may_send_to: the operator always, even when unlisted', 'intern', 'to: operator', 'accepted'],
    [
      'may_send_to: anyone else',
      'maya',
      'to: [oliver, legal]',
      'maya may write only to leads, operator (may_send_to in mailroom.yaml; the operator always), and legal is not among them',
    ],
    [
      'an approval request from an agent',
      'oliver',
      'to: legal\nkind: approval_request',
      'kind: approval_request is sent by mailroom only',
    ],
    [
      'a pause from an agent',
      'oliver',
      'to: legal\nkind: pause',
      "kind: pause is the operator's circuit breaker; an agent cannot pause anyone",
    ],
    [
      'a decision naming nothing held',
      'oliver',
      'kind: approval\napproves: abcdefabcdef\ndecision: approve',
      'approves: abcdefabcdef names no held message',
    ],
    [
      'a reject without a reason',
      'oliver',
      'kind: approval\napproves: abcdefabcdef\ndecision: reject',
      'decision: reject needs a reason: for the sender',
    ],
    [
      'an unknown kind',
      'oliver',
      'to: legal\nkind: invoice',
      'kind: unknown kind "invoice"; allowed values: message, task, approval, approval_request, pause, resume, payment',
    ],
    ['an approval kind with an amount', 'oliver', 'to: legal\nkind: payment\namount: 12.5\ncurrency: EUR', 'accepted'],
    [
      'an amount that is text',
      'oliver',
      'to: legal\nkind: payment\namount: lots',
      'amount: must be a number from 0 up, got "lots"',
    ],
    [
      'a currency that forges a line',
      'oliver',
      'to: legal\nkind: payment\namount: 5\ncurrency: "EUR\\n- x"',
      'currency: "EUR\\n- x" is not a currency (letters or a currency sign, no spaces or control characters)',
    ],
    ['a currency sign', 'oliver', 'to: legal\nkind: payment\namount: 5\ncurrency: €', 'accepted'],
  ])('%s', (_what, sender, fm, want) => expect(reason(run([], sender, fm))).toBe(want));

  // T-1: legal -> oliver; T-2: legal -> maya. maya may write to leads (oliver) and the operator.
  const legalTasks: BusEvent[] = [
    accepted(1, 'm00000000001', 'legal', ['oliver'], { kind: 'task', task: 'T-1', owner: 'oliver' }),
    accepted(2, 'm00000000002', 'legal', ['maya'], { kind: 'task', task: 'T-2', owner: 'maya' }),
  ];
  it.each([
    [
      "a note on someone else's task, to its creator",
      'maya',
      'task: T-1\nsubject: psst',
      'maya may write only to leads, operator (may_send_to in mailroom.yaml; the operator always), and legal is not among them',
    ],
    ['an update on its own task, to its creator', 'maya', 'task: T-2\nstatus: done', 'accepted'],
    ['a note from an agent without may_send_to', 'oliver', 'task: T-2\nsubject: fyi', 'accepted'],
  ])('may_send_to on an update with no to: %s', (_what, sender, fm, want) =>
    expect(reason(run(legalTasks, sender, fm))).toBe(want),
  );

  it('max_task_depth: parent: names the chain; so does the run a file was written in', () => {
    expect(taskChain(foldState(tree).governance, 'T-3')).toEqual(['T-1', 'T-2', 'T-3']);
    expect(reason(run(tree, 'oliver', 'to: legal\nkind: task\nparent: T-2'))).toBe('accepted');
    expect(reason(run(tree, 'oliver', 'to: legal\nkind: task\nparent: T-3'))).toMatch(
      /^this task would be a sub-task at depth 4 \(T-1 > T-2 > T-3 > new\), over max_task_depth 3/,
    );
    expect(reason(run(tree, 'oliver', 'to: legal\nkind: task\nparent: T-2', 'max_task_depth: 2\n'))).toMatch(
      /depth 3 \(T-1 > T-2 > new\)/,
    );
    // Written while oliver's handler ran for T-2's message (seconds 3 to 5): a sub-task of T-2.
    expect(reason(run(tree, 'oliver', 'to: legal\nkind: task', 'max_task_depth: 2\n', T0 + 4000))).toMatch(
      /T-1 > T-2 > new/,
    );
    // parent: during that run: T-2 or one of its sub-tasks, not a shallower task (depth) or another tree (budget).
    expect(reason(run(tree, 'oliver', 'to: legal\nkind: task\nparent: T-1', 'max_task_depth: 2\n', T0 + 4000))).toBe(
      "parent: T-1 is neither T-2 nor one of its sub-tasks, but this task was written while oliver's handler ran for a message of T-2",
    );
    expect(reason(run(tree, 'oliver', 'to: legal\nkind: task\nparent: T-3', 'max_task_depth: 4\n', T0 + 4000))).toBe(
      'accepted',
    );
    expect(reason(run(tree, 'oliver', 'to: legal\nkind: task\nparent: T-1', '', T0 + 6000))).toBe('accepted');
    // Written after that run ended: a new top-level task.
    expect(reason(run(tree, 'oliver', 'to: legal\nkind: task', 'max_task_depth: 2\n', T0 + 6000))).toBe('accepted');
    expect(reason(run(tree, 'oliver', 'to: legal\nkind: task\nparent: T-9'))).toBe(
      'parent: T-9 is not a task on the board',
    );
  });

  it('max_open_tasks refuses a new task with an operator alert, whose id repeats while nothing changes', () => {
    const f = run(tree, 'legal', 'to: oliver\nkind: task', 'max_open_tasks: 3\n');
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AlertingRejection);
    expect((err as AlertingRejection).reason).toBe(
      'the board has 3 open tasks, at max_open_tasks (3); no new task is taken until some finish',
    );
    expect((err as AlertingRejection).alert).toMatchObject({
      to: ['operator'],
      subject: 'New tasks refused: 3 tasks are open (max_open_tasks 3)',
    });
    let again: unknown;
    try {
      f();
    } catch (e) {
      again = e;
    }
    expect((again as AlertingRejection).alert.id).toBe((err as AlertingRejection).alert.id);
    expect(reason(run(tree, 'legal', 'to: oliver\nsubject: just a note', 'max_open_tasks: 3\n'))).toBe('accepted');
  });

  it.each([
    ['the creator', 'operator', 'task: T-1\npriority: high', 'accepted'],
    ['the owner, same priority', 'oliver', 'task: T-1\npriority: normal', 'accepted'],
    [
      'the owner, another priority',
      'oliver',
      'task: T-1\nstatus: in_progress\npriority: critical',
      "only T-1's creator operator or the operator may change its priority (normal -> critical)",
    ],
  ])('priority: %s', (_what, sender, fm, want) => expect(reason(run(tree, sender, fm))).toBe(want));
});
