/**
 * What mailroom sends about governance: notices and requests for held messages, decisions
 * refused on a rule, pauses, budget alerts, context warnings. Built on systemMessage() (one
 * shape for every mail from mailroom, bus/system-mail.ts). Pure: time comes in.
 */
import { OPERATOR } from './vocabulary.js';
import { derivedId } from './names.js';
import type { ApprovalRequested } from './events.js';
import { systemMessage, type SystemMessage } from './system-mail.js';

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
