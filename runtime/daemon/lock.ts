/**
 * One daemon per org. proper-lockfile holds `.mailroom/daemon.lock`; beside it we write the
 * pid (`daemon.pid`, the number alone, so `kill $(cat .mailroom/daemon.pid)` works) and its
 * start time from /proc/<pid>/stat (`daemon.start`), because proper-lockfile stores no pid and
 * would refuse a restart right after `kill -9` until its stale timeout. On ELOCKED: if the
 * recorded process is gone (or the pid was reused by another process), break the lock once
 * and take it; if it lives, refuse and name its pid.
 */
import fs from 'node:fs';
import lockfile from 'proper-lockfile';
import type { Layout } from '../../workspaces/layout.js';

export class AlreadyRunning extends Error {
  override name = 'AlreadyRunning';
  constructor(
    readonly pid: number,
    root: string,
  ) {
    super(
      `another mailroom daemon (pid ${pid}) is already running on ${root}; stop it first (kill ${pid}) or use another --root`,
    );
  }
}

export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) comes after the command name in parentheses, which may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

interface PidRecord {
  pid: number;
  start: string | null;
}

const startFile = (layout: Layout) => `${layout.lockTarget}.start`;

export function readPidRecord(layout: Layout): PidRecord | null {
  let text: string;
  try {
    text = fs.readFileSync(layout.pidFile, 'utf8').trim();
  } catch {
    return null;
  }
  if (text.startsWith('{')) {
    try {
      return JSON.parse(text) as PidRecord; // written by an older version
    } catch {
      return null;
    }
  }
  const pid = Number(text);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  let start: string | null = null;
  try {
    start = fs.readFileSync(startFile(layout), 'utf8').trim() || null;
  } catch {
    /* no start time recorded: the pid alone decides */
  }
  return { pid, start };
}

/** The pid of the live daemon of this org, or null. */
export function runningDaemon(layout: Layout): number | null {
  const rec = readPidRecord(layout);
  if (!rec) return null;
  if (!fs.existsSync(`${layout.lockTarget}.lock`)) return null;
  const start = processStartTime(rec.pid);
  return start !== null && (rec.start === null || rec.start === start) ? rec.pid : null;
}

export async function acquireDaemonLock(layout: Layout, onCompromised: (err: Error) => void): Promise<() => void> {
  fs.mkdirSync(layout.private, { recursive: true, mode: 0o700 });
  const options = { realpath: false, stale: 30_000, update: 5_000, onCompromised };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(layout.lockTarget, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    const live = runningDaemon(layout);
    if (live !== null) throw new AlreadyRunning(live, layout.root);
    // The recorded daemon is gone (kill -9, reboot): break its lock once.
    fs.rmSync(`${layout.lockTarget}.lock`, { recursive: true, force: true });
    try {
      release = await lockfile.lock(layout.lockTarget, options);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'ELOCKED')
        throw new AlreadyRunning(readPidRecord(layout)?.pid ?? -1, layout.root);
      throw again;
    }
  }
  fs.writeFileSync(startFile(layout), `${processStartTime(process.pid) ?? ''}\n`, { mode: 0o600 });
  fs.writeFileSync(layout.pidFile, `${process.pid}\n`, { mode: 0o600 });
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      fs.rmSync(layout.pidFile, { force: true });
      fs.rmSync(startFile(layout), { force: true });
      release().catch(() => undefined);
      // Release synchronously as well: on exit there may be no next tick.
      fs.rmSync(`${layout.lockTarget}.lock`, { recursive: true, force: true });
    } catch {
      /* exiting anyway */
    }
  };
}
