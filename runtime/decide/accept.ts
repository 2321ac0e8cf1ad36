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
import { checkRules } from './rules.js';

export interface Incoming {
  bytes: Uint8Array;
  /** The agent whose outbox it was in, or `operator` for a file dropped into an inbox. */
  sender: string;
  source: 'outbox' | 'inbox';
  /** For an inbox drop: whose inbox. */
  inboxOwner?: string;
  origin: string;
  originIno?: number;
  /** When the file was last written (mtime, ms): which handler run wrote it (sub-tasks). */
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
  /** Known messages, for `reply_to:`. */
  threads: ReadonlyMap<string, ThreadInfo>;
  maxHops: number;
  /** Held messages, pauses, the task tree (state/governance.ts). */
  governance?: GovernanceState;
}

export type AcceptedFields = Omit<MessageAccepted, 'seq'>;

export function decide(input: Incoming, ctx: Context, id: string, now: string): AcceptedFields {
  const draft: Draft = parseMessage(input.bytes, ctx.config.maxMessageBytes, ctx.config.governance.approvalRequired);
  if (draft.claimedFrom !== undefined && draft.claimedFrom !== input.sender) {
    const where =
      input.source === 'outbox' ? `${input.sender}'s outbox` : `an inbox (dropped by a person, so from ${OPERATOR})`;
    throw new Rejection(
      `from: says ${JSON.stringify(draft.claimedFrom)} but the file was in ${where}; a message cannot claim to be from someone else`,
      `Leave from: out (mailroom stamps it), or send from ${draft.claimedFrom}'s own outbox.`,
    );
  }

  let to: string[];
  if (input.source === 'inbox') {
    const owner = input.inboxOwner!;
    if (draft.to && !(draft.to.length === 1 && draft.to[0] === owner)) {
      throw new Rejection(
        `the file was dropped into ${owner}'s inbox but its to: names ${draft.to.join(', ')}`,
        `Drop it into workspaces/${OPERATOR}/outbox/ to send it to others, or write \`to: ${owner}\`.`,
      );
    }
    to = [owner];
  } else if ((draft.task || draft.kind === 'approval') && !draft.to) {
    to = []; // filled in from the task below; a decision goes to the daemon
  } else if (!draft.to) {
    throw new Rejection(
      'to: is missing, so the message has no recipient',
      'Add `to: <agent>` (an agent, a group, a list, or "*").',
    );
  } else {
    to = route(draft.to, input.sender, ctx.config);
  }

  if (draft.attachments?.length && input.source !== 'outbox') {
    throw new Rejection(
      "attachments: are sent from an outbox, where the files can be found in the sender's workspace",
      `Drop the message into workspaces/${OPERATOR}/outbox/ with the files in workspaces/${OPERATOR}/.`,
    );
  }
  let thread = id;
  let hops = 0;
  if (draft.replyTo) {
    const parent = ctx.threads.get(draft.replyTo);
    if (!parent)
      throw new Rejection(
        `reply_to: ${draft.replyTo} names no message this org has seen`,
        'Copy the id: of the message you answer, or leave reply_to: out.',
      );
    thread = parent.thread;
    hops = parent.hops + 1;
    if (hops > ctx.maxHops) {
      throw new Rejection(
        `this reply would be hop ${hops} of thread ${thread}, over the limit of ${ctx.maxHops}: agents are probably answering each other in a loop`,
        'Start a new message without reply_to: if the conversation really must go on.',
      );
    }
  }

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
    if (to.length === 0) to = defaultUpdateRecipients(task, input.sender);
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
