/**
 * Everything mailroom itself sends: bounces of rejected files, bounces of messages a handler
 * could not handle, unread-mail alerts and operator alerts (a refused or destructive config
 * edit, a mailbox folder that is a link). One shape for all of them: from `mailroom`, priority
 * high, kind message, hops 0, source daemon, stamped like any other message. Ids are derived
 * (never random), so a repeat after a crash finds the same name. Pure: time comes in.
 */
import { MAILROOM, OPERATOR } from './vocabulary.js';
import { derivedId } from './names.js';
import { stampMessage } from './message.js';
import { formatDuration } from './time.js';
import type { ApprovalRequested, MessageAccepted, MessageRejected } from './events.js';
import type { Priority } from './priority.js';

/** The event fields of a message from mailroom, ready to be staged. */
export type SystemMessage = Omit<MessageAccepted, 'seq'> & { from: typeof MAILROOM; source: 'daemon' };

export interface SystemMail {
  id: string;
  to: string;
  subject: string;
  /** The markdown body; a blank line is put before and after it. */
  body: string;
  time: string;
  /** The thread it belongs to: the message it is about; its own id when it is about no message. */
  thread?: string;
  /** Default `message`; `approval_request` for a request to an approver. */
  kind?: string;
  /** Keys stamped after the usual ones, e.g. held:, amount:. */
  extra?: Record<string, unknown>;
}

/** Compose one message from mailroom: the stamped text and its `message.accepted` fields. */
export function systemMessage(m: SystemMail): SystemMessage {
  const thread = m.thread ?? m.id;
  const kind = m.kind ?? 'message';
  const draft = { to: [m.to], priority: 'high' as const, subject: m.subject, kind, body: `\n${m.body}\n` };
  const text = stampMessage(draft, {
    id: m.id,
    from: MAILROOM,
    to: [m.to],
    sent: m.time,
    thread,
    hops: 0,
    ...(m.extra ? { extra: m.extra } : {}),
  });
  return {
    time: m.time,
    type: 'message.accepted',
    id: m.id,
    from: MAILROOM,
    to: [m.to],
    priority: 'high',
    subject: m.subject,
    kind,
    thread,
    hops: 0,
    source: 'daemon',
    text,
  };
}

/** The bounce of a rejected file, to its sender. `place`: where it came in, e.g. `workspaces/a/outbox/`. */
export function bounceMail(r: Omit<MessageRejected, 'seq'>, place: string): SystemMessage {
  const body = [
    `mailroom could not deliver **${r.origin}** (from ${place}).`,
    '',
    `**What is wrong:** ${r.reason}`,
    '',
    `**How to fix it:** ${r.fix}`,
    '',
    `The original is kept unchanged at \`${r.kept}\`, with the reason beside it. Nothing was delivered to anyone.`,
  ].join('\n');
  return systemMessage({ id: r.bounce, to: r.from, subject: `Bounced: ${r.origin}`, body, time: r.time, thread: r.id });
}

export interface HandlerBounce {
  /** The message the handler could not handle, and the file it had in the inbox. */
  id: string;
  agent: string;
  file: string;
  /** Its sender; mailroom's own messages bounce to the operator. */
  sender: string | undefined;
  /** e.g. `3 of 3 attempts failed`. */
  tries: string;
  /** The last failure, e.g. `exit 1`. */
  reason: string;
  stderr: string;
  /** Where the message is kept, relative to the root. */
  kept: string;
  time: string;
}

export function handlerBounceId(id: string, agent: string): string {
  return derivedId('handler-bounce', id, agent);
}

/** The bounce of a message whose handler ran out of attempts, to its sender. */
export function handlerBounceMail(h: HandlerBounce): SystemMessage {
  const to = h.sender && h.sender !== MAILROOM ? h.sender : OPERATOR;
  const body = [
    `${h.agent}'s handler could not handle message ${h.id} (\`${h.file}\`): ${h.tries}; the last: ${h.reason}.`,
    '',
    h.stderr ? `Its last lines on stderr:\n\n\`\`\`\n${h.stderr}\n\`\`\`\n` : 'It wrote nothing on stderr.',
    '',
    `The message is kept at \`${h.kept}\`, with the reason beside it. To try again, fix the cause and move it back: \`mv ${h.kept} workspaces/${h.agent}/inbox/\`.`,
  ].join('\n');
  return systemMessage({
    id: handlerBounceId(h.id, h.agent),
    to,
    subject: `Bounced: ${h.agent} could not handle ${h.id}`,
    body,
    time: h.time,
    thread: h.id,
  });
}

