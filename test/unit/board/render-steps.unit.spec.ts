/**
 * The board's texts made in steps, for a render in slices (runtime/daemon/board-slices.ts): the
 * briefs in steps (busyBriefSteps, at every batch size), the scores in steps (boardScoreSteps)
 * and sortedByScore give exactly what the whole functions give, on synthetic boards with
 * blocked_by, sub-tasks and held approvals.
 */
import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../../bus/events.js';
import { busyBriefs, busyBriefSteps, type BriefFacts } from '../../../board/brief.js';
import { apply, emptyBoard, FINAL_STATUSES, type Board } from '../../../board/fold.js';
import { boardScores, boardScoreSteps, byScore, sortedByScore, type ScoreParts } from '../../../board/score.js';
import { syntheticEvents } from '../../../scripts/bench/synthetic.js';
import { prng } from '../../support/random.js';

function board(seed: number, n: number): Board {
  const b = emptyBoard();
  let count = 0;
  for (const e of syntheticEvents({
    rng: prng(seed),
    agents: ['ann', 'bob', 'cfo', 'dan'],
    start: Date.parse('2026-01-28T00:00:00Z'),
    stepMs: 60_000,
    textBytes: 40,
  }) as Iterable<BusEvent>) {
    apply(b, e);
    if (++count >= n) break;
  }
  // Tasks waiting on others, some unowned, some due: every kind of line a brief has.
  const open = b.tasks.filter((t) => !FINAL_STATUSES.includes(t.status));
  open.forEach((t, i) => {
    if (i % 3 === 0) t.blockedBy = [open[(i + 5) % open.length]!.id, open[(i + 7) % open.length]!.id];
    if (i % 4 === 0) t.due = '2026-02-03';
    if (i % 5 === 0) t.owner = null;
  });
  return b;
}

/** Sub-tasks and held messages about some of the tasks, decided and not. */
function facts(b: Board, seed: number): BriefFacts {
  const rng = prng(seed);
  const pick = () => b.tasks[Math.floor(rng() * b.tasks.length)]!;
  const f: { held: Record<string, BriefFacts['held'][string]>; parent: Record<string, string> } = {
    held: {},
    parent: {},
  };
  for (let i = 0; i < Math.min(40, b.tasks.length); i++) {
    const t = pick();
    const status = (['held', 'approved', 'refused'] as const)[i % 3]!;
    f.held[`h${i}`] = {
      id: `h${String(i).padStart(11, '0')}`,
      kind: i % 2 ? 'payment' : 'commitment',
      from: 'ann',
      status,
      requested: '2026-02-01T00:00:00.000Z',
      ...(i % 2 ? { task: t.id } : { thread: t.thread ?? 'x' }),
      ...(status === 'held' ? {} : { decided_by: 'cfo', decided: `2026-02-0${1 + (i % 8)}T00:00:00.000Z`, note: 'ok' }),
    };
    const p = pick();
    if (p !== t) f.parent[t.id] = p.id;
  }
  return f;
}

const boards: Array<[string, () => Board]> = [
  ['empty', () => emptyBoard()],
  ['3,000 events', () => board(2, 3_000)],
  ['20,000 events', () => board(3, 20_000)],
];

describe('the board in steps', () => {
  it.each(boards)('%s: the briefs in steps are the briefs, at every batch size', (_name, make) => {
    const b = make();
    for (const f of [{ held: {}, parent: {} }, facts(b, 9)]) {
      const whole = busyBriefs(b, f);
      for (const batch of [1, 3, 100, Infinity]) {
        const steps = [...busyBriefSteps(b, f, batch)];
        expect(new Map(steps.filter((s) => s !== null))).toEqual(whole);
        if (batch === 1 && whole.size) expect(steps.filter((s) => s === null).length).toBeGreaterThan(whole.size);
      }
    }
    expect([...busyBriefs(b, facts(b, 9)).values()].join('')).toMatch(b.tasks.length ? /waits on: / : /^$/);
  });

  it.each(boards)('%s: the scores in steps are the scores; sortedByScore sorts as byScore', (_name, make) => {
    const b = make();
    const scores = new Map<string, ScoreParts>();
    const pauses = [...boardScoreSteps(b, scores, 7)].length;
    expect(scores).toEqual(boardScores(b));
    expect(pauses).toBe(Math.floor(b.tasks.length / 7));
    const shuffled = [...b.tasks].reverse();
    expect(sortedByScore(shuffled, scores).map((t) => t.id)).toEqual(
      [...b.tasks].sort(byScore(scores)).map((t) => t.id),
    );
  });
});
