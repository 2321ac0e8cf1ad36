import { describe, expect, it } from 'vitest';
import type { BusEvent, MessageAccepted } from '../../../bus/events.js';
import { foldBoard, findTask } from '../../../board/fold.js';
import { boardJson, renderBoardMd } from '../../../board/render.js';
import { checkUpdate } from '../../../board/rules.js';
import { taskBudgetBlocker } from '../../../runtime/decide/gates.js';

let seq = 0;
const time = (m: number) => `2026-11-30T10:${String(m).padStart(2, '0')}:00.000Z`;
function msg(id: string, fields: Partial<MessageAccepted>): MessageAccepted {
  seq += 1;
  return {
    seq,
    type: 'message.accepted',
    time: time(seq),
    id,
    from: 'boss',
    to: ['worker'],
    priority: 'normal',
    kind: 'message',
    thread: id,
    hops: 0,
    source: 'outbox',
    text: '',
    ...fields,
  } as MessageAccepted;
}
function run(id: string, cost: number): BusEvent {
  seq += 1;
  return {
    seq,
    type: 'handler.succeeded',
    time: time(seq),
    id,
    agent: 'worker',
    attempt: 1,
    duration_ms: 5,
    usage: { input_tokens: 1, output_tokens: 1, cost_usd: cost },
  } as BusEvent;
}

// T-1 (budget $1) in thread a; b: a reply in its thread; T-2: a sub-task of T-1 (thread c); d: an update naming T-2; e: unrelated.
const base = [
  msg('a00000000001', { kind: 'task', task: 'T-1', subject: 'Big job', owner: 'worker', budget_usd: 1 }),
  msg('b00000000001', { thread: 'a00000000001', from: 'worker', to: ['boss'] }),
  msg('c00000000001', {
    kind: 'task',
    task: 'T-2',
    subject: 'Part',
    from: 'worker',
    to: ['helper'],
    owner: 'helper',
    parent: 'T-1',
  }),
  msg('d00000000001', { task: 'T-2', from: 'helper', to: ['worker'] }),
  msg('e00000000001', { subject: 'Lunch?' }),
];

describe('task budget_usd', () => {
  it.each([
    // runs (message, cost), T-1 cost, T-2 cost, T-1 status
    [[['a00000000001', 0.4]], 0.4, undefined, 'open'],
    [
      [
        ['a00000000001', 0.4],
        ['b00000000001', 0.6],
      ],
      1,
      undefined,
      'open',
    ], // at the budget: not past it
    [
      [
        ['a00000000001', 0.4],
        ['b00000000001', 0.61],
      ],
      1.01,
      undefined,
      'blocked',
    ],
    [
      [
        ['c00000000001', 0.7],
        ['d00000000001', 0.5],
      ],
      1.2,
      1.2,
      'blocked',
    ], // sub-task runs count for the parent
    [[['e00000000001', 5]], undefined, undefined, 'open'], // not its thread
    [[['a00000000001', 0]], undefined, undefined, 'open'],
  ] as const)('runs %j: T-1 cost %s, T-2 cost %s, T-1 %s', (runs, cost1, cost2, status) => {
    const board = foldBoard([...base, ...runs.map(([id, c]) => run(id, c))]);
    expect(findTask(board, 'T-1')!.costUsd).toBe(cost1);
    expect(findTask(board, 'T-2')!.costUsd).toBe(cost2);
    expect(findTask(board, 'T-1')!.status).toBe(status);
  });

  it('blocks the runs of its thread and its sub-tasks, shows it, and only its creator or the operator may set it going', () => {
    const board = foldBoard([...base, run('a00000000001', 1.5)]);
    expect(boardJson(board).tasks[0]).toMatchObject({
      status: 'blocked',
      budget_usd: 1,
      cost_usd: 1.5,
      blocked_reason: 'budget',
    });
    expect(renderBoardMd(board)).toContain('Big job ($1.5 of $1 budget_usd, blocked: budget)');
    for (const id of ['a00000000001', 'b00000000001', 'c00000000001', 'd00000000001'])
      expect(taskBudgetBlocker(board, id)).toEqual({ kind: 'task_budget', task: 'T-1', spent: 1.5, budget: 1 });
    expect(taskBudgetBlocker(board, 'e00000000001')).toBeNull();
    expect(() => checkUpdate(board, 'T-1', 'worker', 'in_progress')).toThrow(
      /T-1 .* is blocked: it has cost \$1\.5, past its budget_usd \$1; only its creator boss or the operator/,
    );
    expect(checkUpdate(board, 'T-1', 'boss', 'in_progress').id).toBe('T-1');
    const resumed = foldBoard([
      ...base,
      run('a00000000001', 1.5),
      msg('f00000000001', { task: 'T-1', status: 'in_progress' }),
    ]);
    expect(findTask(resumed, 'T-1')).toMatchObject({ status: 'in_progress' });
    expect(findTask(resumed, 'T-1')!.blockedReason).toBeUndefined();
    expect(taskBudgetBlocker(resumed, 'a00000000001')).toBeNull();
  });
});
