/** What the bus benchmarks share: the org of 30 agents, message texts, the daemon as a child, and the machine's figures. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withMalloc } from '../../runtime/service/malloc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CLI = path.resolve(here, '..', '..', 'runtime', 'cli', 'main.js');
export const AGENTS = Array.from({ length: 30 }, (_, i) => `a${String(i + 1).padStart(2, '0')}`);
export const POLL_MS = 50;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const WORDS =
  'the quarterly numbers are in and the draft needs a second pair of eyes before friday please check the totals the tone and the appendix then send it back with your notes'.split(
    ' ',
  );

/** A ~300-byte body, different for each message. */
export function body(i: number): string {
  let s = `Message ${i}.`;
  for (let k = i; s.length < 290; k = (k * 31 + 7) % 9973) s += ' ' + WORDS[k % WORDS.length];
  return s.slice(0, 299) + '\n';
}

export function recipientOf(i: number): string {
  const s = i % AGENTS.length;
  const offset = 1 + (Math.floor(i / AGENTS.length) % (AGENTS.length - 1)); // never the sender
  return AGENTS[(s + offset) % AGENTS.length]!;
}

export function senderOf(i: number): string {
  return AGENTS[i % AGENTS.length]!;
}

export function draft(to: string, subject: string, i: number): string {
  return `---\nto: ${to}\nsubject: ${subject}\n---\n${body(i)}`;
}

/** Drop a message the way an agent does: a dotfile, then rename. */
export function drop(root: string, from: string, name: string, text: string): void {
  const dir = path.join(root, 'workspaces', from, 'outbox');
  const tmp = path.join(dir, `.${name}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, path.join(dir, name));
}

// --- the event log, read incrementally ------------------------------------------------

export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function vmStatus(pid: number): { hwmKb: number; rssKb: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { hwmKb: kb('VmHWM'), rssKb: kb('VmRSS') };
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used so far, in ms (clock ticks of 10 ms); NaN when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on: utime is the 14th
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

/**
 * Wait until a process has used under `share` of a core for `windowMs` (at most `maxMs`): the
 * daemon has finished what came before (a burst's files taken, the board rendered). Returns the wait, ms.
 */
export async function quiesce(pid: number, windowMs = 1000, share = 0.1, maxMs = 60_000): Promise<number> {
  const t0 = Date.now();
  for (let before = cpuMs(pid); Date.now() - t0 < maxMs; ) {
    await sleep(windowMs);
    const now = cpuMs(pid);
    if (!(now - before >= share * windowMs)) break; // NaN (gone) ends it too
    before = now;
  }
  return Date.now() - t0;
}

/** Peak RSS of a bare `node` process that does nothing: the floor any Node daemon stands on. */
export function bareNodeHwmKb(): number {
  const r = spawnSync(
    process.execPath,
    ['-e', 'process.stdout.write(/VmHWM:\\s+(\\d+)/.exec(require("fs").readFileSync("/proc/self/status","utf8"))[1])'],
    { encoding: 'utf8' },
  );
  return Number(r.stdout) || NaN;
}

export function machine() {
  let cpu = os.cpus()[0]?.model ?? '?';
  try {
    cpu = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    /* not Linux */
  }
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim();
  return {
    nproc: Number(nproc) || os.availableParallelism(),
    cpu,
    node: process.version,
    load: os.loadavg().map((l) => Number(l.toFixed(2))),
    date: new Date().toISOString(),
  };
}

// --- the raw limit --------------------------------------------------------------------

/**
 * The daemon's environment: as the `mailroom` command and the systemd unit run it, with glibc's
 * malloc on a fixed mmap threshold (runtime/service/malloc.ts), unless one is given or
 * BENCH_GLIBC_DEFAULT=1 asks for glibc's moving threshold (to compare).
 */
export function daemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env.BENCH_GLIBC_DEFAULT === '1' ? env : withMalloc(env);
}

export async function startDaemon(root: string, stderrFile: string): Promise<ChildProcess> {
  const errFd = fs.openSync(stderrFile, 'a');
  const extra = (process.env.BENCH_DAEMON_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...extra, CLI, 'start', '--root', root], {
    stdio: ['ignore', 'ignore', errFd],
    env: daemonEnv(process.env),
  });
  fs.closeSync(errFd);
  const until = Date.now() + 20_000;
  for (;;) {
    const err = fs.readFileSync(stderrFile, 'utf8');
    if (err.includes('watching ')) return child;
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > until)
      throw new Error(`the daemon did not start:\n${err.slice(-4000)}`);
    await sleep(50);
  }
}

export async function stopDaemon(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await exited;
  clearTimeout(t);
  return code;
}

/** Wait (at most ms) until the daemon has finished: no spool or staging files left. */
export async function settle(root: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  const empty = (d: string) => fs.readdirSync(path.join(root, 'bus', d)).length === 0;
  while (Date.now() < until && !(empty('spool') && empty('staging'))) await sleep(POLL_MS);
}
