/**
 * The dispatcher's decision for one incoming file, as a pure function:
 *   bytes + who sent it + the config + the board  ->  an accepted event, or a Rejection.
 * No I/O, no clock: the caller passes the id and the time.
 */
import { OPERATOR } from '../../bus/vocabulary.js';
import { parseMessage, stampMessage, type Draft } from '../../bus/message.js';
import type { MessageAccepted, NewEvent } from '../../bus/events.js';
import { Rejection } from '../../bus/rejection.js';
import { route } from '../../bus/route.js';
import { nextTaskId, type Board } from '../../board/fold.js';
import { checkUpdate, defaultUpdateRecipients } from '../../board/rules.js';

import type { OrgConfig } from '../config/schema.js';
import { emptyGovernance, type GovernanceState } from '../state/governance.js';
import { checkRules, checkUpdateRecipients, runTaskOf } from './rules.js';

export interface Incoming {
  bytes: Uint8Array;
  /** The agent whose outbox it was in, or `operator` for a file dropped into an inbox. */
  sender: string;
  source: 'outbox' | 'inbox';
  /** For an inbox drop: whose inbox. */
  inboxOwner?: string;
  origin: string;
  originIno?: number;
  /**
   * When the file was last changed (its ctime, ms: a handler can back-date its mtime, not its
   * ctime): which handler run wrote it (sub-tasks).
   */
  written?: number;
}

export interface ThreadInfo {
  thread: string;
  hops: number;
  /** The message's sender (who a handler failure bounces to). */
  from: string;
}

export interface Context {
  config: OrgConfig;
  board: Board;
  /** Known messages, for `reply_to:` (those of threads idle past thread_ttl are not). */
  threads: { get(id: string): ThreadInfo | undefined };
  maxHops: number;
  /** Held messages, pauses, the task tree (state/governance.ts). */
  governance?: GovernanceState;
}

export type AcceptedFields = Omit<MessageAccepted, 'seq'>;

/** A plain message from an outbox serves the task of the handler run that wrote it (MessageAccepted.serves). */
function servesOf(g: GovernanceState, input: Incoming): { serves?: string } {
  const task = input.source === 'outbox' ? runTaskOf(g, input.sender, input.written) : undefined;
  return task ? { serves: task } : {};
}

export function decide(input: Incoming, ctx: Context, id: string, now: string): AcceptedFields {
  const draft: Draft = parseMessage(input.bytes, ctx.config.maxMessageBytes, ctx.config.governance.approvalRequired);
  let to = checkAddressing(draft, input, ctx.config);
  checkAttachmentsSource(draft, input);
  let { thread, hops } = resolveThread(draft, ctx, id);

  const governance = ctx.governance ?? emptyGovernance();
  const { parent } = checkRules(
    { config: ctx.config, board: ctx.board, governance, now },
    draft,
    input.sender,
    to,
    input.written,
  );
  if (draft.kind === 'approval') to = [];

  let taskId: string | undefined;
  let owner: string | undefined;
  if (draft.kind === 'task') {
    taskId = nextTaskId(ctx.board);
    const named = draft.to ?? [];
    if (named.length === 1 && to.length === 1 && named[0] === to[0]) owner = to[0];
  } else if (draft.task) {
    const task = checkUpdate(ctx.board, draft.task, input.sender, draft.status);
    if (to.length === 0) {
      to = defaultUpdateRecipients(task, input.sender);
      checkUpdateRecipients(ctx.config, task, input.sender, to);
    }
    if (!draft.replyTo) thread = ctx.threads.get(task.message)?.thread ?? thread;
  }

  const stamped = parent && !draft.parent ? { ...draft, parent } : draft;
  const text = stampMessage(stamped, { id, from: input.sender, to, sent: now, thread, hops, taskId });
  const event: NewEvent & AcceptedFields = {
    time: now,
    type: 'message.accepted',
    id,
    from: input.sender,
    to,
    priority: draft.priority,
    ...(draft.subject !== undefined ? { subject: draft.subject } : {}),
    kind: draft.kind,
    ...((taskId ?? draft.task) ? { task: taskId ?? draft.task } : {}),
    ...(draft.status ? { status: draft.status } : {}),
    ...(!taskId && !draft.task ? servesOf(governance, input) : {}),
    ...(owner ? { owner } : {}),
    ...(draft.due ? { due: draft.due } : {}),
    thread,
    hops,
    source: input.source,
    origin: input.origin,
    ...(input.originIno !== undefined ? { originIno: input.originIno } : {}),
    text,
    ...(draft.attachments?.length ? { attachments: draft.attachments } : {}),
    ...governanceFields(stamped),
    ...(draft.task && draft.priorityGiven ? { task_priority: draft.priority } : {}),
  };
  return event;
}

