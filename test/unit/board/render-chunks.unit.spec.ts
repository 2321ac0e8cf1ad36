/**
 * BOARD.md and board.json in pieces (board/render.ts boardMdChunks, boardJsonChunks), which
 * `mailroom board` prints and `mailroom doctor` compares with the files without holding a large
 * board whole: joined, the pieces are the very text of the whole render, at every batch size, on
 * empty and on seeded synthetic boards (budgets, blocked tasks, costs, archived tasks).
 */
import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../../bus/events.js';
import { SHOW_ALL } from '../../../board/done.js';
import { apply, emptyBoard, type Board } from '../../../board/fold.js';
import { boardJson, boardJsonChunks, boardMdChunks, renderBoardJson, renderBoardMd } from '../../../board/render.js';
import { syntheticEvents } from '../../../scripts/bench/synthetic.js';
import { prng } from '../../support/random.js';

function board(seed: number, n: number): Board {
  const b = emptyBoard();
  let count = 0;
  for (const e of syntheticEvents({
    rng: prng(seed),
    agents: ['ann', 'bob', 'cfo'],
    start: Date.parse('2026-01-28T00:00:00Z'),
    stepMs: 60_000,
    textBytes: 10,
  }) as Iterable<BusEvent>) {
    apply(b, e);
    if (++count >= n) break;
  }
  return b;
}

const DAY = 86_400_000;
/** Every task; a day's; a day's and at most 40 finished. */
const RULES = [SHOW_ALL, { after: DAY, max: Infinity }, { after: DAY, max: 40 }];
const boards: Array<[string, () => Board]> = [
  ['empty', () => emptyBoard()],
  ['a few events', () => board(1, 40)],
  ['3,000 events', () => board(2, 3_000)],
  ['20,000 events', () => board(3, 20_000)],
];

describe('the board in pieces', () => {
  it.each(boards)('%s: board.json pieces join to JSON.stringify of the whole', (_name, make) => {
    const b = make();
    for (const done of RULES)
      for (const batch of [1, 3, 256]) {
        const chunks = [...boardJsonChunks(b, done, batch)];
        expect(chunks.join('') + '\n').toBe(renderBoardJson(b, done));
        expect(JSON.parse(chunks.join(''))).toEqual(JSON.parse(JSON.stringify(boardJson(b, done))));
      }
  });

  it.each(boards)('%s: BOARD.md pieces join to the whole, files and the dated view', (_name, make) => {
    const b = make();
    for (const o of [
      {},
      ...RULES.map((done) => ({ done })),
      { done: RULES[2], now: Date.parse('2026-03-01T00:00:00Z') },
    ]) {
      const chunks = [...boardMdChunks(b, o)];
      const text = chunks.join('');
      expect(text).toBe(renderBoardMd(b, o));
      expect(text.startsWith('# Board\n\nDerived from bus/events/')).toBe(true);
      expect(text.endsWith('\n') && !text.endsWith('\n\n')).toBe(true);
      if (text.split('\n').length > 600) expect(chunks.length).toBeGreaterThan(2);
    }
  });
});