export interface UnreadMail {
  agent: string;
  /** The oldest unread message: its file name in the agent's inbox, id, priority and age. */
  name: string;
  id: string;
  priority: Priority;
  ageMs: number;
  /** stuck_after for that priority. */
  limitMs: number;
  /** How many messages of that priority the agent has left unread past stuck_after. */
  count: number;
  time: string;
}

/** The alert to the operator that an agent has left mail of one priority unread too long: the count and the oldest. */
export function unreadAlertMail(u: UnreadMail): SystemMessage {
  const age = formatDuration(u.ageMs);
  const limit = `stuck_after.${u.priority} (${formatDuration(u.limitMs)})`;
  const what =
    u.count === 1
      ? `\`workspaces/${u.agent}/inbox/${u.name}\` (priority ${u.priority}) unread for ${age}, longer than ${limit}.`
      : `${u.count} messages of priority ${u.priority} unread longer than ${limit}; the oldest, \`workspaces/${u.agent}/inbox/${u.name}\`, for ${age}.`;
  const body = [
    `**${u.agent}** has had ${what}`,
    '',
    `See it with \`mailroom show ${u.id}\`. If ${u.agent} is external, check whatever reads its inbox; once handled, the agent moves the file to \`done/\`.`,
    'You are alerted again only if this backlog doubles, and afresh once it is read.',
  ].join('\n');
  const subject =
    u.count === 1
      ? `Unread for ${age}: ${u.agent} has not read ${u.id}`
      : `Unread for ${age}: ${u.agent} has not read ${u.count} ${u.priority} messages, oldest ${u.id}`;
  return systemMessage({
    id: derivedId('alert', u.agent, u.priority, u.id, String(u.count)),
    to: OPERATOR,
    subject,
    body,
    time: u.time,
    thread: u.id,
  });
}

/**
 * An alert to the operator about mailroom itself. `kind` and `parts` derive its id (with the log
 * position in `parts`, so the same situation arising again later is said again).
 */
export function operatorAlert(
  kind: string,
  parts: string[],
  subject: string,
  body: string,
  time: string,
): SystemMessage {
  return systemMessage({ id: derivedId(kind, ...parts), to: OPERATOR, subject, body, time });
}

// --- governance ------------------------------------------------------------------------

/** What mail about a held message says of it: the request's own fields. */
export type HeldSummary = Pick<
  ApprovalRequested,
  'id' | 'kind' | 'amount' | 'currency' | 'from' | 'to' | 'subject' | 'detail' | 'approvers'
>;

function heldLines(h: HeldSummary): string[] {
  const amount = h.amount !== undefined ? `${h.amount}${h.currency ? ` ${h.currency}` : ''}` : '(none)';
  return [
    `- held id: ${h.id}`,
    `- kind: ${h.kind}`,
    `- amount: ${amount}`,
    `- from: ${h.from}`,
    `- to: ${h.to.join(', ')}`,
    `- subject: ${h.subject !== undefined ? h.subject.replace(/\s+/g, ' ') : '(no subject)'}`, // one line: no forged `- amount:`
    `- why held: ${h.detail}`,
  ];
}

/** To the sender of a held message: it is accepted, not delivered, and who may approve it. */
export function heldNoticeMail(h: HeldSummary, time: string): SystemMessage {
  const body = [
    `Your message ${h.id} is accepted but **held** in bus/held/, not delivered: ${h.detail}.`,
    '',
    ...heldLines(h),
    '',
    `Asked to decide: ${h.approvers.join(', ')}. It is delivered once one of them approves it; if it is rejected you get a bounce with the reason.`,
  ].join('\n');
  return systemMessage({
    id: derivedId('held', h.id),
    to: h.from,
    subject: `Held for approval: ${h.subject ?? h.id}`,
    body,
    time,
    thread: h.id,
  });
}

/** To an approver: a request to decide a held message (kind approval_request). */
export function approvalRequestMail(h: HeldSummary, approver: string, time: string): SystemMessage {
  const how =
    approver === OPERATOR
      ? `Decide with \`mailroom approve ${h.id} [--note text]\` or \`mailroom reject ${h.id} --reason text\`.`
      : `Decide by sending a message with \`kind: approval\`, \`approves: ${h.id}\` and \`decision: approve\` (or \`decision: reject\` with \`reason:\`); no to: is needed. Your grant (may_approve) is checked when you decide.`;
  const body = [
    `${h.from} sent a message that needs approval before it is delivered.`,
    '',
    ...heldLines(h),
    '',
    how,
  ].join('\n');
  const extra = {
    held: h.id,
    ...(h.amount !== undefined ? { amount: h.amount } : {}),
    ...(h.currency ? { currency: h.currency } : {}),
  };
  return systemMessage({
    id: derivedId('approval-request', h.id, approver),
    to: approver,
    subject: `Approval needed: ${h.kind} from ${h.from}: ${h.subject ?? h.id}`,
    body,
    time,
    thread: h.id,
    kind: 'approval_request',
    extra,
  });
}

