/**
 * What an org does with a message that arrives over the bridge, as a pure decision:
 *   seen before (its id is in the log: a delivery repeated after a crash) -> repeat (ack only)
 *   for agents of this org, a task update of a task this org has      -> accept (source bridge)
 *   anything else (an unknown agent, a task this org does not have)    -> reject, and a bounce
 *     to the sender, which goes back over the bridge like any other mail to `agent@org`
 * The accepted message keeps its id and is `from: agent@sender-org`; a new task gets this org's
 * next task number; an update names the task by the message that created it.
 */
import { MAILROOM } from '../../bus/vocabulary.js';
import { isRemote, parseAddress } from '../../bus/address.js';
import type { MessageRejected } from '../../bus/events.js';
import { parseMessage, stampMessage, type Draft } from '../../bus/message.js';
import { Rejection } from '../../bus/rejection.js';
import { route } from '../../bus/route.js';
import { bounceMail, type SystemMessage } from '../../bus/system-mail.js';
import { bounceId, keptName } from '../../bus/store/deadletter.js';
import { nextTaskId, type Board } from '../../board/fold.js';
import { checkUpdate } from '../../board/rules.js';
import type { OrgConfig } from '../config/schema.js';
import type { AcceptedFields } from '../decide/accept.js';
import type { Wire } from './wire.js';

export interface InboundContext {
  config: OrgConfig;
  board: Board;
  /** Is this id in the log already (accepted or rejected)? */
  seen: (id: string) => boolean;
  maxHops: number;
}

export type InboundDecision =
  | { kind: 'repeat' }
  | { kind: 'accept'; fields: AcceptedFields }
  /** `bounce` is null for mail from another org's mailroom (a bounce is never bounced: no loops). */
  | { kind: 'reject'; rejected: Omit<MessageRejected, 'seq'>; bounce: SystemMessage | null };

/** The name a rejected message from another org is kept under in bus/deadletter/. */
export function bridgeOrigin(w: Pick<Wire, 'id' | 'from'>): string {
  return `bridge-${parseAddress(w.from)?.org ?? 'unknown'}-${w.id}.md`;
}

export function decideInbound(w: Wire, ctx: InboundContext, now: string): InboundDecision {
  if (ctx.seen(w.id)) return { kind: 'repeat' };
  try {
    return { kind: 'accept', fields: accept(w, ctx, now) };
  } catch (err) {
    if (!(err instanceof Rejection)) throw err;
    const origin = bridgeOrigin(w);
    const sender = parseAddress(w.from)!;
    const mayBounce = sender.agent !== MAILROOM;
    const rejected: Omit<MessageRejected, 'seq'> = {
      time: now,
      type: 'message.rejected',
      id: w.id,
      from: w.from,
      source: 'bridge',
      origin,
      reason: err.reason,
      fix: err.fix,
      kept: `bus/deadletter/${keptName(w.id, origin)}`,
      bounce: mayBounce ? bounceId(w.id) : '',
    };
    return {
      kind: 'reject',
      rejected,
      bounce: mayBounce ? bounceMail(rejected, `org ${sender.org}, over the bridge`) : null,
    };
  }
}

function accept(w: Wire, ctx: InboundContext, now: string): AcceptedFields {
  const draft = parseMessage(new TextEncoder().encode(withoutTaskNumber(w.text)), ctx.config.maxMessageBytes);
  const org = parseAddress(w.from)!.org;
  // Only this org's agents and groups; a group's members at other orgs are not reached from here.
  const to = route(w.to, w.from, { agents: ctx.config.agents, groups: ctx.config.groups, bridge: null }).filter(
    (r) => !isRemote(r),
  );
  if (to.length === 0)
    throw new Rejection(`to: ${JSON.stringify(w.to)} reaches no agent of this org`, 'Name an agent of this org.');
  if (w.hops > ctx.maxHops) {
    throw new Rejection(
      `this reply would be hop ${w.hops} of thread ${w.thread}, over the limit of ${ctx.maxHops}: agents of two orgs are probably answering each other in a loop`,
      'Start a new message without reply_to: if the conversation really must go on.',
    );
  }
  let taskId: string | undefined;
  let task: string | undefined;
  let owner: string | undefined;
  if (draft.kind === 'task') {
    taskId = nextTaskId(ctx.board);
    if (w.owner && to.length === 1 && to[0] === w.owner) owner = w.owner;
  } else if (draft.task) {
    const found = w.task_ref ? ctx.board.tasks.find((t) => t.message === w.task_ref) : undefined;
    if (!found)
      throw new Rejection(
        `task ${draft.task} of org ${org} is not on this org's board (it was not sent here)`,
        `Send the update only to those the task was sent to, or send a plain message.`,
      );
    task = checkUpdate(ctx.board, found.id, w.from, draft.status).id;
  }
  const { attachments: _dropped, ...kept } = draft;
  const text = stampMessageFor({ ...kept, ...(task ? { task } : {}) }, w, to, taskId);
  return {
    time: now,
    type: 'message.accepted',
    id: w.id,
    from: w.from,
    to,
    priority: draft.priority,
    ...(draft.subject !== undefined ? { subject: draft.subject } : {}),
    kind: draft.kind,
    ...((taskId ?? task) ? { task: taskId ?? task } : {}),
    ...(draft.status ? { status: draft.status } : {}),
    ...(owner ? { owner } : {}),
    ...(draft.due ? { due: draft.due } : {}),
    thread: w.thread,
    hops: w.hops,
    source: 'bridge',
    origin: bridgeOrigin(w),
    text,
  };
}

/** A new task's stamped text names the sender org's task number (`task: T-3`); this org numbers its own. */
export function withoutTaskNumber(text: string): string {
  const end = text.indexOf('\n---\n', 3);
  if (end < 0 || !/^kind: task$/m.test(text.slice(0, end))) return text;
  return text.slice(0, end).replace(/^task: T-\d+\n?/m, '') + text.slice(end);
}

function stampMessageFor(draft: Draft, w: Wire, to: string[], taskId: string | undefined): string {
  return stampMessage(draft, { id: w.id, from: w.from, to, sent: w.sent, thread: w.thread, hops: w.hops, taskId });
}
