import { describe, expect, it } from 'vitest';
import { countLarge, LARGE_MESSAGE } from '../../../runtime/daemon/large-garbage.js';

const MB = 1_048_576;
describe('large messages counted towards a full collection (countLarge)', () => {
  it.each([
    ['a small message does not count', 0, 4 * 1024, 0, false],
    ['just under LARGE_MESSAGE does not count', 5 * MB, LARGE_MESSAGE - 1, 5 * MB, false],
    ['a large one counts', 0, LARGE_MESSAGE, LARGE_MESSAGE, false],
    ['reaching the threshold collects and starts again', 7 * MB, MB, 0, true],
    ['passing it collects too', 7.5 * MB, MB, 0, true],
  ])('%s', (_what, counted, size, after, collect) => {
    expect(countLarge(counted, size, 8 * MB)).toEqual({ counted: after, collect });
  });
});
