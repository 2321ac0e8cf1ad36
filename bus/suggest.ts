/**
 * "Did you mean ...?" for a near miss (`priority: High`, `to: Legal`, `to: legl`, `prioirty:`).
 * A near miss is still refused; the suggestion only shortens the way to the fix. Pure.
 */

/** Edit distance with adjacent transpositions (optimal string alignment), case-sensitive. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate `word` most likely meant: the same word in another case, else the nearest by
 * edit distance when it is at most 2 and at most a third of the word's length (1 for words of
 * up to 5 letters: `legl` -> `legal`, `prioirty` -> `priority`); ties go to the earlier
 * candidate. Null when none is close.
 */
export function closest(word: string, candidates: Iterable<string>): string | null {
  const lower = word.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === word) continue;
    if (c.toLowerCase() === lower) return c;
    const dist = editDistance(lower, c.toLowerCase());
    if (dist < bestDistance && dist <= 2 && dist * 3 <= Math.max(word.length, 3)) {
      best = c;
      bestDistance = dist;
    }
  }
  return best;
}

/** `; did you mean "high"?` or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === null ? '' : `; did you mean ${JSON.stringify(c)}?`;
}
