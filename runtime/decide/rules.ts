/**
 * The governance rules that refuse a message outright (a bounce, nothing delivered), checked
 * by decide() once the message is parsed and routed:
 *   approval_request      only mailroom sends it
 *   pause, resume         only the operator
 *   may_send_to           the sender may write only to the names its rule lists, also through
 *                         a task note's default recipients unless it is one of the task's agents
 *   kind: approval        must name a message that is held now
 *   max_task_depth        a sub-task deeper than the limit; the bounce names the chain
 *   parent                within a run for task R, only R or one of its sub-tasks
 *   max_open_tasks        no new task while the board has this many open (operator alerted once)
 *   priority              only a task's creator or the operator changes it
 * Pure: the config and the folded state come in; nothing is read or written.
 */
import { MAILROOM, OPERATOR } from '../../bus/vocabulary.js';
import type { Draft } from '../../bus/message.js';
import { Rejection } from '../../bus/rejection.js';
import { operatorAlert, type SystemMessage } from '../../bus/system-mail.js';
import { FINAL_STATUSES, findTask, type Board, type Task } from '../../board/fold.js';
import type { OrgConfig } from '../config/schema.js';
import type { GovernanceState } from '../state/governance.js';

/** A refusal that also alerts the operator (once: the alert's id is derived from the situation). */
export class AlertingRejection extends Rejection {
  constructor(
    reason: string,
    fix: string,
    readonly alert: SystemMessage,
  ) {
    super(reason, fix);
  }
}

export interface RuleContext {
  config: OrgConfig;
  board: Board;
  governance: GovernanceState;
  now: string;
}

/** Expand names as route() would (groups, `*`), for may_send_to. */
function allowedNames(config: OrgConfig, sender: string, names: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const n of names) {
    const group = config.groups[n];
    if (group) for (const m of group) out.add(m);
    else out.add(n);
  }
  out.delete(sender);
  out.add(OPERATOR); // an agent can always ask the operator (to be let write to someone, say)
  return out;
}

export function checkMaySendTo(config: OrgConfig, sender: string, to: readonly string[]): void {
  const rule = config.agents[sender]?.governance.maySendTo;
  if (!rule) return;
  const allowed = allowedNames(config, sender, rule);
  const refused = to.filter((r) => r !== sender && !allowed.has(r));
  if (refused.length === 0) return;
  throw new Rejection(
    `${sender} may write only to ${[...rule, ...(rule.includes(OPERATOR) ? [] : [OPERATOR])].join(', ')} (may_send_to in mailroom.yaml; the operator always), and ${refused.join(', ')} ${refused.length === 1 ? 'is' : 'are'} not among them`,
    `Send it to someone may_send_to lists, who can pass it on; or ask the operator to add ${refused[0]} to agents.${sender}.may_send_to.`,
  );
}

/**
 * An update with no to: goes to the task's creator (or its owner, its recipients). The task's
 * own agents may always answer each other there; anyone else is held to its may_send_to, or a
 * note on any task would reach any task's creator.
 */
export function checkUpdateRecipients(
  config: OrgConfig,
  task: Pick<Task, 'creator' | 'owner' | 'recipients'>,
  sender: string,
  to: readonly string[],
): void {
  if (sender === task.creator || sender === task.owner || task.recipients.includes(sender)) return;
  checkMaySendTo(config, sender, to);
}

/** The chain of tasks from the root down to `task` (inclusive). */
export function taskChain(g: GovernanceState, task: string): string[] {
  const chain = [task];
  for (let t = g.parent[task]; t !== undefined && chain.length < 1000; t = g.parent[t]) chain.unshift(t);
  return chain;
}

/**
 * The task of the message `sender`'s handler was running for when the file was written
 * (`written`: its ctime, ms, which a handler cannot set back as it can its mtime with
 * `touch -d`), else of the run in progress now.
 */
export function runTaskOf(g: GovernanceState, sender: string, written?: number): string | undefined {
  const spans = g.runs[sender] ?? [];
  const fits = (r: { start: number; end?: number }) =>
    written !== undefined ? r.start <= written && (r.end === undefined || written <= r.end) : r.end === undefined;
  const run = [...spans].reverse().find(fits);
  return run ? g.messageTask[run.id] : undefined;
}

/** The task a new task from `sender` serves: its `parent:`, else the task of the run that wrote it. */
export function parentOf(
  g: GovernanceState,
  draft: Pick<Draft, 'parent'>,
  sender: string,
  written?: number,
): string | undefined {
  return draft.parent ?? runTaskOf(g, sender, written);
}

/**
 * A `parent:` written during a run for a message of task R must be R or one of its sub-tasks:
 * naming a shallower task or another tree would escape max_task_depth and R's budget_usd.
 */
