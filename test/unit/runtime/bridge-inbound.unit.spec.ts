/**
 * The bridge's pure parts: the payload for each org (toWire/decodeWire), what the receiving org
 * decides (repeat, accept, reject with a bounce back), and the fold of what still waits.
 */
import { describe, expect, it } from 'vitest';
import type { BusEvent, MessageAccepted } from '../../../bus/events.js';
import { emptyBoard, foldBoard, type Board } from '../../../board/fold.js';
import { parseConfigText } from '../../../runtime/config/load.js';
import { decide } from '../../../runtime/decide/accept.js';
import { decideInbound, withoutTaskNumber } from '../../../runtime/bridge/inbound.js';
import { applyForwarding, outgoing, type Forwarding } from '../../../runtime/bridge/pending.js';
import { decodeWire, encodeWire, streamOf, subjectOf, toWire, type Wire } from '../../../runtime/bridge/wire.js';
import { emptyState } from '../../../runtime/state/state.js';

const beta = parseConfigText(
  'agents:\n  maya: {}\n  oliver: {}\nbridge:\n  nats: { org: beta }\n  peers: [acme]\n',
  'beta.yaml',
);
const acme = parseConfigText(
  'agents:\n  legal: {}\n  ceo: {}\ngroups:\n  board: [legal, ceo]\nbridge:\n  nats: { org: acme }\n  peers: [beta]\n',
  'acme.yaml',
);
const T0 = '2026-12-01T10:00:00.000Z';

function sendAtBeta(text: string, id: string, board: Board = emptyBoard(), sender = 'maya'): MessageAccepted {
  const f = decide(
    { bytes: new TextEncoder().encode(text), sender, source: 'outbox', origin: 'x.md' },
    { config: beta, board, threads: new Map(), maxHops: 25 },
    id,
    T0,
  );
  return { ...f, seq: 1 } as MessageAccepted;
}

const never = () => false;
const atAcme = (w: Wire, board: Board = emptyBoard(), seen: (id: string) => boolean = never) =>
  decideInbound(w, { config: acme, board, seen, maxHops: 25 }, '2026-12-01T10:00:01.000Z');

describe('subjects and the payload', () => {
  it('names one subject and one stream per org', () => {
    expect([subjectOf('acme'), streamOf('acme')]).toEqual(['mailroom.acme.inbound', 'mailroom_acme']);
  });

  it('carries only the recipients at that org, the sender as agent@org, the id and the text', () => {
    const e = sendAtBeta('---\nto: [oliver, legal@acme, ceo@acme]\nsubject: Hi\n---\nBody\n', 'aaaaaaaaaaaa');
    const w = toWire(e, 'acme', 'beta', emptyBoard());
    expect(w).toMatchObject({
      v: 1,
      id: 'aaaaaaaaaaaa',
      from: 'maya@beta',
      to: ['ceo', 'legal'],
      thread: 'aaaaaaaaaaaa',
      hops: 0,
    });
    expect(decodeWire(encodeWire(w))).toEqual(w);
  });

  it.each([
    ['not json', /not JSON/],
    ['{"v":2}', /wire version 2/],
    ['{"v":1,"id":"x"}', /no message id/],
    ['{"v":1,"id":"aaaaaaaaaaaa","from":"maya","to":["a"]}', /from: is not agent@org/],
    ['{"v":1,"id":"aaaaaaaaaaaa","from":"maya@beta","to":[]}', /to: is not a list/],
  ])("refuses a payload that is not mailroom's: %s", (text, want) =>
    expect(decodeWire(new TextEncoder().encode(text))).toMatch(want),
  );
});

