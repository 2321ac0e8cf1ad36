/**
 * What `send` and `compose` share: the daemon's own checks of an outgoing message (its parser
 * and routing, so a mistake is said at once instead of in a bounce), and the one way a command
 * puts a file into an outbox (a complete file appears by a rename, so it is taken at once).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseMessage, type Draft } from '../../bus/message.js';
import { fileTime, newId, slugOf } from '../../bus/names.js';
import { OPERATOR } from '../../bus/vocabulary.js';
import type { Layout } from '../../workspaces/layout.js';
import type { OrgConfig } from '../config/config.js';
import { PRIORITIES, isPriority } from '../../bus/priority.js';
import { didYouMean } from '../../bus/suggest.js';
import { checkAddressing } from '../decide/accept.js';
import { checkMaySendTo } from '../decide/rules.js';
import { Problem, UsageError } from './common.js';

/** The options `send` and `compose` both take: where, who, to whom, and the message's header. */
export const HEADER_OPTIONS = {
  root: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  subject: { type: 'string' },
  priority: { type: 'string' },
  kind: { type: 'string' },
} as const;

/** `--priority`: one of the canonical priorities, or a usage error with the nearest one. */
export function checkPriority(priority: string | boolean | undefined): void {
  if (priority !== undefined && !isPriority(priority)) {
    throw new UsageError(
      `--priority: unknown priority ${JSON.stringify(priority)}; allowed values: ${PRIORITIES.join(', ')}${didYouMean(String(priority), PRIORITIES)}`,
    );
  }
}

/** `--from`: an agent of the org or the operator. */
export function checkSender(from: string, config: OrgConfig): void {
  if (from !== OPERATOR && !Object.hasOwn(config.agents, from)) {
    throw new Problem(
      `--from ${from}: no such agent; agents: ${Object.keys(config.agents).join(', ')} (or ${OPERATOR})`,
    );
  }
}

/** The checks the daemon makes of a file in `from`'s outbox that need no log: throws a Rejection. */
export function checkOutgoing(text: string, from: string, config: OrgConfig): Draft {
  const bytes = Buffer.from(text);
  const draft = parseMessage(bytes, config.maxMessageBytes, config.governance.approvalRequired);
  const to = checkAddressing(draft, { bytes, sender: from, source: 'outbox', origin: 'mailroom send' }, config);
  if (draft.to) checkMaySendTo(config, from, to);
  return draft;
}

/** The name a command gives a file in an outbox: the time, then the subject's slug. */
export function outboxName(label: string | undefined, now = new Date()): string {
  return `${fileTime(now.toISOString())}-${slugOf(label)}.md`;
}

function outboxOf(layout: Layout, from: string): string {
  const outbox = layout.outbox(from);
  if (!fs.existsSync(outbox))
    throw new Problem(`${outbox} does not exist; start the daemon once (it creates missing workspaces)`);
  return outbox;
}

/** Write `text` into `from`'s outbox as a dotfile, then rename it into place. Returns its path. */
export function writeToOutbox(layout: Layout, from: string, text: string, label: string | undefined): string {
  const outbox = outboxOf(layout, from);
  const tmp = path.join(outbox, `.send-${newId()}.md`);
  fs.writeFileSync(tmp, text, { flag: 'wx', mode: 0o600 });
  const target = path.join(outbox, outboxName(label));
  fs.renameSync(tmp, target);
  return target;
}

/** Move a finished draft into `from`'s outbox (one rename: never seen half-written). Returns its path. */
export function moveToOutbox(layout: Layout, from: string, draftFile: string, label: string | undefined): string {
  const target = path.join(outboxOf(layout, from), outboxName(label));
  fs.renameSync(draftFile, target);
  return target;
}
