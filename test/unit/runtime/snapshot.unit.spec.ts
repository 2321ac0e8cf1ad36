import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../../bus/events.js';
import { syntheticEvents } from '../../../scripts/bench/synthetic.js';
import { parseSnapshot, snapshotBytes, snapshotHeader, SnapshotCorrupt } from '../../../runtime/state/snapshot.js';

/** The snapshot's bytes as a string (latin1: byte for byte), for comparing and editing. */
const snapshotText = (...a: Parameters<typeof snapshotBytes>) => snapshotBytes(...a).toString('latin1');
const bytes = (text: string) => Buffer.from(text, 'latin1');
import { applyToState, emptyState, foldState } from '../../../runtime/state/state.js';
import { prng } from '../../support/random.js';

const POS = { segment: '000001.jsonl', offset: 0 };
const HOUR = 3_600_000;

function history(seed: number, n: number): { events: BusEvent[] } {
  const events: BusEvent[] = [];
  for (const e of syntheticEvents({
    rng: prng(seed),
    agents: ['ann', 'bob', 'cfo', 'dan'],
    start: Date.parse('2026-01-01T00:00:00Z'),
    stepMs: 20_000,
    textBytes: 40,
  })) {
    events.push(e);
    if (events.length >= n) break;
  }
  return { events };
}

describe('snapshot text: the state round-trips, value for value', () => {
  const cases: Array<[string, number]> = [
    ['the empty state', 0],
    ['a few events', 12],
    ['a history with forgotten threads and runs', 4000],
  ];
  for (const [what, n] of cases) {
    it(what, () => {
      const s = foldState(history(7, n).events, HOUR);
      const text = snapshotText(s, { segment: '000002.jsonl', offset: 123 });
      const back = parseSnapshot(bytes(text));
      expect(back.header).toMatchObject({
        format: 3,
        seq: s.lastSeq,
        position: { segment: '000002.jsonl', offset: 123 },
      });
      expect(snapshotText(back.state, { segment: '000002.jsonl', offset: 123 })).toBe(text);
      expect(back.state.board).toEqual(s.board);
      expect([...back.state.threads.entries()]).toEqual([...s.threads.entries()]);
    });
  }
});

describe('a damaged snapshot is refused, never half-read', () => {
  const text = snapshotText(foldState(history(3, 500).events), POS);
  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['torn in the header', text.slice(0, 20)],
    ['torn after the header', text.slice(0, text.indexOf('\n') + 1)],
    ['torn in the state', text.slice(0, Math.floor(text.length / 2))],
    ['without its last newline', text.slice(0, -1)],
    ['edited state', text.replace('"lastSeq":', '"lastSeq": ')],
    ['another format', text.replace('"format":3', '"format":2')],
    ['torn in the threads', text.slice(0, text.length - 5)],
    ['edited threads', `${text.slice(0, -3)}x${text.slice(-2)}`],
  ];
  for (const [what, bad] of cases) it(what, () => expect(() => parseSnapshot(bytes(bad))).toThrow(SnapshotCorrupt));
  it('the header alone reads without the state', () =>
    expect(snapshotHeader(text.slice(0, text.indexOf('\n'))).seq).toBe(500));
});

describe('fold(snapshot) + tail = fold(whole log) (property, seeded)', () => {
  for (let seed = 1; seed <= 12; seed++) {
    it(`seed ${seed}`, () => {
      const rng = prng(seed * 7919);
      const { events } = history(seed, 3000);
      const cut = Math.floor(rng() * events.length);
      const ttl = [HOUR, 6 * HOUR, 30 * 86_400_000][seed % 3]!;
      const whole = foldState(events, ttl);
      const prefix = foldState(events.slice(0, cut), ttl);
      const restored = parseSnapshot(snapshotBytes(prefix, POS)).state;
      for (const e of events.slice(cut)) applyToState(restored, e);
      expect(snapshotText(restored, POS)).toBe(snapshotText(whole, POS));
    });
  }
});

