/**
 * bus/held/<id>.md: messages accepted but held for approval, as stamped, for people to read.
 * The log is the record (approval.requested); this folder is its view: a file appears when a
 * message is held and goes when it is decided.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MessageAccepted } from '../events.js';
import { spoolName, unlinkQuiet } from './spool.js';

export function heldDir(busDir: string): string {
  return path.join(busDir, 'held');
}

export function heldPath(busDir: string, id: string): string {
  return path.join(heldDir(busDir), `${id}.md`);
}

/** Keep a held message in bus/held/ and let its spool file go. */
export function keepHeld(busDir: string, e: MessageAccepted): void {
  fs.mkdirSync(heldDir(busDir), { recursive: true, mode: 0o700 });
  fs.writeFileSync(heldPath(busDir, e.id), e.text, { mode: 0o600 });
  if (e.source === 'outbox') unlinkQuiet(path.join(busDir, 'spool', spoolName(e.id, e.from, e.origin ?? '')));
}

export function dropHeld(busDir: string, id: string): void {
  unlinkQuiet(heldPath(busDir, id));
}
