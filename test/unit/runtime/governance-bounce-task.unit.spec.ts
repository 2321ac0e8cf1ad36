/**
 * A bounce's run serves the task of the run that wrote the refused file (attack: a sub-task
 * refused past max_task_depth bounced, and the run for the bounce, of no task, started a new
 * root tree, so max_task_depth never held a spawning loop).
 */
import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../../bus/events.js';
import { runTaskOf } from '../../../runtime/decide/rules.js';
import { applyGovernance, emptyGovernance } from '../../../runtime/state/governance.js';

const T0 = Date.parse('2026-11-30T09:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function fold(events: Array<Record<string, unknown>>) {
  const g = emptyGovernance();
  events.forEach((e, i) => applyGovernance(g, { seq: i + 1, ...e } as unknown as BusEvent, new Map()));
  return g;
}

const rejected = (task?: string) => ({
  time: at(5),
  type: 'message.rejected',
  id: 'bad000000001',
  from: 'spawner',
  source: 'outbox',
  origin: 'sub.md',
  reason: 'too deep',
  fix: 'do the work',
  kept: 'bus/deadletter/x',
  bounce: 'bnc000000001',
  ...(task ? { task } : {}),
});
const run = (id: string, start: number, end?: number) => [
  { time: at(start), type: 'handler.started', agent: 'spawner', id },
  ...(end === undefined ? [] : [{ time: at(end), type: 'handler.succeeded', agent: 'spawner', id }]),
];

describe('the run for a bounce serves the task its refused file was written for', () => {
  it.each([
    ['a rejection that names T-2: the bounce run serves T-2', rejected('T-2'), 'T-2'],
    ['a rejection written outside any task run: the bounce run serves none', rejected(), undefined],
  ])('%s', (_what, rejection, task) => {
    const g = fold([rejection, ...run('bnc000000001', 10)]);
    expect(runTaskOf(g, 'spawner', T0 + 11_000)).toBe(task); // a file the bounce's run writes
    expect(runTaskOf(g, 'spawner')).toBe(task); // the run in progress now
  });

  it.each([
    ['a plain message that serves T-1: its run serves T-1', { serves: 'T-1' }, 'T-1'],
    ['a plain message that serves none: its run serves none', {}, undefined],
    ['an update of T-3 (task wins over serves)', { task: 'T-3', serves: 'T-1' }, 'T-3'],
  ])('%s', (_what, fields, task) => {
    const msg = { time: at(5), type: 'message.accepted', id: 'msg000000001', from: 'spawner', to: ['spawner'] };
    const g = fold([{ ...msg, kind: 'message', source: 'outbox', ...fields }, ...run('msg000000001', 10)]);
    expect(runTaskOf(g, 'spawner', T0 + 11_000)).toBe(task);
  });

  it('a file written after the bounce run ended is not counted under it', () => {
    const g = fold([rejected('T-2'), ...run('bnc000000001', 10, 12)]);
    expect(runTaskOf(g, 'spawner', T0 + 13_000)).toBeUndefined();
  });
});
