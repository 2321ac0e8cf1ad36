import { describe, expect, it } from 'vitest';
import type { MessageAccepted } from '../../../bus/events.js';
import { busyBriefs, idleBrief, renderBrief, renderBriefs, type BriefFacts } from '../../../board/brief.js';
import { excerptOf, foldBoard } from '../../../board/fold.js';

let seq = 0;
function msg(fields: Partial<MessageAccepted>, time: string): MessageAccepted {
  seq += 1;
  const id = `m${String(seq).padStart(11, '0')}`;
  return {
    seq,
    type: 'message.accepted',
    time,
    id,
    from: 'boss',
    to: ['legal'],
    priority: 'normal',
    kind: 'message',
    thread: id,
    hops: 0,
    source: 'outbox',
    text: `---\nid: ${id}\n---\nBody ${seq}.\n`,
    ...fields,
  } as MessageAccepted;
}

const T0 = '2026-11-30T10:00:00.000Z';
const events = [
  msg({ kind: 'task', task: 'T-1', subject: 'Draft the contract', owner: 'legal' }, T0), // m1, thread m1
  msg(
    {
      from: 'legal',
      to: ['boss'],
      subject: 'Re: Draft',
      thread: 'm00000000001',
      text: '---\nid: x\n---\nFirst draft   is\nready.\n',
    },
    '2026-11-30T10:05:00.000Z',
  ),
  msg(
    { kind: 'task', task: 'T-2', subject: 'Check the numbers', to: ['cfo'], owner: 'cfo', blocked_by: ['T-1'] },
    '2026-11-30T10:06:00.000Z',
  ),
  msg(
    {
      from: 'legal',
      kind: 'task',
      task: 'T-3',
      subject: 'Ask the registry',
      to: ['scout'],
      owner: 'scout',
      parent: 'T-1',
    },
    '2026-11-30T10:07:00.000Z',
  ),
  msg({ kind: 'task', task: 'T-4', subject: 'Old thing', owner: 'legal' }, '2026-11-30T10:08:00.000Z'),
  msg({ from: 'legal', to: ['boss'], task: 'T-4', status: 'done' }, '2026-11-30T10:09:00.000Z'),
];
const facts: BriefFacts = {
  parent: { 'T-3': 'T-1' },
  held: {
    h1: {
      id: 'h00000000001',
      kind: 'commitment',
      from: 'legal',
      status: 'held',
      requested: '2026-11-30T10:10:00.000Z',
      thread: 'm00000000001',
      amount: 1200,
      currency: 'EUR',
    },
    h2: {
      id: 'h00000000002',
      kind: 'payment',
      from: 'legal',
      status: 'approved',
      requested: '2026-11-30T10:11:00.000Z',
      task: 'T-1',
      decided_by: 'cfo',
      decided: '2026-11-30T10:12:00.000Z',
      note: 'fine',
    },
    h3: {
      id: 'h00000000003',
      kind: 'payment',
      from: 'boss',
      status: 'refused',
      requested: '2026-11-30T10:11:00.000Z',
      thread: 'zzz',
      decided_by: 'operator',
      decided: '2026-11-30T10:12:00.000Z',
      reason: 'elsewhere',
    },
  },
};

describe('BRIEF.md', () => {
  const brief = renderBrief(foldBoard(events), 'legal', facts);

  it.each([
    [
      'its owned task with the last message of the thread',
      /## Your tasks \(1\)\n\n- T-1 \[normal\] Draft the contract \(open, created 2026-11-30 10:00:00Z\)\n {2}- last message: 2026-11-30 10:05:00Z from legal "Re: Draft" \(m00000000002\): First draft is ready\./,
    ],
    [
      'what it waits on: sub-tasks and held approvals',
      / {2}- waits on: sub-task T-3 \(open, scout\); approval of commitment 1200 EUR h00000000001/,
    ],
    ['what waits on it', / {2}- waiting on it: T-2 \(cfo\)/],
    ['the task it created', /## Tasks you created \(1\)\n\n- T-3 \[normal\] Ask the registry \(open, owner scout/],
    [
      'the decisions of its threads',
      /## Decisions in your threads \(1\)\n\n- 2026-11-30 10:12:00Z payment h00000000002 from legal \(T-1\): approved by cfo: fine/,
    ],
  ])('shows %s', (_what, re) => {
    expect(brief).toMatch(re);
  });

  it('leaves out finished tasks and decisions of other threads, and is the same bytes when folded again', () => {
    expect(brief).not.toContain('T-4');
    expect(brief).not.toContain('h00000000003');
    expect(renderBrief(foldBoard(events), 'legal', facts)).toBe(brief);
    expect(renderBrief(foldBoard(events), 'cfo', facts)).toMatch(
      /- T-2 .*\n.*\n {2}- waits on: T-1 \(blocked_by, open\)/,
    );
  });

  it('renders every agent in one pass the same as one at a time; work elsewhere leaves a brief byte for byte', () => {
    const board = foldBoard(events);
    const all = renderBriefs(board, ['legal', 'cfo', 'scout', 'boss', 'nobody'], facts);
    for (const [agent, text] of all) expect(text).toBe(renderBrief(board, agent, facts));
    const later = foldBoard([
      ...events,
      msg(
        { from: 'boss', to: ['ops'], kind: 'task', task: 'T-9', subject: 'Elsewhere', owner: 'ops' },
        '2026-12-01T09:00:00.000Z',
      ),
    ]);
    expect(renderBriefs(later, ['legal'], facts).get('legal')).toBe(all.get('legal'));
    expect(renderBriefs(later, ['ops'], facts).get('ops')).toContain('Elsewhere');
  });

  it('renders only the agents with an open task; every other brief is the idle one, whatever the board', () => {
    const board = foldBoard(events);
    const busy = busyBriefs(board, facts);
    const all = renderBriefs(board, ['legal', 'cfo', 'scout', 'boss', 'nobody'], facts);
    for (const [agent, text] of all) expect(busy.get(agent) ?? idleBrief(agent)).toBe(text);
    expect(busy.has('nobody')).toBe(false);
    expect(busy.has('legal')).toBe(true);
    expect(idleBrief('nobody')).toBe(renderBrief(foldBoard([]), 'nobody'));
    expect(idleBrief('nobody')).toMatch(/## Your tasks \(0\)\n\n_none_/);
  });

  it.each([
    ['---\nid: a\n---\nHello\n\nworld\n', 'Hello world'],
    ['no front matter', 'no front matter'],
    [`---\nid: a\n---\n${'x'.repeat(300)}`, `${'x'.repeat(197)}...`],
  ])('excerpt of %j', (text, want) => {
    expect(excerptOf(text)).toBe(want);
  });
});
