/**
 * The agents benchmark's comparison of org sizes over rounds (pure: no I/O, no clock). Each
 * round runs the same steady load on every size in turn, the order reversed every other round,
 * so that a noisy minute on a shared machine lands on one round of every size rather than on
 * one size; a size is then compared with the first size of the same round, and the ratios'
 * median is the figure (one bad round does not decide it).
 */

/** The median (the mean of the two middle values for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The order in which round `round` (0-based) visits `n` sizes: forwards, then backwards, alternately. */
export function roundOrder(n: number, round: number): number[] {
  const forwards = Array.from({ length: n }, (_, i) => i);
  return round % 2 === 0 ? forwards : forwards.reverse();
}

/**
 * Each size's p99 against the first size's in the same round (`p99s[size][round]`), and the
 * median of those ratios. A round where either figure is missing (NaN) or the first is 0 gives
 * no ratio. The first size's own ratios are all 1.
 */
export function p99Ratios(p99s: readonly (readonly number[])[]): Array<{ ratios: number[]; median: number }> {
  const base = p99s[0] ?? [];
  return p99s.map((rounds) => {
    const ratios = rounds.map((p, r) => {
      const b = base[r];
      return b === undefined || Number.isNaN(b) || Number.isNaN(p) || b === 0 ? Number.NaN : p / b;
    });
    return { ratios, median: median(ratios) };
  });
}
