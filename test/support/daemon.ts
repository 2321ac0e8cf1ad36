/**
 * The daemon as a child process (`mailroom start`), one way for every test: `spawnDaemon`
 * starts it without waiting (to kill it mid-start), `startDaemon` waits until it says it is
 * watching, `stopClean` expects a prompt clean exit after SIGTERM, `kill9` is the crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { requireCli } from './cli.js';
import { waitFor } from './events.js';
import type { Org } from './org.js';

export interface StartOptions {
  /** Extra arguments after `start --root <org>`, e.g. ['--log-format', 'json']. */
  args?: string[];
  /** Run with exactly this environment (plus PATH) instead of the test's own. */
  env?: NodeJS.ProcessEnv;
  /** The command before `start` (the `mailroom` command, bin/mailroom); node and dist's CLI unless said. */
  command?: string[];
  /** How long startDaemon waits for "watching" (a deadline, not a pause); 15 s unless said. */
  readyMs?: number;
}

/** Spawn `mailroom start` and return at once; the org records the child, its stderr and its exit. */
export function spawnDaemon(org: Org, opts: StartOptions = {}): ChildProcess {
  const env = opts.env ? { PATH: process.env.PATH, ...opts.env } : process.env;
  const [file, ...before] = opts.command ?? [process.execPath, requireCli()];
  const child = spawn(file!, [...before, 'start', '--root', org.root, ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  org.daemon = child;
  org.stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (org.stderr += d));
  child.stdout!.resume();
  org.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return child;
}

/** Start the daemon and wait until it says it is watching (fails with its stderr if it exits instead). */
export async function startDaemon(org: Org, opts: StartOptions = {}): Promise<ChildProcess> {
  const child = spawnDaemon(org, opts);
  await waitFor(() => org.stderr.includes('watching ') || child.exitCode !== null, 'the daemon to start', opts.readyMs);
  if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${org.stderr}`);
  return child;
}

const running = (d: ChildProcess | null): boolean => !!d && d.exitCode === null && d.signalCode === null;

/** Send a signal (SIGTERM: a clean stop) and resolve with the exit code. */
export async function stopDaemon(org: Org, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  const d = org.daemon;
  if (!d || !running(d)) return d?.exitCode ?? null;
  d.kill(signal);
  const code = await org.exit;
  org.daemon = null;
  return code;
}

/** kill -9 and wait for the process to be gone. */
export async function kill9(org: Org): Promise<void> {
  const d = org.daemon;
  if (!d || !running(d)) return;
  d.kill('SIGKILL');
  await org.exit;
  org.daemon = null;
}

/** The pid of the daemon this org started, while it runs. */
export function daemonPid(org: Org): number | undefined {
  return running(org.daemon) ? org.daemon?.pid : undefined;
}

/** SIGTERM and expect a clean exit within `ms` (a daemon that never exits after a clean stop is a bug, not a slow test). */
export async function stopClean(org: Org, ms = 10_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const pid = org.daemon?.pid;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `the daemon (pid ${pid}) did not exit within ${ms} ms of SIGTERM; its stderr ends:\n${org.stderr.slice(-600)}`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([stopDaemon(org), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
