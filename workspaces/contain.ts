/**
 * Diagnosis of mailbox folders, for alerts and `doctor`. A handler may write its own workspace,
 * so it can replace one of its mailbox folders by a symbolic link into the org (the jail hides
 * the target from the handler, not from the daemon, which runs outside the jail). This only
 * says so; the daemon's uses go through workspaces/hostile-fs.ts, which refuses such a folder
 * whatever this said a moment before.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Why `dir` (and its parent, the workspace) cannot be trusted as a mailbox folder, or null. Missing is not a problem here. */
export function mailboxProblem(dir: string): string | null {
  for (const p of [path.dirname(dir), dir]) {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) return null;
    if (!st.isDirectory())
      return `${p} is ${st.isSymbolicLink() ? `a symbolic link (to ${safeReadlink(p)})` : 'not a directory'}`;
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
