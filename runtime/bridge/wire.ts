/**
 * What travels over the bridge: subjects and stream names, and one JSON message per org a
 * message goes to. The payload carries the stamped text and the stamps; the receiving org
 * stamps it again for its own inboxes (its own recipients, its own task number). Tasks are
 * named across orgs by the id of the message that created them, which both orgs keep. Pure.
 */
import { parseAddress } from '../../bus/address.js';
import type { MessageAccepted } from '../../bus/events.js';
import { findTask, type Board } from '../../board/fold.js';

/** Every org's inbound subject: mail for `agent@<org>` is published here. */
export function subjectOf(org: string): string {
  return `mailroom.${org}.inbound`;
}

/** Each org's own stream (created by that org's daemon) captures its inbound subject alone. */
export function streamOf(org: string): string {
  return `mailroom_${org}`;
}

/** The durable consumer through which an org's daemon reads its stream. */
export const DURABLE = 'mailroom';

export const WIRE_VERSION = 1;

export interface Wire {
  v: typeof WIRE_VERSION;
  id: string;
  /** The sender, `agent@org`. */
  from: string;
  /** The recipients, as names of the receiving org. */
  to: string[];
  /** The receiving org's agent who owns a new task (it was sent to that one agent by name). */
  owner?: string;
  /** For an update of a task: the id of the message that created the task. */
  task_ref?: string;
  thread: string;
  hops: number;
  sent: string;
  /** The stamped text, as the sender's org delivered it. */
  text: string;
}

/** The payload for the recipients of `e` at `org`, sent from org `own`. */
export function toWire(e: MessageAccepted, org: string, own: string, board: Board): Wire {
  const to = e.to.flatMap((r) => {
    const a = parseAddress(r);
    return a && a.org === org ? [a.agent] : [];
  });
  const owner = e.owner ? parseAddress(e.owner) : null;
  const task = e.kind !== 'task' && e.task ? findTask(board, e.task) : undefined;
  return {
    v: WIRE_VERSION,
    id: e.id,
    from: `${e.from}@${own}`,
    to,
    ...(owner && owner.org === org ? { owner: owner.agent } : {}),
    ...(task ? { task_ref: task.message } : {}),
    thread: e.thread,
    hops: e.hops,
    sent: e.time,
    text: e.text,
  };
}

export function encodeWire(w: Wire): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(w));
}

const isText = (v: unknown): v is string => typeof v === 'string';

/** The payload of a message read from the stream, or the reason it is not one of ours. */
export function decodeWire(bytes: Uint8Array): Wire | string {
  let w: Record<string, unknown>;
  try {
    w = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  if (w === null || typeof w !== 'object') return 'not a JSON object';
  if (w.v !== WIRE_VERSION) return `wire version ${JSON.stringify(w.v)}, this mailroom reads version ${WIRE_VERSION}`;
  if (!isText(w.id) || !/^[0-9a-z]{12}$/.test(w.id)) return 'no message id';
  if (!isText(w.from) || !parseAddress(w.from)) return 'from: is not agent@org';
  if (!Array.isArray(w.to) || w.to.length === 0 || !w.to.every(isText)) return 'to: is not a list of names';
  if (!isText(w.thread) || !isText(w.sent) || !isText(w.text) || typeof w.hops !== 'number')
    return 'thread, hops, sent or text missing';
  if (w.owner !== undefined && !isText(w.owner)) return 'owner: is not a name';
  if (w.task_ref !== undefined && !isText(w.task_ref)) return 'task_ref: is not a message id';
  return w as unknown as Wire;
}
