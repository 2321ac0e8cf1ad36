/**
 * What intake works with: the decisions it hands to delivery, the files it has taken, and the
 * staging of a rejection (`message.rejected` and its bounce).
 */
import type fs from 'node:fs';
import type { MessageAccepted, MessageRejected } from '../../bus/events.js';
import type { Rejection } from '../../bus/rejection.js';
import { bounceId, keptName } from '../../bus/store/deadletter.js';
import { bounceMail } from '../../bus/system-mail.js';
import type { Dir } from '../../workspaces/hostile-fs.js';
import type { OrgConfig } from '../config/config.js';
import type { Incoming } from '../decide/accept.js';
import { rateTrip } from '../decide/govern.js';
import { runTaskOf } from '../decide/rules.js';
import type { JournalPort } from './journal.js';

/** The only value that passes from intake to delivery. */
export type Decision =
  /** Deliver an accepted message; `dropped`: the path of a person's drop, removed once delivered. */
  | { kind: 'deliver'; event: MessageAccepted; dropped?: string }
  /** Move a rejected file (`file`, wherever it is now) to the dead letter folder, then deliver its bounce. */
  | { kind: 'deadletter'; file: string; rejected: MessageRejected; place: string; bounce: MessageAccepted }
  /** Keep an accepted message in bus/held/ (not delivered) until it is decided; or let it go from there. */
  | { kind: 'hold'; event: MessageAccepted }
  | { kind: 'unhold'; id: string };

/** A candidate in a mailbox folder: `p` its candidate path, `ref` the entry through the folder's descriptor, `name` as shown to people. */
export interface Entry {
  p: string;
  box: Dir;
  ref: string | Buffer;
  name: string;
}

export interface Origin {
  id: string;
  sender: string;
  source: 'outbox' | 'inbox';
  name: string; // the file name it came in with
  place: string; // where it came in, for the bounce and the reason: e.g. `workspaces/a/outbox/`
  ino?: number;
  /** An outbox file's ctime when found: which handler run wrote it (see stageRejection). */
  written?: number;
}

/** A file taken (renamed into the spool, or a person's drop read in place), decided only once checked. */
export interface Taken {
  /** Where it is now: the spool file, or the drop's path (as /proc shows a writer's descriptor). */
  file: string;
  /** The entry, to look at again after the read (a drop through its inbox's descriptor). */
  ref: string | Buffer;
  origin: Origin;
  before: fs.Stats; // the look that found it ready
  read: { bytes: Buffer; st: fs.Stats } | Rejection;
  limit: number;
  incoming: (bytes: Buffer) => Incoming;
}

export type Item = Decision | Taken;
export const isTaken = (i: Item): i is Taken => 'read' in i;

/**
 * Stage `message.rejected` and its bounce's `message.accepted`. A file from an outbox written
 * while its agent's handler ran for a message of task T carries T (`task`): the run for its
 * bounce serves T too, so refusing a sub-task past max_task_depth never hands the handler a run
 * of no task in which it could start a new tree.
 */
export function stageRejection(
  deps: { clock: () => Date; journal: JournalPort; config: () => OrgConfig },
  file: string,
  o: Origin,
  r: Rejection,
): Decision[] {
  const task = o.source === 'outbox' ? runTaskOf(deps.journal.state.governance, o.sender, o.written) : undefined;
  const fields: Omit<MessageRejected, 'seq'> = {
    time: deps.clock().toISOString(),
    type: 'message.rejected',
    id: o.id,
    from: o.sender,
    source: o.source,
    origin: o.name,
    ...(o.ino !== undefined ? { originIno: o.ino } : {}),
    reason: r.reason,
    fix: r.fix,
    kept: `bus/deadletter/${keptName(o.id, o.name)}`,
    bounce: bounceId(o.id),
    ...(task !== undefined ? { task } : {}),
  };
  const rejected = deps.journal.stage(fields) as MessageRejected;
  const bounce = deps.journal.stage(bounceMail(fields, o.place)) as MessageAccepted;
  const out: Decision[] = [{ kind: 'deadletter', file, rejected, place: o.place, bounce }];
  if (o.source !== 'outbox') return out;
  // Refused files count towards messages_per_minute: a handler answering each bounce with another bad file is paused.
  const trip = { from: o.sender, time: fields.time, task: false, id: o.id };
  for (const e of rateTrip(deps.config(), deps.journal.state.governance, trip)) {
    const staged = deps.journal.stage(e);
    if (staged.type === 'message.accepted') out.push({ kind: 'deliver', event: staged });
  }
  return out;
}
