/** Usage reported by a handler: finite, whole tokens, capped per run, and the same numbers in the log as on the board. */
import { describe, expect, it } from 'vitest';
import { MAX_RUN_COST_USD, MAX_RUN_TOKENS, addUsage, addUsageLine } from '../../../runtime/decide/usage.js';
import { foldBoard } from '../../../board/fold.js';
import type { BusEvent } from '../../../bus/events.js';

describe('addUsage', () => {
  const table: Array<{ what: string; lines: string[]; usage: unknown }> = [
    { what: 'no usage line', lines: ['hello', '{"other": 1}'], usage: undefined },
    {
      what: 'one report',
      lines: ['{"usage": {"input_tokens": 1200, "output_tokens": 300, "cost_usd": 0.0021}}'],
      usage: { input_tokens: 1200, output_tokens: 300, cost_usd: 0.0021 },
    },
    {
      what: 'reports add up',
      lines: ['{"usage": {"input_tokens": 1, "cost_usd": 0.1}}', '{"usage": {"input_tokens": 2, "cost_usd": 0.2}}'],
      usage: { input_tokens: 3, output_tokens: 0, cost_usd: 0.3 },
    },
    {
      what: 'negative, NaN-ish, strings and fractions of tokens',
      lines: [
        '{"usage": {"input_tokens": -5, "output_tokens": "9", "cost_usd": -1}}',
        '{"usage": {"input_tokens": 2.6}}',
      ],
      usage: { input_tokens: 3, output_tokens: 0, cost_usd: 0 },
    },
    {
      what: '1e308 is capped, not Infinity',
      lines: [
        '{"usage": {"input_tokens": 1e308, "output_tokens": 1e308, "cost_usd": 1e308}}',
        '{"usage": {"input_tokens": 1e308, "output_tokens": 1e308, "cost_usd": 1e308}}',
      ],
      usage: { input_tokens: MAX_RUN_TOKENS, output_tokens: MAX_RUN_TOKENS, cost_usd: MAX_RUN_COST_USD },
    },
    {
      what: 'many small reports stop at the cap',
      lines: Array(20).fill(`{"usage": {"input_tokens": ${MAX_RUN_TOKENS / 10}, "cost_usd": 1000}}`),
      usage: { input_tokens: MAX_RUN_TOKENS, output_tokens: 0, cost_usd: MAX_RUN_COST_USD },
    },
    {
      what: 'usage that is not an object',
      lines: ['{"usage": 5}', '{"usage": null}', '{"usage": broken'],
      usage: undefined,
    },
  ];
  for (const t of table) it(t.what, () => expect(t.lines.reduce(addUsageLine, undefined)).toEqual(t.usage));

  it('the board folded from the events in memory equals the board folded from the log text', () => {
    let usage = addUsage(undefined, { input_tokens: 1e308, output_tokens: 7, cost_usd: 1e308 });
    usage = addUsage(usage, { cost_usd: 0.1234567 });
    const events = [1, 2, 3].map(
      (seq) =>
        ({
          seq,
          time: '2026-12-01T00:00:00.000Z',
          type: 'handler.succeeded',
          id: `m${seq}`,
          agent: 'cfo',
          attempt: 1,
          duration_ms: 5,
          usage,
        }) as BusEvent,
    );
    const live = foldBoard(events);
    const rebuilt = foldBoard(events.map((e) => JSON.parse(JSON.stringify(e)) as BusEvent));
    expect(rebuilt).toEqual(live);
    const day = live.costs.cfo!['2026-12-01']!;
    expect(Number.isFinite(day.cost_usd) && Number.isFinite(day.input_tokens)).toBe(true);
    expect(day.input_tokens).toBe(3 * MAX_RUN_TOKENS);
  });
});
