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
import type { MessageAccepted, MessageRejected } from './events.js';
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
