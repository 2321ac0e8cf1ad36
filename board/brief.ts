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
import { FINAL_STATUSES, emptyBoard, findTask, type Board, type Task } from './fold.js';
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
  return renderBriefs(board, [agent], facts).get(agent)!;
}

interface Lists {
  owned: Task[];
  claimable: Task[];
  created: Task[];
}

/**
 * BRIEF.md of each of `agents`, the open tasks grouped by agent in one pass (not one pass over
 * the board per agent: 10,000 agents). A brief names no board-wide time, so a change that does
 * not touch an agent's tasks leaves its BRIEF.md byte for byte as it was (and it is not rewritten).
 */
export function renderBriefs(board: Board, agents: readonly string[], facts: BriefFacts): Map<string, string> {
  const busy = busyBriefs(board, facts);
  const out = new Map<string, string>();
  for (const agent of agents) out.set(agent, busy.get(agent) ?? idleBrief(agent));
  return out;
}

/**
 * BRIEF.md of every name with an open task (owned, may claim, created), in one pass over the
 * board: the only briefs a board change can alter. Every other agent's is `idleBrief(agent)`,
 * which depends on nothing but its name, so the daemon renders these after a board change and
 * not 10,000 briefs (30-120 ms at 10,000 agents, after every commit that changed the board).
 * Keys may name someone who is not an agent of the org (the operator, another org's agent).
 */
export function busyBriefs(board: Board, facts: BriefFacts): Map<string, string> {
  const lists = new Map<string, Lists>();
  const of = (a: string) => {
    let l = lists.get(a);
    if (!l) lists.set(a, (l = { owned: [], claimable: [], created: [] }));
    return l;
  };
  for (const t of board.tasks) {
    if (!open(t)) continue;
    if (t.owner !== null) of(t.owner).owned.push(t);
    else for (const r of new Set(t.recipients)) of(r).claimable.push(t);
    if (t.creator !== t.owner) of(t.creator).created.push(t);
  }
  const out = new Map<string, string>();
  for (const [agent, l] of lists) out.set(agent, briefText(board, agent, facts, l));
  return out;
}

const NO_FACTS: BriefFacts = { held: {}, parent: {} };

/** BRIEF.md of an agent with no open task: the same for every board. */
export function idleBrief(agent: string): string {
  return briefText(emptyBoard(), agent, NO_FACTS, undefined);
}

function briefText(board: Board, agent: string, facts: BriefFacts, l: Lists | undefined): string {
  const [owned, claimable, created] = [l?.owned ?? [], l?.claimable ?? [], l?.created ?? []].map((x) =>
    x.sort(byUrgency),
  ) as [Task[], Task[], Task[]];
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
    'Derived from the event log; read-only, rewritten as work moves. Read it after your context is compacted. Update a task by sending `task: T-n` with `status: in_progress | blocked | done | cancelled`.',
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
