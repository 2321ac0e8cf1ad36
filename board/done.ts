/**
 * Which done and cancelled tasks leave BOARD.md and board.json for the monthly archive
 * (archive.ts), by two settings:
 *   board_done_after  those last updated more than this before the board's time (`asOf`);
 *   board_done_max    of the others, all but the newest this many (newest by last update, then
 *                     by the higher number: deterministic), so a busy org's board holds a
 *                     bounded number of finished tasks whatever their age.
 * A task that is due stays off BOARD.md whether the daemon has archived it yet or not, and the
 * two views agree: a task archived by age stays older than the cut (the board's time only moves
 * on); one archived by count had `max` newer finished tasks, which stay finished and newer (a
 * task's last update only moves on, an archived one's never), so it is never among the newest
 * `max` again: the newest `max` of the fold are the newest `max` of the whole history.
 * Cost, per render: one pass over the tasks and one selection (quickselect, no sort) among the
 * finished ones; the predicate is then a set lookup. Pure: the time is the board's own.
 */
import { FINAL_STATUSES, taskNumber, type Board, type Task } from './fold.js';

export interface DoneRule {
  /** board_done_after (ms; Infinity: never by age). */
  readonly after: number;
  /** board_done_max (Infinity: never by count). */
  readonly max: number;
}

/** Every task shown (`board --all`, and a board rendered without the config). */
export const SHOW_ALL: DoneRule = Object.freeze({ after: Infinity, max: Infinity });

/**
 * The `k` smallest of `n` items 0..n-1 by `less` (a strict total order): their indices, in no
 * order. A quickselect of the k-th smallest, then one pass: O(n) on average; nothing sorted.
 */
export function smallest(n: number, k: number, less: (a: number, b: number) => boolean): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  if (k <= 0) return [];
  if (k >= n) return order;
  let [lo, hi] = [0, order.length - 1];
  while (lo < hi) {
    const pivot = order[(lo + hi) >>> 1]!;
    let [i, j] = [lo, hi];
    while (i <= j) {
      while (less(order[i]!, pivot)) i++;
      while (less(pivot, order[j]!)) j--;
      if (i <= j) [order[i], order[j], i, j] = [order[j]!, order[i]!, i + 1, j - 1];
    }
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else break;
  }
  const cut = order[k - 1]!;
  return order.filter((x) => x === cut || less(x, cut));
}

/**
 * The finished tasks of this board due for the archive (or archived already, were they still
 * there): a predicate over the board's own tasks, computed once. An ancestor of an unfinished
 * task is due too (BOARD.md leaves it out); archive.ts keeps it in the fold all the same.
 */
export function dueForArchive(board: Board, rule: DoneRule): (t: Task) => boolean {
  if (rule.after === Infinity && rule.max === Infinity) return () => false;
  const asOf = board.asOf === null ? Number.NaN : Date.parse(board.asOf);
  const byAge = rule.after !== Infinity && !Number.isNaN(asOf);
  const due = new Set<Task>();
  const recent: Task[] = [];
  const times: number[] = [];
  for (const t of board.tasks) {
    if (!FINAL_STATUSES.includes(t.status)) continue;
    const at = Date.parse(t.updated);
    if (byAge && asOf - at > rule.after) due.add(t);
    else recent.push(t), times.push(at);
  }
  if (recent.length > rule.max) {
    const numbers = recent.map((t) => taskNumber(t.id));
    const older = (a: number, b: number) =>
      times[a]! < times[b]! || (times[a] === times[b] && numbers[a]! < numbers[b]!);
    for (const i of smallest(recent.length, recent.length - rule.max, older)) due.add(recent[i]!);
  }
  return due.size === 0 ? () => false : (t) => due.has(t);
}
