import { describe, expect, it } from 'vitest';
import { closest, didYouMean, editDistance } from '../../../bus/suggest.js';

describe('near misses', () => {
  it.each([
    ['kitten', 'sitting', 3],
    ['legl', 'legal', 1],
    ['prioirty', 'priority', 1],
    ['', 'abc', 3],
    ['same', 'same', 0],
  ])('editDistance(%s, %s) = %i', (a, b, d) => expect(editDistance(a, b)).toBe(d));

  const agents = ['maya', 'oliver', 'legal', 'cfo'];
  it.each([
    ['High', ['critical', 'high', 'normal', 'low'], 'high'],
    ['NORMAL', ['critical', 'high', 'normal', 'low'], 'normal'],
    ['hihg', ['critical', 'high', 'normal', 'low'], 'high'],
    ['urgent', ['critical', 'high', 'normal', 'low'], null],
    ['P1', ['critical', 'high', 'normal', 'low'], null],
    ['Legal', agents, 'legal'],
    ['legl', agents, 'legal'],
    ['olivre', agents, 'oliver'],
    ['marketing', agents, null],
    ['x', agents, null],
    ['tsak', ['message', 'task'], 'task'],
  ])('closest(%s) = %s', (word, candidates, want) => expect(closest(word, candidates)).toBe(want));

  it('words the hint', () => {
    expect(didYouMean('High', ['high'])).toBe('; did you mean "high"?');
    expect(didYouMean('zzz', ['high'])).toBe('');
  });
});
