/**
 * BOARD.md, board.json and each agent's BRIEF.md, rendered from the fold alone: the files
 * show absolute UTC times, never ages, so a rebuild from the log gives the same bytes and a
 * file read an hour later is still right. `mailroom board` passes `now` and shows ages to it.
 * Done and cancelled tasks whose last update is older than board_done_after (`doneAfter`, to
 * the board's own time) leave BOARD.md and board.json for a monthly archive,
 * board/archive/<YYYY-MM>.md (by the month of their last update; archive.ts); `board --json --all`
 * still lists them. BOARD.md is the same whether such a task is still in the fold or already
 * archived, so when the archiving happens never shows. Pure: the clock is an argument.
 */
import { comparePriority } from '../bus/priority.js';
import { formatDuration } from '../bus/time.js';
import { FINAL_STATUSES, TASK_STATUSES, taskNumber, type Board, type Task } from './fold.js';

export interface BoardJsonTask {
  id: string;
  title: string;
  status: string;
  owner: string | null;
  creator: string;
  priority: string;
  created: string;
  updated: string;
  recipients: string[];
  due?: string;
}

/** Total cost per agent and per day, sorted, for the board. */
export function costSummary(board: Board): {
  total_usd: number;
  by_day: Record<string, number>;
  by_agent: Record<string, number>;
} {
  const byDay: Record<string, number> = {};
  const byAgent: Record<string, number> = {};
  let total = 0;
  for (const agent of Object.keys(board.costs).sort()) {
    for (const [day, c] of Object.entries(board.costs[agent]!)) {
      byDay[day] = Math.round(((byDay[day] ?? 0) + c.cost_usd) * 1e6) / 1e6;
      byAgent[agent] = Math.round(((byAgent[agent] ?? 0) + c.cost_usd) * 1e6) / 1e6;
      total += c.cost_usd;
    }
  }
  const sortedDays = Object.fromEntries(Object.entries(byDay).sort(([a], [b]) => a.localeCompare(b)));
  return { total_usd: Math.round(total * 1e6) / 1e6, by_day: sortedDays, by_agent: byAgent };
}

export function costLine(board: Board): string {
  const s = costSummary(board);
  const days = Object.entries(s.by_day);
  if (days.length === 0) return 'Cost: no usage reported yet';
  const [lastDay, lastCost] = days.at(-1)!;
  const agents = Object.entries(s.by_agent)
    .sort((a, b) => b[1] - a[1])
    .map(([a, c]) => `${a} $${c.toFixed(4)}`)
    .join(', ');
  return `Cost: $${s.total_usd.toFixed(4)} in all, $${lastCost.toFixed(4)} on ${lastDay} (${agents})`;
}

/** A finished task older than `doneAfter` (ms, to the board's time): in the monthly archive, not on BOARD.md. */
export function isArchived(board: Board, t: Task, doneAfter: number): boolean {
  return archivedBefore(board, doneAfter)(t);
}

/** isArchived for many tasks: the board's time parsed once. */
export function archivedBefore(board: Board, doneAfter: number): (t: Task) => boolean {
  if (board.asOf === null || doneAfter === Infinity) return () => false;
  const asOf = Date.parse(board.asOf);
  return (t) => FINAL_STATUSES.includes(t.status) && asOf - Date.parse(t.updated) > doneAfter;
}

/** The tasks BOARD.md and board.json show (all of them with `doneAfter` Infinity). */
export function shownTasks(board: Board, doneAfter: number): Task[] {
  const archived = archivedBefore(board, doneAfter);
  return doneAfter === Infinity ? board.tasks : board.tasks.filter((t) => !archived(t));
}

/** A task as board.json lists it (and as board/archive/<YYYY-MM>.jsonl keeps it). */
export function taskJson(t: Task): BoardJsonTask {
  return {
    id: t.id,
    title: t.title,
    status: t.status,
    owner: t.owner,
    creator: t.creator,
    priority: t.priority,
    created: t.created,
    updated: t.updated,
    recipients: t.recipients,
    ...(t.due ? { due: t.due } : {}),
  };
}

export function boardJson(
  board: Board,
  doneAfter = Infinity,
): { as_of: string | null; tasks: BoardJsonTask[]; costs: Board['costs'] } {
  return { as_of: board.asOf, tasks: shownTasks(board, doneAfter).map(taskJson), costs: board.costs };
}

/** Tasks in board/archive/: those taken off the fold and those due to be at the next archiving. */
export function archivedCount(board: Board, doneAfter: number): number {
  const due = doneAfter === Infinity ? 0 : board.tasks.filter(archivedBefore(board, doneAfter)).length;
  return board.archived.done + board.archived.cancelled + due;
}

