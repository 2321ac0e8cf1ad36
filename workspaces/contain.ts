/**
 * Containment of the daemon's own file operations. A handler may write its own workspace, so
 * it can replace one of its mailbox folders by a symbolic link into the org (the jail hides
 * the target from the handler, not from the daemon, which runs outside the jail). The daemon
 * therefore never lists, takes from or writes into a mailbox folder that is not a real
 * directory inside a real workspace directory.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Why `dir` (and its parent, the workspace) cannot be trusted as a mailbox folder, or null. Missing is not a problem here. */
export function mailboxProblem(dir: string): string | null {
  for (const p of [path.dirname(dir), dir]) {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) return null;
    if (!st.isDirectory()) return `${p} is ${st.isSymbolicLink() ? `a symbolic link (to ${safeReadlink(p)})` : 'not a directory'}`;
  }
  return null;
}

function safeReadlink(p: string): string {
  try {
    return fs.readlinkSync(p);
  } catch {
    return '?';
  }
}

export class MailboxError extends Error {
  override name = 'MailboxError';
}

/** Throw when `dir` is a link or not a directory: never deliver, move or write through it. */
export function assertMailbox(dir: string): void {
  const problem = mailboxProblem(dir);
  if (problem) throw new MailboxError(`${problem}; mailroom never reads or writes through it`);
}
