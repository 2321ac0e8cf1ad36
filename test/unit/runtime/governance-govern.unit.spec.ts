/** What follows an accepted message (decide/govern.ts): holds, decisions, pauses; and the fold of a held message. */
import { describe, expect, it } from 'vitest';
import type { BusEvent, MessageAccepted } from '../../../bus/events.js';
import { parseConfigText } from '../../../runtime/config/load.js';
import { govern } from '../../../runtime/decide/govern.js';
import { released } from '../../../runtime/state/governance.js';
import { foldState } from '../../../runtime/state/state.js';

const config = parseConfigText(
  `approval_required: [payment]\nmax_team: 3\nagents:\n  a: { messages_per_minute: 3, tasks_per_hour: 2 }\n  b: { max_recipients: 2 }\n  c: {}\n  d: {}\n  e: {}\n  cfo: { may_approve: { payment: { max_amount: 100 } } }\n`,
  '/srv/org/mailroom.yaml',
);
const T0 = Date.parse('2026-06-01T12:00:00.000Z');
let n = 0;
function msg(from: string, to: string[], extra: Partial<MessageAccepted> = {}, sec = n): MessageAccepted {
  n++;
  const id = `m${String(n).padStart(11, '0')}`;
  return {
    seq: n,
    time: new Date(T0 + sec * 1000).toISOString(),
    type: 'message.accepted',
    id,
    from,
    to,
    priority: 'normal',
    kind: 'message',
    thread: id,
    hops: 0,
    source: 'outbox',
    text: `---\nid: ${id}\nthread: ${id}\n---\nx\n`,
    ...extra,
  };
}
/** govern() after folding `before` and the message itself (as the daemon does: staged first). */
function outcome(before: BusEvent[], e: MessageAccepted) {
  const s = foldState([...before, e]);
  const c = govern(e, { config, board: s.board, governance: s.governance });
  return {
    held: c.held,
    deliver: c.deliver,
    release: c.release,
    events: c.events.map((x) =>
      x.type === 'message.accepted'
        ? `mail to ${x.to[0]} (${x.kind})`
        : `${x.type}${'cause' in x ? ` ${x.cause}` : ''}${'rule' in x ? ` ${x.rule}` : ''}`,
    ),
  };
}

describe('govern', () => {
  it.each([
    ['a plain message', msg('c', ['d']), { held: false, deliver: true, events: [] }],
    [
      'an approval kind: held; notice; requests to operator and cfo',
      msg('c', ['d'], { kind: 'payment', amount: 5 }),
      {
        held: true,
        deliver: false,
        events: [
          'approval.requested kind',
          'mail to c (message)',
          'mail to operator (approval_request)',
          'mail to cfo (approval_request)',
        ],
      },
    ],
    [
      'from the operator: never held',
      msg('operator', ['d'], { kind: 'payment' }),
      { held: false, deliver: true, events: [] },
    ],
    [
      'over its own max_recipients',
      msg('b', ['c', 'd', 'e']),
      {
        held: true,
        deliver: false,
        events: ['approval.requested max_recipients', 'mail to b (message)', 'mail to operator (approval_request)'],
      },
    ],
    [
      'pause by the operator: taken, not delivered',
      msg('operator', ['a', 'b'], { kind: 'pause' }),
      { held: false, deliver: false, events: ['agent.paused operator', 'agent.paused operator'] },
    ],
  ])('%s', (_what, e, want) => expect(outcome([], e)).toMatchObject(want));

  it('pauses at messages_per_minute and tasks_per_hour, counting from the last resume; alerts once', () => {
    const m1 = msg('a', ['c'], {}, 1);
    const m2 = msg('a', ['c'], {}, 2);
    expect(outcome([m1], m2).events).toEqual([]);
    expect(outcome([m1, m2], msg('a', ['c'], {}, 3)).events).toEqual([
      'agent.paused messages_per_minute',
      'mail to operator (message)',
    ]);
    expect(outcome([m1, m2], msg('a', ['c'], {}, 61)).events).toEqual([]); // m1 left the window
    const resumed: BusEvent = {
      seq: 99,
      time: new Date(T0 + 2500).toISOString(),
      type: 'agent.resumed',
      agent: 'a',
      by: 'operator',
    };
    expect(outcome([m1, m2, resumed], msg('a', ['c'], {}, 3)).events).toEqual([]);
    const t1 = msg('a', ['c'], { kind: 'task', task: 'T-1' }, 100);
    expect(outcome([t1], msg('a', ['c'], { kind: 'task', task: 'T-2' }, 200)).events).toEqual([
      'agent.paused tasks_per_hour',
      'mail to operator (message)',
    ]);
  });

  it('max_team: a sub-task that brings a fourth agent into a tree of three is held', () => {
    const root = msg('c', ['d'], { kind: 'task', task: 'T-1', owner: 'd' });
    const sub = msg('d', ['e'], { kind: 'task', task: 'T-2', parent: 'T-1', owner: 'e' });
    expect(outcome([root], sub).held).toBe(false);
    expect(
      outcome([root, sub], msg('e', ['b'], { kind: 'task', task: 'T-3', parent: 'T-2', owner: 'b' })).events[0],
    ).toBe('approval.requested max_team');
    expect(outcome([root, sub], msg('e', ['d'], { kind: 'task', task: 'T-3', parent: 'T-2', owner: 'd' })).held).toBe(
      false,
    );
  });

  it('decisions: over the limit refused (still held), within it granted and released, stamped', () => {
    const p = msg('c', ['d'], { kind: 'payment', amount: 500 });
    const s = foldState([p]);
    const req = govern(p, { config, board: s.board, governance: s.governance }).events[0] as BusEvent;
    const before = [p, { ...req, seq: 50 } as BusEvent];
    expect(outcome(before, msg('cfo', [], { kind: 'approval', approves: p.id, decision: 'approve' })).events).toEqual([
      'approval.refused over_limit',
      'mail to cfo (message)',
    ]);
    const ok = outcome(before, msg('operator', [], { kind: 'approval', approves: p.id, decision: 'approve' }));
    expect(ok).toMatchObject({ release: p.id, events: ['approval.granted'] });
    const rejected = outcome(
      before,
      msg('operator', [], { kind: 'approval', approves: p.id, decision: 'reject', reason: 'no' }),
    );
    expect(rejected.events).toEqual(['approval.refused rejected', 'mail to c (message)']);
  });

  it('released: approved_by and approval stamped before thread:, the rest unchanged', () => {
    const m = msg('c', ['d']);
    expect(released(m, 'cfo', 'abcdefabcdef').text).toBe(
      `---\nid: ${m.id}\napproved_by: cfo\napproval: abcdefabcdef\nthread: ${m.id}\n---\nx\n`,
    );
  });
});