describe('the receiving org decides', () => {
  const hello = () =>
    toWire(sendAtBeta('---\nto: legal@acme\nsubject: Hi\n---\nBody\n', 'bbbbbbbbbbbb'), 'acme', 'beta', emptyBoard());

  it('accepts mail for its agents, from agent@org, with the original id', () => {
    const d = atAcme(hello());
    expect(d.kind).toBe('accept');
    if (d.kind !== 'accept') return;
    expect(d.fields).toMatchObject({
      id: 'bbbbbbbbbbbb',
      from: 'maya@beta',
      to: ['legal'],
      source: 'bridge',
      subject: 'Hi',
    });
    expect(d.fields.text).toMatch(/^---\nid: bbbbbbbbbbbb\nfrom: "maya@beta"\nto: legal\n/);
  });

  it('recognises a repeat by its id (a delivery repeated after a crash)', () => {
    expect(atAcme(hello(), emptyBoard(), (id) => id === 'bbbbbbbbbbbb')).toEqual({ kind: 'repeat' });
  });

  it('rejects an unknown agent and bounces to the sender at its org; never bounces a bounce', () => {
    const w = { ...hello(), to: ['nobody'] };
    const d = atAcme(w);
    expect(d.kind).toBe('reject');
    if (d.kind !== 'reject') return;
    expect(d.rejected).toMatchObject({ id: w.id, from: 'maya@beta', source: 'bridge' });
    expect(d.bounce).toMatchObject({ from: 'mailroom', to: ['maya@beta'], id: d.rejected.bounce });
    const fromMailroom = atAcme({ ...w, from: 'mailroom@beta' });
    expect(fromMailroom).toMatchObject({ kind: 'reject', bounce: null });
  });

  it('rejects a thread past the hop limit', () => {
    expect(atAcme({ ...hello(), hops: 26 })).toMatchObject({
      kind: 'reject',
      rejected: { reason: expect.stringMatching(/hop 26/) },
    });
  });

  it('numbers a new task its own way, with the owner it was sent to; updates find it by the creating message', () => {
    const local = sendAtBeta('---\nto: oliver\nkind: task\nsubject: Local\n---\n', 'cccccccccccc');
    const betaBoard = foldBoard([local]);
    const task = sendAtBeta('---\nto: legal@acme\nkind: task\nsubject: Review\n---\n', 'dddddddddddd', betaBoard);
    expect(task).toMatchObject({ task: 'T-2', owner: 'legal@acme' });
    const w = toWire(task, 'acme', 'beta', betaBoard);
    expect(w.owner).toBe('legal');
    expect(withoutTaskNumber(w.text)).not.toMatch(/^task:/m);
    const d = atAcme(w);
    expect(d).toMatchObject({
      kind: 'accept',
      fields: { task: 'T-1', owner: 'legal', from: 'maya@beta', kind: 'task' },
    });
    if (d.kind !== 'accept') return;
    const acmeBoard = foldBoard([{ ...d.fields, seq: 1 } as BusEvent]);
    expect(acmeBoard.tasks[0]).toMatchObject({ id: 'T-1', owner: 'legal', creator: 'maya@beta' });

    // maya (the creator) cancels T-2 at beta: acme finds its T-1 by the creating message.
    const both = foldBoard([local, { ...task, seq: 2 }]);
    const cancel = sendAtBeta('---\ntask: T-2\nstatus: cancelled\n---\n', 'eeeeeeeeeeee', both);
    expect(cancel.to).toEqual(['legal@acme']);
    const cw = toWire(cancel, 'acme', 'beta', both);
    expect(cw.task_ref).toBe('dddddddddddd');
    expect(atAcme(cw, acmeBoard)).toMatchObject({ kind: 'accept', fields: { task: 'T-1', status: 'cancelled' } });
    expect(atAcme({ ...cw, task_ref: 'zzzzzzzzzzzz' }, acmeBoard)).toMatchObject({
      kind: 'reject',
      rejected: { reason: expect.stringMatching(/not on this org's board/) },
    });
  });
});

describe('what waits for the bridge', () => {
  it('waits per org until each is forwarded', () => {
    const f: Forwarding = new Map();
    const e = sendAtBeta('---\nto: [oliver, legal@acme]\n---\n', 'ffffffffffff');
    applyForwarding(f, e);
    expect([...f.keys()]).toEqual(['ffffffffffff']);
    const state = { ...emptyState(), forwarding: f };
    expect(outgoing(state, Date.parse(T0) + 5000)).toEqual({ waiting: 1, oldest_ms: 5000, by_org: { acme: 1 } });
    applyForwarding(f, {
      seq: 2,
      time: T0,
      type: 'message.forwarded',
      id: 'ffffffffffff',
      org: 'acme',
      to: ['legal@acme'],
      stream_seq: 1,
      duplicate: false,
    });
    expect(f.size).toBe(0);
    applyForwarding(f, sendAtBeta('---\nto: oliver\n---\n', 'gggggggggggg'));
    expect(f.size).toBe(0);
  });
});
