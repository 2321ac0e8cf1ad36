/**
 * Delivery, exactly once per recipient, also across `kill -9`:
 *
 *   1. the taken file sits in bus/spool/<id>.<sender>.<name> ("spool"), or a person's drop in place;
 *      one that changed while it was taken waits there, undecided, until it settles
 *   2. `message.accepted` is logged (with the full text), fsynced with its batch
 *   3. per recipient: bus/staging/<id>.<recipient> is written ('wx' or rewritten while it has
 *      one link, so never seen half-written) and hard-linked to inbox/<canonical name>.
 *      EEXIST on the link = delivered already. A staging file with more than one link was
 *      delivered, even if the agent since moved its copy to done/ under another name.
 *   4. `message.delivered` is logged
 *   5. the sender's sent/ copy is written; after a syncfs the staging and spool files go.
 * Only a copy the agent deleted inside the window between 3 and 4 can arrive twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cutToBytes, inboxName } from '../names.js';
import type { MessageAccepted } from '../events.js';
import type { Layout } from '../../workspaces/layout.js';
import { Dir } from '../../workspaces/hostile-fs.js';

/**
 * `bus/spool/<id>.<sender>.<original name>`: the original name travels with the file, so a
 * file taken just before a crash is still named by its own name when it is decided after the
 * restart. Names longer than 200 bytes are cut (a file name has at most 255).
 */
export function spoolName(id: string, sender: string, origin: string): string {
  return `${id}.${sender}.${cutToBytes(origin, 200)}`;
}

export function parseSpoolName(name: string): { id: string; sender: string; origin: string } | null {
  const m = /^([0-9a-z]{12})\.([a-z][a-z0-9_-]*)\.(.+)$/s.exec(name);
  return m ? { id: m[1]!, sender: m[2]!, origin: m[3]! } : null;
}

export function copyName(e: Pick<MessageAccepted, 'priority' | 'time' | 'id' | 'subject'>): string {
  return inboxName({ priority: e.priority, sent: e.time, id: e.id, subject: e.subject });
}

function stagingPath(layout: Layout, id: string, recipient: string) {
  return path.join(layout.staging, `${id}.${recipient}`);
}

/** Deliver one copy, through the inbox's descriptor. Returns true when this call created it, false when it was there already. */
export function deliverCopy(layout: Layout, e: MessageAccepted, recipient: string): boolean {
  const inbox = layout.inbox(recipient);
  return Dir.with(inbox, inbox, (box) => linkCopy(layout, e, recipient, box.at(copyName(e))));
}

function linkCopy(layout: Layout, e: MessageAccepted, recipient: string, target: string): boolean {
  const staging = stagingPath(layout, e.id, recipient);
  try {
    fs.writeFileSync(staging, e.text, { flag: 'wx' }); // the usual case: a fresh id, no staging file yet
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A repeat after a crash: more than one link means it reached the inbox (delivered);
    // one link means it never became visible, so it is rewritten whole.
    if (fs.lstatSync(staging).nlink > 1) return false;
    fs.writeFileSync(staging, e.text);
  }
  try {
    fs.linkSync(staging, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** The sender's stamped copy in sent/ (not for mailroom's own bounces and alerts, nor mail from another org). */
export function writeSentCopy(layout: Layout, e: MessageAccepted): void {
  if (e.source !== 'outbox') return;
  const tmp = path.join(layout.staging, `${e.id}.sent`);
  const sent = layout.sent(e.from);
  Dir.with(sent, sent, (box) => {
    fs.writeFileSync(tmp, e.text);
    fs.renameSync(tmp, box.at(copyName(e)));
  });
}

/**
 * After `message.delivered` is durable: drop the staging files and the spool file. Off the
 * event loop, one unlink at a time: the daemon finishes delivered messages in batches, and a
 * batch of synchronous unlinks (0.5-1 ms each on a busy disk) held up the delivery of the next
 * mail for 100-900 ms (`npm run bench -- --agents`).
 */
export async function removeFinished(
  layout: Layout,
  e: Pick<MessageAccepted, 'id' | 'to' | 'from' | 'source' | 'origin'>,
): Promise<void> {
  for (const r of e.to) await unlinkQuietAsync(stagingPath(layout, e.id, r));
  if (e.source === 'outbox') await unlinkQuietAsync(path.join(layout.spool, spoolName(e.id, e.from, e.origin ?? '')));
}

async function unlinkQuietAsync(p: string): Promise<void> {
  try {
    await fs.promises.unlink(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

export function unlinkQuiet(p: fs.PathLike): void {
  try {
    fs.unlinkSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
