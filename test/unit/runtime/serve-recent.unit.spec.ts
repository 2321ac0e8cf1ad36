/**
 * What the page reads of the log (runtime/serve/recent.ts): where the backwards read stops, and
 * the handler queue before a tail, checked against a fold of the whole log on random histories
 * of runs (queued, started, retried, dead, cancelled, restarts).
 */
import { describe, expect, it } from 'vitest';
import type { BusEvent, NewEvent } from '../../../bus/events.js';
import { emptyBoard } from '../../../board/fold.js';
import { REQUEUED_NOTE } from '../../../runtime/decide/run-recovery.js';
import { RECENT_EVENTS } from '../../../runtime/serve/model.js';
import { RECENT_CAP, recentCollector, runtimeBefore } from '../../../runtime/serve/recent.js';
import { chartSeries } from '../../../runtime/serve/series.js';
import { foldState } from '../../../runtime/state/state.js';
import { mulberry32 } from '../../../scripts/bench/history-log.js';

const MIN = 60_000;
const NOW = Date.parse('2026-11-30T12:00:30Z');

const at = (seq: number, t: number) =>
  ({ seq, time: new Date(t).toISOString(), type: 'daemon.started', pid: 1, version: 'x' }) as BusEvent;

/** Feed events newest first until the collector stops; the seqs it kept, and `since`. */
function collect(events: BusEvent[], lastSeq = Infinity) {
  const c = recentCollector(NOW, lastSeq);
  for (let i = events.length - 1; i >= 0; i--) if (!c.more(events[i]!)) break;
  const r = c.result();
  return { seqs: r.events.map((e) => e.seq), since: r.since };
}

describe('recentCollector: where the backwards read stops', () => {
  const every = (n: number, stepMs: number, end = NOW - 1000) =>
    Array.from({ length: n }, (_, i) => at(i + 1, end - (n - 1 - i) * stepMs));
  const table: Array<{
    what: string;
    events: BusEvent[];
    lastSeq?: number;
    first: number;
    count: number;
    since: boolean;
  }> = [
    { what: 'a short history: all of it', events: every(100, 1000), first: 1, count: 100, since: false },
    {
      // The window starts at 11:01 (60 minutes to 12:00); the read goes back to 10:51.
      what: 'one event a minute for 3 hours: back to the first before the window and its 10 minutes',
      events: every(180, MIN),
      first: 180 - 70,
      count: 71,
      since: false,
    },
    {
      what: 'one event an hour: still the last RECENT_EVENTS',
      events: every(100, 60 * MIN),
      first: 100 - RECENT_EVENTS + 1,
      count: RECENT_EVENTS,
      since: false,
    },
    {
      what: 'ten a second: cut at RECENT_CAP inside the window (since set)',
      events: every(RECENT_CAP + 500, 100),
      first: 501,
      count: RECENT_CAP,
      since: true,
    },
    {
      what: 'events after the folded state are passed over',
      events: every(100, 1000),
      lastSeq: 90,
      first: 1,
      count: 90,
      since: false,
    },
  ];
  it.each(table)('$what', ({ events, lastSeq, first, count, since }) => {
    const r = collect(events, lastSeq);
    expect(r.seqs[0]).toBe(first);
    expect(r.seqs).toHaveLength(count);
    expect(r.since !== null).toBe(since);
    if (since) expect(r.since).toBe(Date.parse(events[first - 1]!.time));
  });
});

