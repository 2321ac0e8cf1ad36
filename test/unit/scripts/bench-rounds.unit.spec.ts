/** The agents benchmark's rounds: the order sizes are run in, and the median ratio of p99s that decides the comparison. */
import { describe, expect, it } from 'vitest';
import { median, p99Ratios, roundOrder } from '../../../scripts/bench/rounds.js';

describe('median', () => {
  const table: Array<{ xs: number[]; want: number }> = [
    { xs: [], want: Number.NaN },
    { xs: [7], want: 7 },
    { xs: [3, 1, 2], want: 2 },
    { xs: [4, 1, 3, 2], want: 2.5 },
    { xs: [100, 1, 2, 3, 4], want: 3 }, // one outlier does not move it
    { xs: [Number.NaN, 5, 1], want: 3 }, // a missing figure is left out
    { xs: [Number.NaN], want: Number.NaN },
  ];
  it.each(table)('median($xs) = $want', ({ xs, want }) => expect(median(xs)).toBe(want));
});

describe('roundOrder', () => {
  const table: Array<{ n: number; round: number; want: number[] }> = [
    { n: 2, round: 0, want: [0, 1] },
    { n: 2, round: 1, want: [1, 0] },
    { n: 2, round: 2, want: [0, 1] },
    { n: 4, round: 3, want: [3, 2, 1, 0] },
    { n: 1, round: 1, want: [0] },
    { n: 0, round: 0, want: [] },
  ];
  it.each(table)('$n sizes, round $round: $want', ({ n, round, want }) => expect(roundOrder(n, round)).toEqual(want));
});

describe('p99Ratios', () => {
  const table: Array<{ what: string; p99s: number[][]; ratios: number[][]; medians: number[] }> = [
    { what: 'no sizes', p99s: [], ratios: [], medians: [] },
    { what: 'the first size against itself', p99s: [[10, 20]], ratios: [[1, 1]], medians: [1] },
    {
      what: 'each round against the same round, not against another',
      p99s: [
        [10, 40, 20],
        [20, 40, 30],
      ],
      ratios: [
        [1, 1, 1],
        [2, 1, 1.5],
      ],
      medians: [1, 1.5],
    },
    {
      what: 'one noisy round does not decide',
      p99s: [
        [20, 20, 20, 20, 20],
        [24, 22, 200, 26, 30],
      ],
      ratios: [
        [1, 1, 1, 1, 1],
        [1.2, 1.1, 10, 1.3, 1.5],
      ],
      medians: [1, 1.3],
    },
    {
      what: 'a round without a figure (or a first figure of 0) gives no ratio',
      p99s: [
        [10, Number.NaN, 0, 10],
        [30, 20, 5, Number.NaN],
      ],
      ratios: [
        [1, Number.NaN, Number.NaN, 1],
        [3, Number.NaN, Number.NaN, Number.NaN],
      ],
      medians: [1, 3],
    },
  ];
  it.each(table)('$what', ({ p99s, ratios, medians }) => {
    const got = p99Ratios(p99s);
    expect(got.map((g) => g.ratios)).toEqual(ratios);
    expect(got.map((g) => g.median)).toEqual(medians);
  });
});
