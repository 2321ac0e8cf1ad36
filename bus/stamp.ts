/**
 * Stamping a checked draft: the text that is logged and delivered, and reading it back.
 * Pure: no I/O, no clock.
 */
import { frontMatterText, readFrontMatter, splitFrontMatter } from './front-matter.js';
import { governanceFrontMatter } from './governance-keys.js';
import type { Draft } from './message.js';

export interface Stamp {
  id: string;
  from: string;
  to: string[];
  sent: string;
  thread: string;
  hops: number;
  /** For a new task: its id, assigned in log order. */
  taskId?: string;
  /** Keys only mailroom writes (approved_by, approval, held), after the sender's. */
  extra?: Record<string, unknown>;
}

/** The text that is logged and delivered: stamped keys first, then what the sender wrote. */
export function stampMessage(draft: Draft, stamp: Stamp): string {
  const fm: Record<string, unknown> = {
    id: stamp.id,
    from: stamp.from,
    to: stamp.to.length === 1 ? stamp.to[0] : stamp.to,
    priority: draft.priority,
  };
  if (draft.subject !== undefined) fm.subject = draft.subject;
  if (draft.kind !== 'message') fm.kind = draft.kind;
  const task = stamp.taskId ?? draft.task;
  if (task !== undefined) fm.task = task;
  if (draft.status !== undefined) fm.status = draft.status;
  if (draft.due !== undefined) fm.due = draft.due;
  if (draft.replyTo !== undefined) fm.reply_to = draft.replyTo;
  if (draft.attachments?.length)
    fm.attachments = draft.attachments.map((a) => `attachments/${stamp.id}/${attachmentName(a)}`);
  Object.assign(fm, governanceFrontMatter(draft), stamp.extra);
  fm.thread = stamp.thread;
  fm.hops = stamp.hops;
  fm.sent = stamp.sent;
  return `---\n${frontMatterText(fm)}---\n${draft.body}`;
}

/** The name an attachment has in the recipient's inbox/attachments/<id>/. */
export function attachmentName(relPath: string): string {
  return relPath.split('/').filter(Boolean).at(-1)!;
}

/** Read back the stamped keys of a delivered text (for `show`, BRIEF, status). */
export function readStamped(text: string): Record<string, unknown> {
  try {
    return readFrontMatter(splitFrontMatter(text));
  } catch {
    return {};
  }
}
