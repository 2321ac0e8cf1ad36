/**
 * A task's last message (`last`, for BRIEF.md) is kept while the task is unfinished and dropped
 * when it turns done or cancelled (board/fold.ts): BRIEF.md lists only unfinished tasks, and
 * finished ones stay in the fold for board_done_after. The briefs, BOARD.md and board.json are
 * the same as with the last messages kept.
 */
import { describe, expect, it } from 'vitest';
import type { BusEvent, MessageAccepted } from '../../../bus/events.js';
import { apply, emptyBoard, findTask, foldBoard, type Board } from '../../../board/fold.js';
import { renderBrief } from '../../../board/brief.js';
import { renderBoardJson, renderBoardMd } from '../../../board/render.js';

let seq = 0;
const time = (m: number) => `2026-11-30T10:${String(m % 60).padStart(2, '0')}:00.000Z`;
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
    text: '---\nto: worker\n---\nsome words\n',
    ...fields,
  } as MessageAccepted;
}
const refused = (task: string): BusEvent =>
  ({
    seq: ++seq,
    type: 'approval.refused',
    time: time(seq),
    id: 'h00000000001',
    task,
    final: true,
    by: 'operator',
    decision: 'd1',
    rule: 'rejected',
    reason: 'no',
    config_version: null,
  }) satisfies BusEvent;

const open = msg('a00000000001', { kind: 'task', task: 'T-1', subject: 'Job', owner: 'worker' });
const reply = msg('b00000000001', { thread: 'a00000000001', from: 'worker', to: ['boss'] });
const started = msg('c00000000001', { task: 'T-1', status: 'in_progress', from: 'worker' });
const done = msg('d00000000001', { task: 'T-1', status: 'done', from: 'worker' });
const cancelled = msg('e00000000001', { task: 'T-1', status: 'cancelled', from: 'boss' });
const late = msg('f00000000001', { thread: 'a00000000001', from: 'boss', subject: 'thanks' });

describe("a task's last message", () => {
  it.each([
    ['a new task', [open], 'a00000000001'],
    ['a reply in its thread', [open, reply], 'b00000000001'],
    ['an update to in_progress', [open, reply, started], 'c00000000001'],
    ['done', [open, reply, started, done], undefined],
    ['cancelled', [open, cancelled], undefined],
    ['a message in the thread of a done task', [open, done, late], undefined],
    ['cancelled by a final refusal of its approval', [open, reply, refused('T-1')], undefined],
  ] as Array<[string, BusEvent[], string | undefined]>)('%s -> %s', (_, events, last) => {
    const task = findTask(foldBoard(events), 'T-1')!;
    expect(task.last?.id).toBe(last);
  });

  it('a message in the thread of a done task still counts against it (its runs charge it)', () => {
    const board = foldBoard([open, done, late]);
    expect(board.messageTask[late.id]).toBe('T-1');
  });

  it('the briefs, BOARD.md and board.json are what they were with the last messages kept', () => {
    const agents = ['boss', 'worker'];
    const events: BusEvent[] = [];
    for (let n = 1; n <= 12; n++) {
      const id = `t${String(n).padStart(11, '0')}`;
      events.push(msg(id, { kind: 'task', task: `T-${n}`, subject: `job ${n}`, owner: 'worker' }));
      events.push(msg(`r${id.slice(1)}`, { thread: id, from: 'worker', to: ['boss'], text: `reply ${n}` }));
      if (n % 3 === 0) events.push(msg(`d${id.slice(1)}`, { task: `T-${n}`, status: 'done', from: 'worker' }));
      if (n % 4 === 0) events.push(msg(`x${id.slice(1)}`, { task: `T-${n}`, status: 'cancelled', from: 'boss' }));
    }
    const board = foldBoard(events);
    // The same board with every task's last message as the fold kept it before (the newest of its thread).
    const kept: Board = structuredClone(board);
    const lastOf = new Map<string, MessageAccepted>();
    for (const e of events) if (e.type === 'message.accepted') lastOf.set(board.messageTask[e.id]!, e);
    for (const t of kept.tasks) {
      const e = lastOf.get(t.id)!;
      t.last ??= { id: e.id, from: e.from, time: e.time, excerpt: 'kept' };
    }
    expect(board.tasks.filter((t) => t.last === undefined).length).toBeGreaterThan(0);
    for (const a of agents) expect(renderBrief(board, a)).toBe(renderBrief(kept, a));
    expect(renderBoardMd(board, {})).toBe(renderBoardMd(kept, {}));
    expect(renderBoardJson(board)).toBe(renderBoardJson(kept));
  });

  it('folding event by event gives the same board as folding at once', () => {
    const b = emptyBoard();
    for (const e of [open, reply, done, late]) apply(b, e);
    expect(JSON.stringify(b)).toBe(JSON.stringify(foldBoard([open, reply, done, late])));
  });
});
