/**
 * Processes as /proc shows them, and the rule that no test leaves one behind: a handler or a
 * daemon still running in a test's temp org after the test is a leak. `leftovers(org)` finds
 * them (cwd or argv inside the org's temp directory), except the daemon the org started and
 * what it runs, which the org's cleanup ends. setup.ts fails the test that leaked and kills them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { daemonPid } from './daemon.js';
import type { Org } from './org.js';

export interface Proc {
  pid: number;
  cmd: string;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie is dead for our purposes.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function realOrSame(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return dir;
  }
}

const inside = (p: string, dir: string) => p === dir || p.startsWith(dir + path.sep);

/** Live processes (not zombies) whose working directory is `dir` or inside it (or, with `argv`, whose command line names it). */
export function processesIn(dir: string, opts: { argv?: boolean } = {}): Proc[] {
  const dirs = [...new Set([dir, realOrSame(dir)])];
  const out: Proc[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      let cwd = '';
      try {
        cwd = fs.readlinkSync(`/proc/${p}/cwd`).replace(/ \(deleted\)$/, '');
      } catch {
        /* another user's process */
      }
      const hit = dirs.some((d) => inside(cwd, d) || (opts.argv && cmd.split(' ').some((a) => a.includes(d))));
      if (hit && alive(Number(p))) out.push({ pid: Number(p), cmd });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

function parentOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/** `pid` and every live process below it. */
export function processTree(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const parent = parentOf(Number(p));
    kids.set(parent, [...(kids.get(parent) ?? []), Number(p)]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const k of kids.get(p) ?? []) walk(k);
  };
  walk(pid);
  return out;
}

/**
 * Processes in the org's temp directory (cwd or argv) that neither are its running daemon nor
 * run under it. The daemon's tree is read after the scan, so a child it spawned meanwhile (its
 * `sync -f` helper) counts as its own; a process that ends on its own within `graceMs` (a
 * killed daemon's last `sync -f`) is not a leak either.
 */
export async function leftovers(org: Org, graceMs = 1_000): Promise<Proc[]> {
  const found = processesIn(org.tmp, { argv: true });
  if (!found.length) return [];
  const pid = daemonPid(org);
  const owned = new Set(pid ? processTree(pid) : []);
  let left = found.filter((p) => !owned.has(p.pid));
  const deadline = Date.now() + graceMs;
  while (left.some((p) => alive(p.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  left = left.filter((p) => alive(p.pid));
  return left;
}

export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/**
 * For a test that kill -9s its daemon on purpose: end, by pid, the handlers it left running in
 * the org (an unjailed handler outlives a killed daemon until the next start).
 */
export async function endLeftovers(org: Org): Promise<void> {
  killAll((await leftovers(org, 0)).map((p) => p.pid));
}
