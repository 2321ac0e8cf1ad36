/**
 * A model's answer, as the file the handler writes into its outbox:
 *
 *   - empty (or only white space): nothing is sent;
 *   - starting with a front-matter block (line 1 exactly `---`): that block is the message's
 *     front matter, as the model wrote it; `reply_to:` the message is added unless the block
 *     names one or is a task update (`task:`), so the answer stays in the thread. The daemon
 *     checks it like any message: a bad one is dead-lettered and bounced to the agent;
 *   - anything else: a reply to the sender, in the same thread (`reply_to:`), `Re: <subject>`.
 *
 * Pure.
 */
import { frontMatterText } from '../../bus/front-matter.js';

export interface Incoming {
  readonly id: string;
  readonly from: string;
  readonly subject?: string;
}

export function replyText(answer: string, incoming: Incoming): string | null {
  const text = answer.replace(/^\s+/, '');
  if (text === '') return null;
  if (/^---\r?\n/.test(text)) {
    const lines = text.split('\n');
    const close = lines.findIndex((l, n) => n > 0 && l.replace(/\r$/, '') === '---');
    const block = close > 0 ? lines.slice(1, close) : [];
    const hasKey = (k: string) => block.some((l) => new RegExp(`^${k}\\s*:`).test(l));
    if (close > 0 && !hasKey('reply_to') && !hasKey('task')) lines.splice(1, 0, `reply_to: ${incoming.id}`);
    return ensureNewline(lines.join('\n'));
  }
  const subject = incoming.subject
    ? /^re:/i.test(incoming.subject)
      ? incoming.subject
      : `Re: ${incoming.subject}`
    : `Re: ${incoming.id}`;
  return `---\n${frontMatterText({ to: incoming.from, reply_to: incoming.id, subject })}---\n${ensureNewline(text)}`;
}

function ensureNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}