export function checkParentInRun(g: GovernanceState, parent: string, sender: string, written?: number): void {
  const run = runTaskOf(g, sender, written);
  if (!run || taskChain(g, parent).includes(run)) return;
  throw new Rejection(
    `parent: ${parent} is neither ${run} nor one of its sub-tasks, but this task was written while ${sender}'s handler ran for a message of ${run}`,
    `Leave parent: out (the new task is then a sub-task of ${run}), or name ${run} or one of its sub-tasks.`,
  );
}

export function checkDepth(ctx: RuleContext, sender: string, parent: string | undefined): void {
  if (!parent) return;
  if (!findTask(ctx.board, parent))
    throw new Rejection(
      `parent: ${parent} is not a task on the board`,
      'Name a task from `mailroom board`, or leave parent: out.',
    );
  const chain = taskChain(ctx.governance, parent);
  const limit = ctx.config.agents[sender]?.governance.maxTaskDepth ?? ctx.config.governance.maxTaskDepth;
  if (chain.length + 1 <= limit) return;
  throw new Rejection(
    `this task would be a sub-task at depth ${chain.length + 1} (${chain.join(' > ')} > new), over max_task_depth ${limit}: tasks are probably spawning tasks in a loop`,
    `Do the work within ${chain.at(-1)} instead of delegating it again, or ask the operator to raise max_task_depth.`,
  );
}

export function checkOpenTasks(ctx: RuleContext): void {
  const open = ctx.board.tasks.filter((t) => !FINAL_STATUSES.includes(t.status)).length;
  const limit = ctx.config.governance.maxOpenTasks;
  if (open < limit) return;
  const alert = operatorAlert(
    'max-open-tasks',
    [String(ctx.board.tasks.length)],
    `New tasks refused: ${open} tasks are open (max_open_tasks ${limit})`,
    `The board has ${open} open tasks, at max_open_tasks (${limit}), so new tasks are refused with a bounce; existing work goes on.\n\nSee \`mailroom board\`; cancel what is not needed, or raise max_open_tasks in mailroom.yaml.`,
    ctx.now,
  );
  throw new AlertingRejection(
    `the board has ${open} open tasks, at max_open_tasks (${limit}); no new task is taken until some finish`,
    'Finish or cancel open tasks first, or send a plain message instead; the operator has been told.',
    alert,
  );
}

export function checkPriorityChange(
  board: Board,
  draft: Pick<Draft, 'task' | 'priority' | 'priorityGiven'>,
  sender: string,
): void {
  if (!draft.task || !draft.priorityGiven) return;
  const task = findTask(board, draft.task);
  if (!task || task.priority === draft.priority || sender === task.creator || sender === OPERATOR) return;
  throw new Rejection(
    `only ${task.id}'s creator ${task.creator} or the operator may change its priority (${task.priority} -> ${draft.priority})`,
    `Leave priority: out of the update, or ask ${task.creator} to change it.`,
  );
}

export function checkApproval(g: GovernanceState, approves: string | undefined): void {
  const h = approves ? g.held[approves] : undefined;
  if (!approves) return;
  if (!h)
    throw new Rejection(
      `approves: ${approves} names no held message`,
      'Copy the held: id from the approval request (`mailroom audit` lists them).',
    );
  if (h.status !== 'held')
    throw new Rejection(
      `${approves} was already ${h.status} by ${h.decided_by} at ${h.decided}`,
      'Nothing more to decide; see `mailroom audit`.',
    );
}

/** Every rule that refuses a parsed, routed message. Returns the parent task of a new task, if any. */
export function checkRules(
  ctx: RuleContext,
  draft: Draft,
  sender: string,
  to: readonly string[],
  written?: number,
): { parent?: string } {
  if (draft.kind === 'approval_request' && sender !== MAILROOM)
    throw new Rejection(
      'kind: approval_request is sent by mailroom only',
      'To decide a held message, send `kind: approval` with approves: and decision:.',
    );
  if ((draft.kind === 'pause' || draft.kind === 'resume') && sender !== OPERATOR) {
    throw new Rejection(
      `kind: ${draft.kind} is the operator's circuit breaker; an agent cannot ${draft.kind} anyone`,
      'Write to the operator if an agent should be paused.',
    );
  }
  if (draft.to) checkMaySendTo(ctx.config, sender, to);
  if (draft.kind === 'approval') checkApproval(ctx.governance, draft.approves);
  checkPriorityChange(ctx.board, draft, sender);
  if (draft.kind !== 'task') return {};
  const parent = parentOf(ctx.governance, draft, sender, written);
  checkDepth(ctx, sender, parent);
  if (draft.parent) checkParentInRun(ctx.governance, draft.parent, sender, written);
  checkOpenTasks(ctx);
  return parent ? { parent } : {};
}

/** Whether an alert with this id was sent already (system mail is in the threads map once accepted). */
export function alreadySent(threads: ReadonlyMap<string, unknown>, id: string): boolean {
  return threads.has(id);
}