export function renderBoardJson(board: Board, doneAfter = Infinity): string {
  return JSON.stringify(boardJson(board, doneAfter), null, 2) + '\n';
}

/** Most urgent first, then oldest first, then by number (plain comparisons: a collator per call costs megabytes on a large board). */
export function byUrgency(a: Task, b: Task): number {
  return (
    comparePriority(a.priority, b.priority) ||
    (a.created < b.created ? -1 : a.created > b.created ? 1 : 0) ||
    taskNumber(a.id) - taskNumber(b.id)
  );
}

/** `2026-11-24 10:15:00Z`: when, in UTC, to the second. */
export function utcTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

/** A time as the reader sees it: absolute UTC in the files; `3m ago` with a clock. */
function when(iso: string, now: number | undefined): string {
  return now === undefined ? utcTime(iso) : `${formatDuration(Math.max(0, now - Date.parse(iso)))} ago`;
}

/** Displays cut a title (the subject has no limit of its own); the full text is in the log and board.json. */
const TITLE_MAX = 120;

function displayTitle(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > TITLE_MAX ? `${one.slice(0, TITLE_MAX - 3)}...` : one;
}

export function cell(s: string): string {
  return displayTitle(s).replace(/\|/g, '\\|');
}

/**
 * BOARD.md (no `now`: UTC times, the same bytes at every rebuild), or the `mailroom board` view
 * (ages to `now`); finished tasks older than `doneAfter` left out (in the monthly archive).
 */
export function renderBoardMd(
  board: Board,
  { doneAfter = Infinity, now }: { doneAfter?: number; now?: number } = {},
): string {
  const lines = [
    '# Board',
    '',
    `Derived from bus/events/ (as of ${board.asOf ?? 'no events yet'}). Do not edit: change a task by sending a message with \`task:\` and \`status:\`.`,
    '',
    costLine(board),
    '',
  ];
  const [created, updated] = now === undefined ? ['created (UTC)', 'updated (UTC)'] : ['age', 'updated'];
  const shown = shownTasks(board, doneAfter);
  const archived = archivedCount(board, doneAfter);
  if (archived > 0)
    lines.push(
      `${archived} done or cancelled task(s) older than ${formatDuration(doneAfter)} are in board/archive/ (one file a month; \`mailroom board --all\`).`,
      '',
    );
  const byStatus = new Map<string, Task[]>(TASK_STATUSES.map((st) => [st, []]));
  for (const t of shown) byStatus.get(t.status)!.push(t);
  for (const status of TASK_STATUSES) {
    const tasks = byStatus.get(status)!.sort(byUrgency);
    lines.push(`## ${status} (${tasks.length})`, '');
    if (tasks.length === 0) {
      lines.push('_none_', '');
      continue;
    }
    lines.push(
      `| id | priority | title | owner | creator | ${created} | ${updated} |`,
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const t of tasks) {
      const age = now === undefined ? utcTime(t.created) : formatDuration(Math.max(0, now - Date.parse(t.created)));
      lines.push(
        `| ${t.id} | ${t.priority} | ${cell(t.title)} | ${t.owner ?? `(unclaimed: ${t.recipients.join(', ')})`} | ${t.creator} | ${age} | ${when(t.updated, now)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** An agent's BRIEF.md: the open tasks it owns, may claim, or created. */
export function renderBrief(board: Board, agent: string): string {
  const open = board.tasks.filter((t) => !FINAL_STATUSES.includes(t.status));
  const owned = open.filter((t) => t.owner === agent).sort(byUrgency);
  const claimable = open.filter((t) => t.owner === null && t.recipients.includes(agent)).sort(byUrgency);
  const created = open.filter((t) => t.creator === agent && t.owner !== agent).sort(byUrgency);
  const section = (title: string, tasks: Task[]) => [
    `## ${title} (${tasks.length})`,
    '',
    ...(tasks.length
      ? tasks.map(
          (t) =>
            `- ${t.id} [${t.priority}] ${displayTitle(t.title)} (${t.status}${t.owner && t.owner !== agent ? `, owner ${t.owner}` : ''}, created ${utcTime(t.created)}${t.due ? `, due ${t.due}` : ''})`,
        )
      : ['_none_']),
    '',
  ];
  return [
    `# Brief for ${agent}`,
    '',
    `Derived from the board (as of ${board.asOf ?? 'no events yet'}); read-only. Update a task by sending \`task: T-n\` with \`status: in_progress | blocked | done | cancelled\`.`,
    '',
    ...section('Your tasks', owned),
    ...section('Tasks you may claim', claimable),
    ...section('Tasks you created', created),
  ].join('\n');
}
