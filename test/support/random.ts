/** Seeded randomness for the randomised integration tests: the seed is printed when a test fails. */
import { onTestFailed } from 'vitest';
import { mulberry32 as prng } from '../../scripts/bench/history-log.js';

/** mulberry32 (the one the bench's synthetic history uses): small, fast, deterministic. */
export { prng };

export interface Rng {
  seed: number;
  next: () => number;
  int: (lo: number, hi: number) => number;
  pick: <T>(xs: readonly T[]) => T;
}

/** A seeded PRNG for the current test (MAILROOM_TEST_SEED to replay); the seed is printed if the test fails. */
export function seeded(label: string): Rng {
  const fromEnv = process.env.MAILROOM_TEST_SEED;
  const seed = fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  onTestFailed(() => {
    console.error(`[${label}] failed with seed ${seed}: replay with MAILROOM_TEST_SEED=${seed}`);
  });
  const next = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return { seed, next, int, pick: (xs) => xs[Math.floor(next() * xs.length)]! };
}