/** A message may not claim to be from anyone but the owner of the outbox it was in. */
/**
 * Who it claims to be from and whom it goes to: the recipients (routed). `send` and `compose`
 * make the same checks before they write, so a mistake is said at once, not in a bounce.
 */
export function checkAddressing(draft: Draft, input: Incoming, config: OrgConfig): string[] {
  checkClaimedFrom(draft, input);
  return resolveRecipients(draft, input, config);
}

function checkClaimedFrom(draft: Draft, input: Incoming): void {
  if (draft.claimedFrom !== undefined && draft.claimedFrom !== input.sender) {
    const where =
      input.source === 'outbox' ? `${input.sender}'s outbox` : `an inbox (dropped by a person, so from ${OPERATOR})`;
    throw new Rejection(
      `from: says ${JSON.stringify(draft.claimedFrom)} but the file was in ${where}; a message cannot claim to be from someone else`,
      `Leave from: out (mailroom stamps it), or send from ${draft.claimedFrom}'s own outbox.`,
    );
  }
}

/** The recipients: the inbox owner for a drop, none yet for a task update without to:, else the routed to:. */
function resolveRecipients(draft: Draft, input: Incoming, config: OrgConfig): string[] {
  if (input.source === 'inbox') {
    const owner = input.inboxOwner!;
    if (draft.to && !(draft.to.length === 1 && draft.to[0] === owner)) {
      throw new Rejection(
        `the file was dropped into ${owner}'s inbox but its to: names ${draft.to.join(', ')}`,
        `Drop it into workspaces/${OPERATOR}/outbox/ to send it to others, or write \`to: ${owner}\`.`,
      );
    }
    return [owner];
  }
  if ((draft.task || draft.kind === 'approval') && !draft.to) return []; // filled in from the task later; a decision goes to the daemon
  if (!draft.to) {
    throw new Rejection(
      'to: is missing, so the message has no recipient',
      'Add `to: <agent>` (an agent, a group, a list, or "*").',
    );
  }
  return route(draft.to, input.sender, config);
}

function checkAttachmentsSource(draft: Draft, input: Incoming): void {
  if (draft.attachments?.length && input.source !== 'outbox') {
    throw new Rejection(
      "attachments: are sent from an outbox, where the files can be found in the sender's workspace",
      `Drop the message into workspaces/${OPERATOR}/outbox/ with the files in workspaces/${OPERATOR}/.`,
    );
  }
}

/** The thread and hop count: a new thread (the message's own id) unless it replies to a known message. */
function resolveThread(draft: Draft, ctx: Context, id: string): { thread: string; hops: number } {
  if (!draft.replyTo) return { thread: id, hops: 0 };
  const parent = ctx.threads.get(draft.replyTo);
  if (!parent) {
    throw new Rejection(
      `reply_to: ${draft.replyTo} names no message this org knows: a wrong id, or a message of a thread idle longer than thread_ttl (forgotten)`,
      'Copy the id: of the message you answer, or leave reply_to: out to start a new thread (mention the old id in the text).',
    );
  }
  const thread = parent.thread;
  const hops = parent.hops + 1;
  if (hops > ctx.maxHops) {
    throw new Rejection(
      `this reply would be hop ${hops} of thread ${thread}, over the limit of ${ctx.maxHops}: agents are probably answering each other in a loop`,
      'Start a new message without reply_to: if the conversation really must go on.',
    );
  }
  return { thread, hops };
}

/** The governance keys of a draft, as event fields. */
function governanceFields(d: Draft): Partial<AcceptedFields> {
  return {
    ...(d.amount !== undefined ? { amount: d.amount } : {}),
    ...(d.currency !== undefined ? { currency: d.currency } : {}),
    ...(d.approves !== undefined ? { approves: d.approves } : {}),
    ...(d.decision !== undefined ? { decision: d.decision } : {}),
    ...(d.kind === 'approval' && d.reason !== undefined ? { reason: d.reason } : {}),
    ...(d.kind === 'approval' && d.note !== undefined ? { note: d.note } : {}),
    ...(d.parent !== undefined ? { parent: d.parent } : {}),
    ...(d.budgetUsd !== undefined ? { budget_usd: d.budgetUsd } : {}),
    ...(d.blockedBy?.length ? { blocked_by: d.blockedBy } : {}),
  };
}