/** To the sender of a held message that was rejected. */
export function heldRejectedMail(
  h: Pick<HeldSummary, 'id' | 'from' | 'subject' | 'kind'>,
  by: string,
  reason: string,
  decision: string,
  time: string,
): SystemMessage {
  const body = [
    `mailroom could not deliver your ${h.kind} **${h.id}** (${h.subject ?? 'no subject'}): ${by} rejected it (decision ${decision}).`,
    '',
    `**What is wrong:** ${reason}`,
    '',
    '**How to fix it:** address the reason and send a new message; nothing was delivered to anyone.',
  ].join('\n');
  return systemMessage({
    id: derivedId('held-rejected', h.id),
    to: h.from,
    subject: `Bounced: ${h.subject ?? h.id} was rejected by ${by}`,
    body,
    time,
    thread: h.id,
  });
}

/** To an approver whose decision broke a rule (revoked, expired, over the limit, its own message). */
export function decisionRefusedMail(
  held: string,
  approver: string,
  decision: string,
  reason: string,
  fix: string,
  time: string,
): SystemMessage {
  const body = [
    `mailroom did not take your decision **${decision}** on held message ${held}; it stays held.`,
    '',
    `**What is wrong:** ${reason}`,
    '',
    `**How to fix it:** ${fix}`,
  ].join('\n');
  return systemMessage({
    id: derivedId('decision-refused', decision),
    to: approver,
    subject: `Bounced: your decision on ${held} was not taken`,
    body,
    time,
    thread: held,
  });
}

/** To the operator: an agent was paused by a circuit breaker. `trigger`: the message that tripped it. */
export function pausedAlertMail(agent: string, detail: string, trigger: string, time: string): SystemMessage {
  const body = [
    `**${agent}** is paused: ${detail}.`,
    '',
    `Its outbox is left as it is (nothing is lost) and its handler runs wait. Look at what it is doing (\`mailroom status\`, \`mailroom board\`), then \`mailroom resume ${agent}\` to let it go on.`,
  ].join('\n');
  return systemMessage({
    id: derivedId('paused', agent, trigger),
    to: OPERATOR,
    subject: `Paused: ${agent} (${detail})`,
    body,
    time,
  });
}

/** To the operator: spending reached 80% (a warning) or 100% (runs wait) of a daily budget. */
export function budgetAlertMail(
  scope: string,
  percent: 80 | 100,
  spent: number,
  budget: number,
  day: string,
  time: string,
): SystemMessage {
  const what =
    percent === 100
      ? 'has reached its daily budget: its handler runs wait (mail keeps arriving) until 00:00 UTC, or `mailroom resume <agent>`'
      : 'has used 80% of its daily budget';
  const body = `**${scope}** ${what}: $${spent.toFixed(4)} of $${budget} on ${day}.`;
  return systemMessage({
    id: derivedId('budget', scope, day, String(percent)),
    to: OPERATOR,
    subject: `Budget ${percent}%: ${scope} $${spent.toFixed(2)} of $${budget}`,
    body,
    time,
  });
}

/** A run reported more context than context_warn: one alert to the operator, one message to the agent. */
export function contextWarnMails(
  agent: string,
  run: string,
  attempt: number,
  tokens: number,
  limit: number,
  time: string,
): SystemMessage[] {
  const alert = systemMessage({
    id: derivedId('context-alert', agent, run, String(attempt)),
    to: OPERATOR,
    subject: `Context: ${agent} at ${tokens} tokens`,
    body: `**${agent}** reported ${tokens} context tokens on message ${run}, over context_warn (${limit}). It was told to checkpoint and read its BRIEF.md.`,
    time,
    thread: run,
  });
  const note = systemMessage({
    id: derivedId('context-note', agent, run, String(attempt)),
    to: agent,
    subject: 'Checkpoint now: your context is nearly full',
    body: `Your last run reported ${tokens} context tokens, over context_warn (${limit}). Write down where you are, then read \`BRIEF.md\` in your workspace: your open tasks, what waits on you and what you wait on, and the decisions taken in your threads.`,
    time,
    thread: run,
  });
  return [alert, note];
}
