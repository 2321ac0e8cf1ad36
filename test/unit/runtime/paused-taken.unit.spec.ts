import { describe, expect, it } from 'vitest';
import { PausedTaken } from '../../../runtime/daemon/paused-taken.js';

describe('files taken as their sender was paused (PausedTaken)', () => {
  it.each([
    [
      'a paused sender: held, said once',
      ['a'],
      [
        ['s/1', 'a'],
        ['s/2', 'a'],
      ],
      [true, true],
      [],
      ['a'],
    ],
    ['a sender not paused: not held', [], [['s/1', 'a']], [false], [], []],
    [
      'two senders, one paused',
      ['b'],
      [
        ['s/1', 'a'],
        ['s/2', 'b'],
      ],
      [false, true],
      [],
      ['b'],
    ],
  ] as const)('%s', (_what, paused, files, held, resumed, said) => {
    const now = new Set<string>(paused);
    const says: string[] = [];
    const p = new PausedTaken(
      (a) => now.has(a),
      (a) => says.push(a),
    );
    expect(files.map(([f, a]) => p.holds(f, a))).toEqual(held);
    expect(p.resumed()).toEqual(resumed);
    expect(says).toEqual(said);
  });

  it('gives a held file back once its sender is resumed, until it is looked at again', () => {
    const now = new Set(['a']);
    const p = new PausedTaken(
      (a) => now.has(a),
      () => undefined,
    );
    p.holds('s/1', 'a');
    now.delete('a');
    expect(p.resumed()).toEqual(['s/1']);
    expect(p.resumed()).toEqual(['s/1']); // asked twice by the loop: still there
    p.forget('s/1');
    expect(p.resumed()).toEqual([]);
  });
});
