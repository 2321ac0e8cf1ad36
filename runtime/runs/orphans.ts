/**
 * Handlers a killed daemon left behind: their own process groups, found in /proc by a working
 * directory under workspaces/ and MAILROOM_AGENT in their environment. They are killed before
 * anything is run again, so a message is never handled by two processes at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Layout } from '../../workspaces/layout.js';

/** SIGKILL every leftover handler's process group; returns how many were found. */
export function killOrphans(layout: Layout): number {
  let killed = 0;
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return 0;
  }
  const prefix = layout.workspaces + path.sep;
  for (const pid of pids) {
    try {
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      if (!cwd.startsWith(prefix)) continue;
      const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (!env.includes('\0MAILROOM_AGENT=') && !env.startsWith('MAILROOM_AGENT=')) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      process.kill(pgid > 1 ? -pgid : Number(pid), 'SIGKILL');
      killed++;
    } catch {
      /* gone, or not ours to read */
    }
  }
  return killed;
}