/** A random history of handler runs for 4 agents over ~3 hours, as the daemon would log it. */
function runsHistory(seed: number, n: number): BusEvent[] {
  const rng = mulberry32(seed);
  const out: BusEvent[] = [];
  let t = NOW - 3 * 60 * MIN;
  const state = new Map<string, 'queued' | 'running' | 'done'>();
  const emit = (e: NewEvent) => out.push({ ...e, seq: out.length + 1, time: new Date(t).toISOString() } as BusEvent);
  let next = 0;
  while (out.length < n) {
    t += Math.floor(rng() * 12_000);
    const r = rng();
    const live = [...state].filter(([, s]) => s !== 'done');
    const pick = live[Math.floor(rng() * live.length)];
    const [agent, id] = pick ? pick[0].split('/') : ['', ''];
    const base = { id: id!, agent: agent! };
    if (r < 0.25 || !pick) {
      const key = `a${next % 4}/m${next++}`;
      const [a, m] = key.split('/');
      emit({ type: 'handler.queued', id: m!, agent: a!, priority: 'normal', lane: null, file: `${m}.md`, time: '' });
      state.set(key, 'queued');
    } else if (r < 0.253) {
      // a restart: every queued or running run is queued again
      for (const [key, s] of live) {
        const [a, m] = key.split('/');
        const note = s === 'queued' ? REQUEUED_NOTE : 'was running when the daemon stopped; run again';
        emit({
          type: 'handler.queued',
          id: m!,
          agent: a!,
          priority: 'normal',
          lane: null,
          file: `${m}.md`,
          note,
          time: '',
        });
        state.set(key, 'queued');
      }
    } else if (pick[1] === 'queued') {
      if (r < 0.35) {
        emit({ type: 'handler.cancelled', ...base, reason: 'left the inbox', time: '' });
        state.set(pick[0], 'done');
      } else if (r < 0.75) {
        emit({ type: 'handler.started', ...base, attempt: 1, lane: null, time: '' });
        state.set(pick[0], 'running');
      }
    } else if (r < 0.6) {
      emit({ type: 'handler.succeeded', ...base, attempt: 1, duration_ms: 5, time: '' });
      state.set(pick[0], 'done');
    } else if (r < 0.8) {
      const final = rng() < 0.3;
      emit({
        ...{ type: 'handler.failed', ...base, attempt: 1, duration_ms: 5, exit_code: 1, signal: null },
        ...{ reason: 'exit 1', stderr: '', tempfail: false, final, time: '' },
      });
      state.set(pick[0], final ? 'done' : 'queued');
    }
  }
  return out;
}

describe('runtimeBefore: the queue chart from a tail equals the fold of the whole log', () => {
  it.each([1, 2, 3, 4, 5, 6])('seed %i', (seed) => {
    const events = runsHistory(seed, 1500);
    const end = foldState(events).runtime;
    const whole = chartSeries(events, emptyBoard(), NOW, 180).queue;
    expect(whole.some((q) => (q ?? 0) > 2)).toBe(true); // a history where the queue matters
    for (const cut of [1, 200, 700, 1200, 1499]) {
      const tail = events.slice(cut);
      const part = chartSeries(tail, emptyBoard(), NOW, 180, { runtime: runtimeBefore(tail, end) }).queue;
      const from = Math.floor((Date.parse(tail[0]!.time) - (NOW - 180 * MIN)) / MIN) + 1;
      expect(part.slice(Math.max(0, from)), `cut at ${cut}`).toEqual(whole.slice(Math.max(0, from)));
    }
  });
  it('without its seed the chart would differ (the test can fail)', () => {
    const events = runsHistory(1, 1500);
    const tail = events.slice(700);
    const from = Math.floor((Date.parse(tail[0]!.time) - (NOW - 180 * MIN)) / MIN) + 1;
    const whole = chartSeries(events, emptyBoard(), NOW, 180).queue.slice(from);
    expect(chartSeries(tail, emptyBoard(), NOW, 180).queue.slice(from)).not.toEqual(whole);
  });
});

describe('chartSeries with `since`: minutes before the events read have no data', () => {
  it('nulls the minutes that start before since', () => {
    const s = chartSeries([at(1, NOW - 90_000)], emptyBoard(), NOW, 5, { since: NOW - 90_000 });
    expect(s.messages).toEqual([null, null, null, 0, 0]);
    expect(s.queue).toEqual([null, null, null, 0, 0]);
    expect(s.latency_p50).toEqual([null, null, null, null, null]);
  });
});
