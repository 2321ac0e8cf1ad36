/**
 * Dead letters and bounces. A rejected file is kept untouched in bus/deadletter/ as
 * `<id>-<original name>`, beside `<id>-<original name>.reason.md`; its sender gets a bounce
 * (bus/system-mail.ts) whose id is derived from the rejected id, so a repeat after
 * a crash finds the same name instead of sending a second one. A message whose handler gave up
 * is kept the same way, as `<id>-<agent>-<inbox name>` (keepHandlerFailure).
 */
import fs from 'node:fs';
import path from 'node:path';
import { cutToBytes, derivedId } from '../names.js';
import { Dir, Refused } from '../../workspaces/hostile-fs.js';
import type { HandlerFailed, MessageRejected } from '../events.js';

/** `<id>-<original name>`, cut so that it and its `.reason.md` fit in a file name (255 bytes). */
export function keptName(id: string, origin: string): string {
  const safe = origin.replace(/[/\\\0]/g, '_').replace(/^\.+/, '_') || 'unnamed';
  return `${id}-${cutToBytes(safe, 255 - id.length - 1 - '.reason.md'.length)}`;
}

export function bounceId(rejectedId: string): string {
  return derivedId('bounce', rejectedId);
}

export function reasonText(r: Omit<MessageRejected, 'seq'>, originalPlace: string): string {
  return [
    `# Rejected: ${r.origin}`,
    '',
    `- what: ${r.reason}`,
    `- fix: ${r.fix}`,
    `- from: ${r.from}`,
    `- came in: ${originalPlace}`,
    `- rejected at: ${r.time}`,
    `- id: ${r.id} (\`mailroom show ${r.id}\`)`,
    `- original: ${r.kept} (kept byte for byte)`,
    `- bounce: ${r.bounce}`,
    '',
    'To send it again, fix the file and move it back into an outbox, e.g.',
    '',
    '```',
    `mv ${r.kept} workspaces/${r.from}/outbox/${r.origin.endsWith('.md') ? r.origin : 'message.md'}`,
    '```',
    '',
  ].join('\n');
}

/** Move the rejected entry (file, directory, symlink, fifo: never followed) into the dead-letter folder and write its reason. */
export function deadLetter(
  deadletterDir: string,
  from: fs.PathLike,
  r: Omit<MessageRejected, 'seq'>,
  originalPlace: string,
): void {
  const target = path.join(deadletterDir, keptName(r.id, r.origin));
  try {
    fs.renameSync(from, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // Already moved (a repeat after a crash): nothing to do.
  }
  writeReason(deadletterDir, r, originalPlace);
}

/**
 * The kept file's `.reason.md` (recovery writes it alone for a file moved just before a kill -9).
 * Written whole or not at all (temp and rename): a person or tool that sees it listed reads all
 * of it, and a kill -9 mid-write leaves no torn reason, so recovery writes it again.
 */
export function writeReason(deadletterDir: string, r: Omit<MessageRejected, 'seq'>, originalPlace: string): void {
  writeWhole(`${path.join(deadletterDir, keptName(r.id, r.origin))}.reason.md`, reasonText(r, originalPlace));
}

let temps = 0;

/**
 * A file of bus/ (never handler-writable) written under a short temp name and renamed into place.
 * Not write-file-atomic: its temp name adds 9 bytes to the target's, and a kept name is already
 * cut to fit 255 bytes with its `.reason.md`.
 */
export function writeWhole(file: string, text: string): void {
  const temp = path.join(path.dirname(file), `.writing-${process.pid}-${++temps}`);
  try {
    fs.writeFileSync(temp, text, { flag: 'wx' });
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
}

/** The message a handler gave up on, and the failure `kept` (relative to the org) names. */
export interface HandlerFailure {
  run: { id: string; agent: string; file: string };
  failed: Pick<HandlerFailed, 'time' | 'reason' | 'attempt' | 'stderr' | 'kept' | 'bounce'>;
}

export function handlerFailureText({ run, failed: f }: HandlerFailure): string {
  return [
    `# Handler failed: ${run.file}`,
    '',
    `- agent: ${run.agent}`,
    `- message: ${run.id} (\`mailroom show ${run.id}\`)`,
    `- what: ${f.reason} (attempt ${f.attempt}; no attempts left)`,
    `- fix: look at the handler's stderr below, fix the cause, then move the file back into workspaces/${run.agent}/inbox/ to run it again`,
    `- at: ${f.time}`,
    `- bounce: ${f.bounce}`,
    '',
    "## The handler's last lines on stderr",
    '',
    '```',
    f.stderr || '(nothing)',
    '```',
    '',
  ].join('\n');
}

/** Move a dead run's message from its inbox (`inboxDir`) to `<orgRoot>/<failed.kept>` and write its reason beside it. */
export function keepHandlerFailure(orgRoot: string, inboxDir: string, failure: HandlerFailure): void {
  const target = path.join(orgRoot, failure.failed.kept!);
  try {
    Dir.with(inboxDir, inboxDir, (inbox) => fs.renameSync(inbox.at(failure.run.file), target)); // never through a link
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof Refused)) throw err;
  }
  fs.writeFileSync(`${target}.reason.md`, handlerFailureText(failure));
}
