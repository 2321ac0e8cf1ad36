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

/**
 * Who relates to whom, indexed once per render: a brief looked each of these up by a pass over
 * every task or held message per task (10,000 open tasks: 10^8 steps, 9 s of a 40 s profile).
 */
interface Relations {
  /** Task -> its sub-tasks (facts.parent's order). */
  subs: Map<string, string[]>;
  /** Task -> the open tasks that name it in blocked_by (board order). */
  waiting: Map<string, Task[]>;
  /** Task id or thread -> held messages about it, with their place in facts.held. */
  held: Map<string, Array<{ h: HeldFacts; at: number }>>;
}

const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
};

function relations(board: Board, facts: BriefFacts): Relations {
  const r: Relations = { subs: new Map(), waiting: new Map(), held: new Map() };
  for (const [sub, parent] of Object.entries(facts.parent)) push(r.subs, parent, sub);
  for (const o of board.tasks) if (open(o) && o.blockedBy) for (const b of new Set(o.blockedBy)) push(r.waiting, b, o);
  Object.values(facts.held).forEach((h, at) => {
    if (h.task !== undefined) push(r.held, `task ${h.task}`, { h, at });
    if (h.thread !== undefined) push(r.held, `thread ${h.thread}`, { h, at });
  });
  return r;
}

function heldFor(t: Task, r: Relations): HeldFacts[] {
  if (r.held.size === 0) return [];
  const found = [
    ...(r.held.get(`task ${t.id}`) ?? []),
    ...(t.thread !== undefined ? (r.held.get(`thread ${t.thread}`) ?? []) : []),
  ];
  const seen = new Set<number>();
  return found
    .filter(({ at }) => !seen.has(at) && seen.add(at))
    .sort((a, b) => a.at - b.at)
    .map(({ h }) => h);
}

function money(h: HeldFacts): string {
  return h.amount !== undefined ? ` ${h.amount}${h.currency ? ` ${h.currency}` : ''}` : '';
}

const NONE: readonly never[] = [];

/** The lines of one task in a brief, pushed onto `out`. */
function taskLines(out: string[], t: Task, agent: string, board: Board, r: Relations): void {
  out.push(
    `- ${t.id} [${t.priority}] ${one(t.title)} (${t.status}${t.owner && t.owner !== agent ? `, owner ${t.owner}` : ''}, created ${utcTime(t.created)}${t.due ? `, due ${t.due}` : ''})`,
  );
  if (t.last)
    out.push(
      `  - last message: ${utcTime(t.last.time)} from ${t.last.from}${t.last.subject !== undefined ? ` "${one(t.last.subject, 80)}"` : ''} (${t.last.id}): ${t.last.excerpt || '(empty)'}`,
    );
  const subs = (r.subs.get(t.id) ?? NONE).map((s) => findTask(board, s)).filter(open);
  const blockers = (t.blockedBy ?? NONE).map((b) => findTask(board, b)).filter(open);
  const held = heldFor(t, r).filter((h) => h.status === 'held');
  if (subs.length || blockers.length || held.length) {
    const waits = [
      ...subs.map((s) => `sub-task ${s.id} (${s.status}, ${s.owner ?? 'unclaimed'})`),
      ...blockers.map((b) => `${b.id} (blocked_by, ${b.status})`),
      ...held.map((h) => `approval of ${h.kind}${money(h)} ${h.id}`),
    ];
    out.push(`  - waits on: ${waits.join('; ')}`);
  }
  const waiting = r.waiting.get(t.id);
  if (waiting?.length)
    out.push(`  - waiting on it: ${waiting.map((o) => `${o.id} (${o.owner ?? 'unclaimed'})`).join(', ')}`);
}

