import { describe, expect, it } from 'vitest';
import { keptSpans, RUNS_CAP, SPAN_KEEP_MS } from '../../../runtime/state/governance.js';

const MIN = 60_000;
/** n finished one-second spans, one a minute, the last ending `lastEnd`. */
const spans = (n: number, lastEnd: number) =>
  Array.from({ length: n }, (_, i) => {
    const end = lastEnd - (n - 1 - i) * MIN;
    return { id: `r${i}`, start: end - 1000, end };
  });

describe('which run spans a new run keeps (keptSpans)', () => {
  const now = 100 * 60 * MIN;
  it.each([
    ['a few, long ago: all (the last 8 always)', spans(5, now - 5 * 60 * MIN), undefined, 5],
    ['twenty long ago: the last 8', spans(20, now - 5 * 60 * MIN), undefined, 8],
    ['twenty within the last 20 minutes: the last 8 and those within 10 minutes', spans(20, now - MIN), undefined, 10],
    [
      'twenty long ago, resumed just now: all (a paused outbox is being taken)',
      spans(20, now - 5 * 60 * MIN),
      now - MIN,
      20,
    ],
    ['twenty long ago, resumed 11 minutes ago: the last 8', spans(20, now - 5 * 60 * MIN), now - 11 * MIN, 8],
    ['one still running among old ones: kept', [{ id: 'open', start: 0 }, ...spans(10, now - 60 * MIN)], undefined, 9],
    ['never more than RUNS_CAP', spans(RUNS_CAP + 50, now), now, RUNS_CAP],
  ])('%s', (_what, given, resumedAt, kept) => {
    const out = keptSpans(given, now, resumedAt);
    expect(out).toHaveLength(kept);
    expect(out.at(-1)).toEqual(given.at(-1)); // the newest is always kept
  });

  it('keeps a ninth span that ended exactly SPAN_KEEP_MS ago, not one a millisecond older', () => {
    const old = spans(9, now - SPAN_KEEP_MS + 8 * MIN);
    expect(keptSpans(old, now, undefined)).toHaveLength(9);
    expect(keptSpans(old, now + 1, undefined)).toHaveLength(8);
  });
});
