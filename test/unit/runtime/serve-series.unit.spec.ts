import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../../bus/events.js';
import { emptyBoard } from '../../../board/fold.js';
import { chartSeries } from '../../../runtime/serve/series.js';

const NOW = Date.parse('2026-11-30T10:05:30Z');
let seq = 0;
const at = (t: string) => ({ seq: ++seq, time: `2026-11-30T${t}Z` });
const accepted = (id: string, t: string) =>
  ({
    ...at(t),
    type: 'message.accepted',
    id,
    from: 'maya',
    to: ['legal'],
    priority: 'normal',
    kind: 'message',
    thread: id,
    hops: 0,
    source: 'outbox',
    text: '',
  }) as BusEvent;
const delivered = (id: string, t: string) => ({ ...at(t), type: 'message.delivered', id, to: ['legal'] }) as BusEvent;
const queued = (id: string, t: string) =>
  ({
    ...at(t),
    type: 'handler.queued',
    id,
    agent: 'legal',
    priority: 'normal',
    lane: null,
    file: `${id}.md`,
  }) as BusEvent;
const started = (id: string, t: string) =>
  ({ ...at(t), type: 'handler.started', id, agent: 'legal', attempt: 1, lane: null }) as BusEvent;

describe('chartSeries', () => {
  const events = [
    // in log order, as the log is
    accepted('M-1', '09:00:00.000'), // before the window: no count
    delivered('M-1', '09:00:00.010'),
    accepted('M-2', '10:03:10.000'),
    delivered('M-2', '10:03:10.040'),
    queued('M-2', '10:03:11.000'),
    accepted('M-3', '10:03:50.000'),
    delivered('M-3', '10:03:50.100'),
    queued('M-3', '10:03:51.000'),
    accepted('M-4', '10:03:59.000'),
    delivered('M-4', '10:04:00.300'), // delivered in the next minute
    started('M-2', '10:04:30.000'),
  ];
  const s = chartSeries(events, emptyBoard(), NOW, 5);

  it('has one point per minute, the last one holding now', () => {
    expect(s.minutes).toEqual(
      ['10:01', '10:02', '10:03', '10:04', '10:05'].map((m) => Date.parse(`2026-11-30T${m}:00Z`) / 1000),
    );
  });
  it('counts messages accepted per minute', () => {
    expect(s.messages).toEqual([0, 0, 3, 0, 0]);
  });
  it('samples the handler queue at the end of each minute', () => {
    expect(s.queue).toEqual([0, 0, 2, 1, 1]);
  });
  it('measures delivery latency in the minute of delivery: median and slowest', () => {
    expect(s.latency_p50).toEqual([null, null, 70, 1300, null]);
    expect(s.latency_max).toEqual([null, null, 100, 1300, null]);
  });
  it('has cost per day from the board', () => {
    const board = emptyBoard();
    board.costs = {
      legal: { '2026-11-29': { runs: 1, input_tokens: 1, output_tokens: 1, cost_usd: 0.5 } },
      maya: {
        '2026-11-29': { runs: 1, input_tokens: 1, output_tokens: 1, cost_usd: 0.25 },
        '2026-11-30': { runs: 1, input_tokens: 1, output_tokens: 1, cost_usd: 1 },
      },
    };
    const c = chartSeries([], board, NOW, 5);
    expect(c.days).toEqual([Date.parse('2026-11-29T12:00:00Z') / 1000, Date.parse('2026-11-30T12:00:00Z') / 1000]);
    expect(c.cost).toEqual([0.75, 1]);
  });
});
