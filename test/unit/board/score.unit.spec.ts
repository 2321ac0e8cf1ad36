import { describe, expect, it } from 'vitest';
import type { MessageAccepted } from '../../../bus/events.js';
import { foldBoard } from '../../../board/fold.js';
import { boardJson, renderBoardMd } from '../../../board/render.js';
import { dueScore, scoreTask } from '../../../board/score.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('scoreTask', () => {
  it.each([
    // priority, blocks, age (h), due (h from now), total
    ['critical', 0, 0, undefined, 400],
    ['high', 0, 0, undefined, 300],
    ['normal', 0, 0, undefined, 200],
    ['low', 0, 0, undefined, 100],
    ['normal', 1, 0, undefined, 225],
    ['normal', 4, 0, undefined, 300],
    ['normal', 9, 0, undefined, 300], // blocks capped at 100
    ['normal', 0, 5.5, undefined, 205], // whole hours
    ['normal', 0, 500, undefined, 248], // age capped at 48
    ['normal', 0, 0, -1, 300], // past due
    ['normal', 0, 0, 0, 300], // due now
    ['normal', 0, 0, 23, 275],
    ['normal', 0, 0, 48, 250],
    ['normal', 0, 0, 100, 225],
    ['normal', 0, 0, 200, 200],
    ['low', 9, 500, -1, 348],
    ['critical', 9, 500, -1, 648], // the cap of the whole score
  ] as const)('%s, blocks %i, %sh old, due in %sh: %i', (priority, blocks, ageH, dueH, total) => {
    const t = { priority, created: iso(NOW - ageH * H), ...(dueH !== undefined ? { due: iso(NOW + dueH * H) } : {}) };
    expect(scoreTask(t, blocks, NOW).score).toBe(total);
  });

  it('reads a due date without a time as midnight UTC, and ignores what is not a date', () => {
    expect(dueScore('2026-12-01', NOW)).toBe(75);
    expect(dueScore('nonsense', NOW)).toBe(0);
  });
});

let seq = 0;
function task(id: string, fields: Partial<MessageAccepted>, time: string): MessageAccepted {
  seq += 1;
  return {
    seq,
    type: 'message.accepted',
    time,
    id: `m${String(seq).padStart(11, '0')}`,
    from: 'boss',
    to: ['a'],
    priority: 'normal',
    kind: 'task',
    task: id,
    subject: `Task ${id}`,
    thread: `t${seq}`,
    hops: 0,
    source: 'outbox',
    text: '',
    ...fields,
  } as MessageAccepted;
}

describe('the board ordered by score', () => {
  const events = [
    task('T-1', { priority: 'high' }, '2026-11-30T10:00:00.000Z'),
    task('T-2', { priority: 'normal' }, '2026-11-30T10:00:00.000Z'),
    task('T-3', { priority: 'normal', blocked_by: ['T-2'] }, '2026-11-30T10:00:00.000Z'),
    task('T-4', { priority: 'normal', blocked_by: ['T-2'] }, '2026-11-30T10:00:00.000Z'),
    task('T-5', { priority: 'normal', blocked_by: ['T-2'] }, '2026-11-30T10:00:00.000Z'),
    task(
      'T-6',
      { priority: 'normal', blocked_by: ['T-2'], due: '2026-11-30T09:00:00.000Z' },
      '2026-11-30T12:00:00.000Z',
    ),
  ];
  it('puts a normal task that blocks four others above a high one, shows the score, and counts blocked_by set by an update', () => {
    const board = foldBoard(events);
    const json = boardJson(board);
    expect(json.tasks.map((t) => [t.id, t.score])).toEqual([
      ['T-1', 302],
      ['T-2', 302],
      ['T-3', 202],
      ['T-4', 202],
      ['T-5', 202],
      ['T-6', 300],
    ]);
    expect(json.tasks[2]!.blocked_by).toEqual(['T-2']);
    const md = renderBoardMd(board);
    const open = md
      .split('\n')
      .filter((l) => /^\| T-/.test(l))
      .map((l) => l.split('|')[1]!.trim());
    expect(open).toEqual(['T-1', 'T-2', 'T-6', 'T-3', 'T-4', 'T-5']); // T-1 and T-2 tie at 302: the lower number first
    expect(md).toContain('| T-2 | 302 | normal |');
    const update = {
      ...task('T-1', {}, '2026-11-30T12:00:00.000Z'),
      kind: 'message',
      blocked_by: ['T-6'],
    } as MessageAccepted;
    const after = boardJson(foldBoard([...events, update]));
    expect(after.tasks.find((t) => t.id === 'T-6')!.score).toBe(325);
    expect(after.tasks.find((t) => t.id === 'T-1')!.blocked_by).toEqual(['T-6']);
  });
});