describe('what finished state no longer needs leaves memory', () => {
  const T = Date.parse('2026-01-01T00:00:00Z');
  const at = (ms: number) => new Date(T + ms).toISOString();
  let seq = 0;
  const e = (ms: number, x: Record<string, unknown>) => ({ seq: ++seq, time: at(ms), ...x }) as unknown as BusEvent;
  const accepted = (ms: number, id: string, thread = id) =>
    e(ms, {
      type: 'message.accepted',
      id,
      from: 'ann',
      to: ['bob'],
      priority: 'normal',
      kind: 'message',
      thread,
      hops: thread === id ? 0 : 1,
      source: 'outbox',
      text: 'x',
    });

  it('a thread idle for thread_ttl is forgotten with its messages; an active one stays', () => {
    const s = emptyState(HOUR);
    for (const ev of [
      accepted(0, 'old'),
      accepted(1000, 'live'),
      accepted(2 * HOUR, 'reply', 'live'),
      accepted(2 * HOUR + 1, 'x'),
    ])
      applyToState(s, ev);
    for (let i = 0; i < 10; i++) applyToState(s, e(2 * HOUR + 2 + i, { type: 'daemon.started', pid: 1, version: 'v' }));
    expect([...s.threads.entries()].map(([id]) => id).sort()).toEqual(['live', 'reply', 'x']);
    expect(s.threads.threads).toBe(2);
  });

  it('a delivered message leaves undelivered; a rejection leaves once its bounce is delivered', () => {
    const s = emptyState();
    applyToState(s, accepted(0, 'm1'));
    applyToState(
      s,
      e(1, {
        type: 'message.rejected',
        id: 'r1',
        from: 'ann',
        source: 'outbox',
        origin: 'a.md',
        reason: 'r',
        fix: 'f',
        kept: 'k',
        bounce: 'b1',
      }),
    );
    expect(s.rejected.has('r1')).toBe(true);
    applyToState(s, e(2, { type: 'message.delivered', id: 'm1', to: ['bob'] }));
    applyToState(s, e(3, { type: 'message.delivered', id: 'b1', to: ['ann'] }));
    expect([s.undelivered.size, s.rejected.size, s.bounces.size]).toEqual([0, 0, 0]);
  });

  it('an ended run is kept an hour of event time (for recovery), then forgotten; a queued one stays', () => {
    const s = emptyState();
    const run = (ms: number, type: string, id: string, x: Record<string, unknown> = {}) =>
      applyToState(
        s,
        e(ms, {
          type,
          id,
          agent: 'bob',
          priority: 'normal',
          lane: null,
          file: `${id}.md`,
          attempt: 1,
          duration_ms: 1,
          ...x,
        }),
      );
    run(0, 'handler.queued', 'a');
    run(1, 'handler.started', 'a');
    run(2, 'handler.succeeded', 'a');
    run(3, 'handler.queued', 'q');
    expect(s.runtime.runs.has('bob/a')).toBe(true);
    run(HOUR + 10, 'handler.queued', 'z');
    expect(s.runtime.runs.has('bob/a')).toBe(false);
    expect(s.runtime.runs.has('bob/q')).toBe(true);
  });
});

describe('the snapshot carries every field of the state', () => {
  const T = '2026-01-01T00:00:00.000Z';
  const remote = (seq: number, id: string, to: string[]) =>
    ({
      seq,
      time: T,
      type: 'message.accepted',
      id,
      from: 'ann',
      to,
      priority: 'normal',
      kind: 'message',
      thread: id,
      hops: 0,
      source: 'outbox',
      text: 'x',
    }) as unknown as BusEvent;
  const forwarded = (seq: number, id: string, org: string) =>
    ({ seq, time: T, type: 'message.forwarded', id, org, to: [`bob@${org}`] }) as unknown as BusEvent;

  it('the same keys as the fold itself, so a field added to BusState and forgotten here fails', () => {
    const s = foldState(history(5, 200).events);
    expect(Object.keys(parseSnapshot(snapshotBytes(s, POS)).state).sort()).toEqual(Object.keys(emptyState()).sort());
  });

  it("the bridge's outgoing mail (forwarding): what is still to publish, per org, survives a snapshot", () => {
    const events = [
      remote(1, 'm1', ['bob@acme', 'cfo@beta', 'dan']),
      remote(2, 'm2', ['bob@acme']),
      forwarded(3, 'm1', 'acme'),
      remote(4, 'm3', ['dan']),
    ];
    const whole = foldState(events);
    const restored = parseSnapshot(snapshotBytes(foldState(events.slice(0, 3)), POS)).state;
    expect([...restored.forwarding.keys()]).toEqual(['m1', 'm2']);
    expect([...restored.forwarding.get('m1')!.orgs]).toEqual(['beta']);
    applyToState(restored, events[3]!);
    applyToState(restored, forwarded(5, 'm1', 'beta'));
    applyToState(whole, forwarded(5, 'm1', 'beta'));
    expect([...restored.forwarding.keys()]).toEqual(['m2']);
    expect(snapshotText(restored, POS)).toBe(snapshotText(whole, POS));
  });
});
