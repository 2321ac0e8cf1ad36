/**
 * Which files under the org root some process still holds open for writing (a slow `cat >`,
 * an editor mid-save). One sweep of /proc/<pid>/fd per batch; `fdinfo` flags tell write access.
 * Where /proc cannot tell (another user's process, or no /proc at all) `complete` is false and
 * the caller falls back to a stability window.
 */
import fs from 'node:fs';

const O_ACCMODE = 0o3;

export interface WriterSweep {
  /** Absolute paths open for writing (as /proc shows them). */
  open: Set<string>;
  /** False when some process's fds could not be read. */
  complete: boolean;
}

export function sweepWriters(prefix: string): WriterSweep {
  const open = new Set<string>();
  let complete = true;
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc');
  } catch {
    return { open, complete: false };
  }
  const self = String(process.pid);
  for (const pid of pids) {
    if (pid === self || pid.charCodeAt(0) > 57 || pid.charCodeAt(0) < 48) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') complete = false;
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!target.startsWith(prefix)) continue;
      try {
        const info = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
        const flags = /flags:\s*([0-7]+)/.exec(info);
        if (flags && (parseInt(flags[1]!, 8) & O_ACCMODE) !== 0) open.add(target);
      } catch {
        /* the fd closed meanwhile */
      }
    }
  }
  return { open, complete };
}
