/**
 * An agent's BRIEF.md, for the context cliff: after its context is compacted, an agent reads
 * this to find its place again. Derived from the fold alone (absolute UTC times, no clock), so
 * a rebuild gives the same bytes:
 *   - its open tasks (owned, may claim, created), each with the last message of its thread,
 *   - what each waits on: its unfinished sub-tasks, `blocked_by:` tasks, held approvals,
 *   - what waits on it: unfinished tasks that name it in `blocked_by:`,
 *   - the decisions (approvals and rejections) recorded in its threads.
 * Pure.
 */
import { FINAL_STATUSES, findTask, type Board, type Task } from './fold.js';
import { byUrgency, utcTime } from './render.js';

/** What the brief needs of a held message (runtime/state/governance.ts HeldRecord has it). */
export interface HeldFacts {
  id: string;
  kind: string;
  from: string;
  status: 'held' | 'approved' | 'refused';
  requested: string;
  task?: string;
  thread?: string;
  amount?: number;
  currency?: string;
  subject?: string;
  decided_by?: string;
  decided?: string;
  reason?: string;
  note?: string;
}

export interface BriefFacts {
  held: Readonly<Record<string, HeldFacts>>;
  /** Sub-task -> its parent task. */
  parent: Readonly<Record<string, string>>;
}

const open = (t: Task | undefined): t is Task => t !== undefined && !FINAL_STATUSES.includes(t.status);
const one = (s: string, max = 120) => {
  const x = s.replace(/\s+/g, ' ');
  return x.length > max ? `${x.slice(0, max - 3)}...` : x;
};

function heldFor(t: Task, facts: BriefFacts): HeldFacts[] {
  return Object.values(facts.held).filter((h) => h.task === t.id || (t.thread !== undefined && h.thread === t.thread));
}

function money(h: HeldFacts): string {
  return h.amount !== undefined ? ` ${h.amount}${h.currency ? ` ${h.currency}` : ''}` : '';
}

function taskLines(t: Task, agent: string, board: Board, facts: BriefFacts): string[] {
  const head = `- ${t.id} [${t.priority}] ${one(t.title)} (${t.status}${t.owner && t.owner !== agent ? `, owner ${t.owner}` : ''}, created ${utcTime(t.created)}${t.due ? `, due ${t.due}` : ''})`;
  const lines = [head];
  if (t.last)
    lines.push(
      `  - last message: ${utcTime(t.last.time)} from ${t.last.from}${t.last.subject !== undefined ? ` "${one(t.last.subject, 80)}"` : ''} (${t.last.id}): ${t.last.excerpt || '(empty)'}`,
    );
  const subs = Object.entries(facts.parent)
    .filter(([, p]) => p === t.id)
    .map(([s]) => findTask(board, s))
    .filter(open);
  const blockers = (t.blockedBy ?? []).map((b) => findTask(board, b)).filter(open);
  const held = heldFor(t, facts).filter((h) => h.status === 'held');
  const waits = [
    ...subs.map((s) => `sub-task ${s.id} (${s.status}, ${s.owner ?? 'unclaimed'})`),
    ...blockers.map((b) => `${b.id} (blocked_by, ${b.status})`),
    ...held.map((h) => `approval of ${h.kind}${money(h)} ${h.id}`),
  ];
  if (waits.length) lines.push(`  - waits on: ${waits.join('; ')}`);
  const waiting = board.tasks.filter((o) => open(o) && o.blockedBy?.includes(t.id));
  if (waiting.length)
    lines.push(`  - waiting on it: ${waiting.map((o) => `${o.id} (${o.owner ?? 'unclaimed'})`).join(', ')}`);
  return lines;
}

function decisions(tasks: Task[], facts: BriefFacts): string[] {
  const seen = new Set<string>();
  const out: HeldFacts[] = [];
  for (const t of tasks)
    for (const h of heldFor(t, facts)) if (h.status !== 'held' && !seen.has(h.id)) seen.add(h.id), out.push(h);
  out.sort((a, b) => (a.decided ?? '').localeCompare(b.decided ?? '') || a.id.localeCompare(b.id));
  return out.map(
    (h) =>
      `- ${utcTime(h.decided ?? h.requested)} ${h.kind}${money(h)} ${h.id} from ${h.from}${h.task ? ` (${h.task})` : ''}: ${h.status === 'approved' ? 'approved' : 'rejected'} by ${h.decided_by ?? '?'}${h.reason ? `: ${one(h.reason)}` : h.note ? `: ${one(h.note)}` : ''}`,
  );
}

/** BRIEF.md for `agent`. */
export function renderBrief(board: Board, agent: string, facts: BriefFacts = { held: {}, parent: {} }): string {
  const live = board.tasks.filter(open);
  const owned = live.filter((t) => t.owner === agent).sort(byUrgency);
  const claimable = live.filter((t) => t.owner === null && t.recipients.includes(agent)).sort(byUrgency);
  const created = live.filter((t) => t.creator === agent && t.owner !== agent).sort(byUrgency);
  const section = (title: string, tasks: Task[]) => [
    `## ${title} (${tasks.length})`,
    '',
    ...(tasks.length ? tasks.flatMap((t) => taskLines(t, agent, board, facts)) : ['_none_']),
    '',
  ];
  const decided = decisions([...owned, ...claimable, ...created], facts);
  return [
    `# Brief for ${agent}`,
    '',
    `Derived from the event log (as of ${board.asOf ?? 'no events yet'}); read-only, rewritten as work moves. Read it after your context is compacted. Update a task by sending \`task: T-n\` with \`status: in_progress | blocked | done | cancelled\`.`,
    '',
    ...section('Your tasks', owned),
    ...section('Tasks you may claim', claimable),
    ...section('Tasks you created', created),
    `## Decisions in your threads (${decided.length})`,
    '',
    ...(decided.length ? decided : ['_none_']),
    '',
  ].join('\n');
}