function decisions(tasks: Task[], r: Relations): string[] {
  if (r.held.size === 0) return [];
  const seen = new Set<string>();
  const out: HeldFacts[] = [];
  for (const t of tasks)
    for (const h of heldFor(t, r)) if (h.status !== 'held' && !seen.has(h.id)) seen.add(h.id), out.push(h);
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

/** BRIEF.md of each of `agents`: its busy brief if it has an open task, else the idle one. */
export function renderBriefs(board: Board, agents: readonly string[], facts: BriefFacts): Map<string, string> {
  const busy = busyBriefs(board, facts);
  const out = new Map<string, string>();
  for (const agent of agents) out.set(agent, busy.get(agent) ?? idleBrief(agent));
  return out;
}

/** busyBriefsOneByOne, collected. */
export function busyBriefs(board: Board, facts: BriefFacts): Map<string, string> {
  return new Map(busyBriefsOneByOne(board, facts));
}

/**
 * BRIEF.md of every name with an open task (owned, may claim, created), the open tasks grouped
 * by agent in one pass over the board (not one per agent: 10,000 agents): the only briefs a board
 * change can alter. Every other agent's is `idleBrief(agent)`, which depends on nothing but its
 * name, so the daemon renders these after a board change and not 10,000 briefs (30-120 ms at
 * 10,000 agents, after every commit that changed the board). A brief names no board-wide time, so
 * a change that does not touch an agent's tasks leaves its BRIEF.md byte for byte as it was.
 * Names may be someone who is not an agent of the org (the operator, another org's agent).
 */
export function* busyBriefsOneByOne(board: Board, facts: BriefFacts): Generator<[agent: string, text: string]> {
  for (const step of busyBriefSteps(board, facts)) if (step) yield step;
}

/**
 * busyBriefsOneByOne in steps: each brief when it is whole, and `null` where a caller that renders
 * in slices may pause (after the grouping, and every `batch` tasks within a brief: an agent with
 * thousands of tasks is a long brief).
 */
export function* busyBriefSteps(
  board: Board,
  facts: BriefFacts,
  batch = 100,
): Generator<[agent: string, text: string] | null> {
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
  yield null;
  const r = relations(board, facts);
  yield null;
  for (const [agent, l] of lists) {
    const lines: string[] = [];
    for (const _ of briefLines(lines, board, agent, r, l, batch)) yield null;
    yield [agent, lines.join('\n')];
  }
}

const NO_FACTS: BriefFacts = { held: {}, parent: {} };

/** BRIEF.md of an agent with no open task: the same for every board. */
export function idleBrief(agent: string): string {
  const board = emptyBoard();
  const lines: string[] = [];
  for (const _ of briefLines(lines, board, agent, relations(board, NO_FACTS), undefined, Infinity));
  return lines.join('\n');
}

/** The lines of BRIEF.md (joined by newlines, its text) pushed onto `out`, pausing every `batch` tasks. */
function* briefLines(
  out: string[],
  board: Board,
  agent: string,
  r: Relations,
  l: Lists | undefined,
  batch: number,
): Generator<void> {
  const [owned, claimable, created] = [l?.owned ?? [], l?.claimable ?? [], l?.created ?? []].map((x) =>
    x.sort(byUrgency),
  ) as [Task[], Task[], Task[]];
  out.push(
    `# Brief for ${agent}`,
    '',
    'Derived from the event log; read-only, rewritten as work moves. Read it after your context is compacted. Update a task by sending `task: T-n` with `status: in_progress | blocked | done | cancelled`.',
    '',
  );
  let n = 0;
  for (const [title, tasks] of [
    ['Your tasks', owned],
    ['Tasks you may claim', claimable],
    ['Tasks you created', created],
  ] as const) {
    out.push(`## ${title} (${tasks.length})`, '');
    if (tasks.length === 0) out.push('_none_');
    for (const t of tasks) {
      taskLines(out, t, agent, board, r);
      if (++n % batch === 0) yield;
    }
    out.push('');
  }
  const decided = decisions([...owned, ...claimable, ...created], r);
  out.push(`## Decisions in your threads (${decided.length})`, '', ...(decided.length ? decided : ['_none_']), '');
}
