/**
 * Dead letters. A rejected file is kept untouched in bus/deadletter/ as `<id>-<original name>`,
 * beside `<id>-<original name>.reason.md`; its sender gets a bounce (bus/system-mail.ts) whose
 * id is derived from the rejected id, so a repeat after a crash finds the same name instead of
 * sending a second one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cutToBytes, derivedId } from '../names.js';
import type { MessageRejected } from '../events.js';

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
export function deadLetter(deadletterDir: string, from: string, r: Omit<MessageRejected, 'seq'>, originalPlace: string): void {
  const target = path.join(deadletterDir, keptName(r.id, r.origin));
  try {
    fs.renameSync(from, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // Already moved (a repeat after a crash): nothing to do.
  }
  fs.writeFileSync(`${target}.reason.md`, reasonText(r, originalPlace));
}
