/**
 * What the daemon keeps per task leaves its memory when the task is archived (board/archive.ts,
 * by board_done_max here): board.messageTask and board.threadTask, governance.messageTask and
 * governance.parent name only tasks still on the board (or, for parent, the archived tasks above
 * one), however many tasks went by. Seeded histories of task trees whose parents finish before
 * or after their sub-tasks, with replies, messages serving a task and charged runs, archived at
 * random moments through the state's own fold (runtime/state/state.ts applyToState).
 */
import { describe, expect, it } from 'vitest';
import type { BusEvent, NewEvent } from '../../../bus/events.js';
import { archiveEvents } from '../../../board/archive.js';
import type { DoneRule } from '../../../board/done.js';
import { FINAL_STATUSES, findTask } from '../../../board/fold.js';
import { applyToState, emptyState, type BusState } from '../../../runtime/state/state.js';
import { prng } from '../../support/random.js';

const T0 = Date.parse('2026-06-01T09:00:00Z');
const AGENTS = ['ann', 'bob', 'cfo'];

/** A history of `tasks` tasks (trees up to 4 deep), folded as it is made, archived with `rule` at random moments. */
function run(seed: number, tasks: number, rule: DoneRule): { s: BusState; archived: number } {
  const rng = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
  const s = emptyState();
  let [seq, n, made, archived] = [0, 0, 0, 0];
  const emit = (e: NewEvent | Omit<BusEvent, 'seq' | 'time'>) => {
    seq++;
    applyToState(s, { ...e, seq, time: new Date(T0 + seq * 1000).toISOString() } as BusEvent);
  };
  const mail = (fields: Record<string, unknown>) => {
    const id = `m${String(++n).padStart(11, '0')}`;
    const from = pick(AGENTS);
    emit({
      ...{ type: 'message.accepted', id, from, to: [pick(AGENTS)], priority: 'normal', kind: 'message' },
      ...{ thread: id, hops: 0, source: 'outbox', text: `---\nid: ${id}\n---\nbody\n` },
      ...fields,
    } as Omit<BusEvent, 'seq' | 'time'>);
    return id;
  };
  const live = () => s.board.tasks.filter((t) => !FINAL_STATUSES.includes(t.status));
  while (made < tasks || live().length) {
    const open = live();
    const r = rng();
    if (made < tasks && (r < 0.3 || open.length === 0)) {
      const parent = open.length && rng() < 0.6 ? pick(open) : undefined;
      const depth = parent ? 1 + (parent.parent ? 1 + (findTask(s.board, parent.parent)?.parent ? 1 : 0) : 0) : 0;
      const task = `T-${++made}`;
      mail({ kind: 'task', task, owner: pick(AGENTS), ...(parent && depth < 3 ? { parent: parent.id } : {}) });
    } else if (r < 0.5) {
      const t = pick(s.board.tasks); // a reply in the thread of a task on the board, finished or not
      if (t.thread) mail({ thread: t.thread, hops: 1 });
    } else if (r < 0.65) {
      const t = pick(open);
      const id = mail({ serves: t.id });
      emit({ type: 'handler.succeeded', id, agent: 'bob', attempt: 1, duration_ms: 5, usage: COST } as NewEvent);
    } else {
      mail({ task: pick(open).id, status: pick(['done', 'done', 'cancelled', 'in_progress']) });
    }
    if (rng() < 0.05)
      for (const e of archiveEvents(s.board, rule, s.lastTime!)) {
        if (e.type === 'board.archived') archived += e.tasks.length;
        emit(e);
      }
  }
  for (const e of archiveEvents(s.board, rule, s.lastTime!)) {
    if (e.type === 'board.archived') archived += e.tasks.length;
    emit(e);
  }
  return { s, archived };
}

const COST = { input_tokens: 10, output_tokens: 2, cost_usd: 0.01 };

describe('archived tasks leave memory', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: 600 tasks through a board of at most 5 finished: every per-task map names only what is on the board`, () => {
      const { s, archived } = run(seed, 600, { after: Infinity, max: 5 });
      const onBoard = new Set(s.board.tasks.map((t) => t.id));
      expect(archived).toBe(600 - 5);
      expect(onBoard.size).toBe(5); // every task finished: none is above an unfinished one
      expect(s.board.archived.done + s.board.archived.cancelled).toBe(archived);
      const named = (m: Record<string, string>) => [...new Set(Object.values(m))].filter((t) => !onBoard.has(t));
      expect(named(s.board.messageTask)).toEqual([]);
      expect(named(s.board.threadTask)).toEqual([]);
      expect(named(s.governance.messageTask)).toEqual([]);
      // parent: the tasks on the board, and the archived tasks above them (at most 3 each).
      const g = s.governance;
      const kept = Object.keys(g.archivedParents ?? {});
      for (const k of kept) expect(onBoard.has(k)).toBe(false);
      for (const k of Object.keys(g.parent)) expect(onBoard.has(k) || kept.includes(k), k).toBe(true);
      const above = new Set<string>();
      for (const t of onBoard) for (let p = g.parent[t]; p !== undefined; p = g.parent[p]) above.add(p);
      expect(kept.filter((k) => !above.has(k))).toEqual([]);
      expect(Object.keys(g.parent).length).toBeLessThanOrEqual(5 * 4);
    });
  }

  it('a parent archived before its finished sub-task keeps its place until the sub-task goes too', () => {
    const s = emptyState();
    let seq = 0;
    const emit = (e: Record<string, unknown>) => {
      seq++;
      applyToState(s, { seq, time: new Date(T0 + seq * 1000).toISOString(), ...e } as unknown as BusEvent);
    };
    const task = (id: string, parent?: string) =>
      emit({
        ...{ type: 'message.accepted', id: `m-${id}`, from: 'ann', to: ['bob'], priority: 'normal', kind: 'task' },
        ...{ task: id, owner: 'bob', thread: `m-${id}`, hops: 0, source: 'outbox', text: 'x' },
        ...(parent ? { parent } : {}),
      });
    const done = (id: string) =>
      emit({
        ...{ type: 'message.accepted', id: `d-${id}`, from: 'bob', to: ['ann'], priority: 'normal', kind: 'message' },
        ...{ task: id, status: 'done', thread: `d-${id}`, hops: 0, source: 'outbox', text: 'x' },
      });
    const archive = (max: number) => {
      for (const e of archiveEvents(s.board, { after: Infinity, max }, s.lastTime!)) emit(e as never);
    };
    task('T-1');
    task('T-2', 'T-1');
    task('T-3', 'T-2');
    done('T-3');
    done('T-2');
    done('T-1');
    // A note raising T-3's priority after it finished: T-3 is now the last updated.
    emit({
      ...{ type: 'message.accepted', id: 'p-T-3', from: 'ann', to: ['bob'], priority: 'high', kind: 'message' },
      ...{ task: 'T-3', task_priority: 'high', thread: 'p-T-3', hops: 0, source: 'outbox', text: 'x' },
    });
    // With one finished task on the board T-3 stays and its parents leave; T-2 keeps its place above it.
    archive(1);
    expect(s.board.tasks.map((t) => t.id)).toEqual(['T-3']);
    expect(s.governance.parent).toEqual({ 'T-3': 'T-2', 'T-2': 'T-1' });
    expect(s.governance.archivedParents).toEqual({ 'T-2': true });
    archive(0);
    expect(s.board.tasks).toEqual([]);
    expect(s.governance.parent).toEqual({});
    expect(s.governance.archivedParents).toBeUndefined();
  });
});
