/**
 * Usage a handler reports on stdout (`{"usage": {...}}` lines, summed over its run), made safe
 * to log and fold: every number finite, never negative, tokens whole, and capped per run, so a
 * hostile or broken handler cannot put Infinity, NaN or 1e308 into the log (JSON would write
 * `null`, and the board folded in memory would then differ from the board rebuilt from the log).
 * What is logged is exactly what the board adds up. Pure.
 */
import type { Usage } from '../../bus/events.js';

/** At most this many input (and output) tokens are counted for one run. */
export const MAX_RUN_TOKENS = 100_000_000;
/** At most this many dollars are counted for one run. */
export const MAX_RUN_COST_USD = 10_000;

const count = (v: unknown, cap: number): number =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.min(v, cap) : 0;
const micro = (v: number): number => Math.round(v * 1e6) / 1e6;

/** Add one reported `usage` object to the run's total (undefined until a first report). */
export function addUsage(total: Usage | undefined, reported: unknown): Usage | undefined {
  if (!reported || typeof reported !== 'object') return total;
  const u = reported as Partial<Record<keyof Usage, unknown>>;
  const t = total ?? { input_tokens: 0, output_tokens: 0, cost_usd: 0 };
  // context_tokens is a level, not a count: the highest reported wins.
  const context =
    u.context_tokens !== undefined || t.context_tokens !== undefined
      ? { context_tokens: Math.max(t.context_tokens ?? 0, Math.round(count(u.context_tokens, MAX_RUN_TOKENS))) }
      : {};
  return {
    input_tokens: Math.min(t.input_tokens + Math.round(count(u.input_tokens, MAX_RUN_TOKENS)), MAX_RUN_TOKENS),
    output_tokens: Math.min(t.output_tokens + Math.round(count(u.output_tokens, MAX_RUN_TOKENS)), MAX_RUN_TOKENS),
    cost_usd: Math.min(micro(t.cost_usd + micro(count(u.cost_usd, MAX_RUN_COST_USD))), MAX_RUN_COST_USD),
    ...context,
  };
}

/** The usage of one stdout line, added to the total; any other line leaves it as it is. */
export function addUsageLine(total: Usage | undefined, line: string): Usage | undefined {
  if (!line.startsWith('{') || !line.includes('"usage"')) return total;
  try {
    return addUsage(total, (JSON.parse(line) as { usage?: unknown }).usage);
  } catch {
    return total;
  }
}
