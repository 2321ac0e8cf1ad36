/**
 * Shared pieces of the integration tests in this folder (not a spec file itself):
 * a seeded PRNG whose seed is printed when a test fails, strict readers of the event log and
 * of mailboxes, and a way to spawn the daemon without waiting for it (to kill it mid-start).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { onTestFailed } from 'vitest';
import { CLI, mailroom, type Org } from '../helpers.js';

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Rng {
  seed: number;
  next: () => number;
  int: (lo: number, hi: number) => number;
  pick: <T>(xs: readonly T[]) => T;
}

/** A seeded PRNG for the current test (MAILROOM_TEST_SEED to replay); the seed is printed if the test fails. */
export function seeded(label: string): Rng {
  const fromEnv = process.env.MAILROOM_TEST_SEED;
  const seed = fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  onTestFailed(() => {
    console.error(`[${label}] failed with seed ${seed}: replay with MAILROOM_TEST_SEED=${seed}`);
  });
  const next = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return { seed, next, int, pick: (xs) => xs[Math.floor(next() * xs.length)]! };
}

export type Event = Record<string, any> & { seq: number; type: string; time: string };

/** Every event of the log; every line must be a whole JSON line (no torn tail tolerated). */
export function strictEvents(org: Org): Event[] {
  const dir = org.p('bus', 'events');
  const out: Event[] = [];
  for (const seg of fs.readdirSync(dir).filter((n) => /^\d{6}\.jsonl$/.test(n)).sort()) {
    const text = fs.readFileSync(path.join(dir, seg), 'utf8');
    if (text.length && !text.endsWith('\n')) throw new Error(`bus/events/${seg} ends with a torn line`);
    for (const line of text.split('\n')) {
      if (line === '') continue;
      out.push(JSON.parse(line) as Event);
    }
  }
  return out;
}

/** seq numbers are 1, 2, 3, ... with no gap and no repeat. Returns a description of the first problem, or null. */
export function seqProblem(events: Event[]): string | null {
  for (let i = 0; i < events.length; i++) {
    if (events[i]!.seq !== i + 1) return `event #${i + 1} has seq ${events[i]!.seq} (previous ${events[i - 1]?.seq}): ${JSON.stringify(events[i]).slice(0, 200)}`;
  }
  return null;
}

export interface Mail {
  box: string;
  name: string;
  text: string;
}

/** Non-dot regular files in the given boxes of an agent, with their text. Missing files (moved meanwhile) are skipped. */
export function readMail(org: Org, agent: string, boxes: readonly string[] = ['inbox']): Mail[] {
  const out: Mail[] = [];
  for (const box of boxes) {
    for (const name of org.ls('workspaces', agent, box)) {
      const p = org.p('workspaces', agent, box, name);
      let text: string;
      try {
        if (!fs.lstatSync(p).isFile()) continue;
        text = fs.readFileSync(p, 'utf8');
      } catch {
        continue;
      }
      out.push({ box, name, text });
    }
  }
  return out;
}

/** A front matter value of a delivered copy (top-level `key: value` lines only). */
export function fm(text: string, key: string): string | undefined {
  const end = text.indexOf('\n---', 4);
  const head = text.slice(0, end < 0 ? undefined : end);
  const m = new RegExp(`^${key}: (.*)$`, 'm').exec(head);
  return m ? m[1]!.replace(/^"(.*)"$/, '$1') : undefined;
}

/** All entries (dotfiles too) of a directory under the org, or [] when it does not exist. */
export function lsAll(org: Org, ...parts: string[]): string[] {
  try {
    return fs.readdirSync(org.p(...parts)).sort();
  } catch {
    return [];
  }
}

/** Spawn `mailroom start` without waiting for it to be ready (so it can be killed mid-start). */
export function spawnDaemon(org: Org): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'start', '--root', org.root], { stdio: ['ignore', 'pipe', 'pipe'] });
  org.daemon = child;
  org.stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (org.stderr += d));
  child.stdout!.resume();
  org.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return child;
}

/** `mailroom doctor --json`: the exit code and the findings that are not ok. */
export function doctor(org: Org): { code: number | null; problems: Array<{ check: string; detail: string }>; raw: string } {
  const r = mailroom(['doctor', '--root', org.root, '--json']);
  let problems: Array<{ check: string; detail: string }> = [];
  try {
    problems = (JSON.parse(r.stdout) as { findings: Array<{ ok: boolean; check: string; detail: string }> }).findings.filter((f) => !f.ok);
  } catch {
    problems = [{ check: '(unparsable doctor output)', detail: r.stdout + r.stderr }];
  }
  return { code: r.code, problems, raw: r.stdout + r.stderr };
}

/** Replace mailroom.yaml (init's file already has `groups: {}`, so appending a second groups: would be invalid). */
export function writeConfig(org: Org, agents: readonly string[], groups: Record<string, readonly string[]> = {}): void {
  const lines = ['agents:', ...agents.map((a) => `  ${a}: {}`), Object.keys(groups).length ? 'groups:' : 'groups: {}'];
  for (const [g, members] of Object.entries(groups)) lines.push(`  ${g}: [${members.join(', ')}]`);
  lines.push('stuck_after:', '  critical: 5m', '  high: 30m', '  normal: 4h', '  low: 1d', '');
  fs.writeFileSync(org.p('mailroom.yaml'), lines.join('\n'));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** SIGTERM and expect a clean exit within `ms` (a daemon that never exits after a clean stop is a bug, not a slow test). */
export async function stopClean(org: Org, ms = 10_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const pid = org.daemon?.pid;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the daemon (pid ${pid}) did not exit within ${ms} ms of SIGTERM; its stderr ends:\n${org.stderr.slice(-600)}`)), ms);
  });
  try {
    return await Promise.race([org.stop(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
