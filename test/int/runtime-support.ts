/**
 * Shared pieces of the runtime-*.int.spec.ts files (not a spec itself): an org with a
 * hand-written mailroom.yaml, the mock agent's own start/stop stamps, the daemon started with a
 * chosen environment, `status --json`, and process checks through /proc.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI, REPO, mailroom, makeOrg, waitFor, type Org } from '../helpers.js';

export const MOCK_JS = path.join(REPO, 'dist', 'scripts', 'mock-agent.js');
/** The mock agent's command line, as scripts/demo.ts writes it (quoted for YAML). */
export const MOCK = JSON.stringify(`node ${MOCK_JS}`);

/**
 * A fresh org whose mailroom.yaml is exactly `yaml` (with $MOCK replaced by the mock agent's
 * command and $TMP by the test's temp directory, which lies outside the org root).
 */
export function orgFromYaml(yaml: string): Org {
  const org = makeOrg(['placeholder']);
  fs.writeFileSync(org.p('mailroom.yaml'), yaml.replaceAll('$MOCK', MOCK).replaceAll('$TMP', org.tmp));
  return org;
}

export interface Stamp {
  what: 'start' | 'stop';
  agent: string;
  id: string;
  t: number;
}

/** The stamps the mock agent appended (`start|stop <agent> <id> <epoch ms>`), from one or more files. */
export function readStamps(...files: string[]): Stamp[] {
  const out: Stamp[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const [what, agent, id, t] = line.split(' ');
      if ((what !== 'start' && what !== 'stop') || !agent || !id || !Number.isFinite(Number(t))) throw new Error(`bad stamp line in ${file}: ${JSON.stringify(line)}`);
      out.push({ what, agent, id, t: Number(t) });
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

/**
 * The most handlers running at once according to their stamps: every start with no stop yet
 * counts. At equal times a stop is counted before a start (one ended, the next began).
 */
export function maxConcurrent(ss: readonly Stamp[]): number {
  let now = 0;
  let max = 0;
  for (const s of [...ss].sort((a, b) => a.t - b.t || (a.what === 'stop' ? -1 : 1))) {
    now += s.what === 'start' ? 1 : -1;
    max = Math.max(max, now);
  }
  return max;
}

/** The same measure from the event log: handler.started opens a run, succeeded/failed closes it. */
export function maxConcurrentFromEvents(events: ReadonlyArray<Record<string, any>>, lane?: string): number {
  let now = 0;
  let max = 0;
  const open = new Set<string>();
  for (const e of events) {
    const key = `${e.agent}/${e.id}`;
    if (e.type === 'handler.started' && (lane === undefined || e.lane === lane)) {
      open.add(key);
      now++;
      max = Math.max(max, now);
    } else if ((e.type === 'handler.succeeded' || e.type === 'handler.failed') && open.has(key)) {
      open.delete(key);
      now--;
    }
  }
  return max;
}

/** `mailroom status --json`, parsed (throws with the output when it is not JSON). */
export function statusJson(org: Org): any {
  const r = mailroom(['status', '--root', org.root, '--json']);
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`status --json exited ${r.code}: ${r.stdout}${r.stderr}`);
  }
}

/** Start the daemon with exactly this environment (plus PATH) and wait until it is watching. */
export async function startWithEnv(org: Org, env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'start', '--root', org.root], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, ...env } });
  org.daemon = child;
  org.stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (org.stderr += d));
  child.stdout!.resume();
  org.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(() => org.stderr.includes('watching ') || child.exitCode !== null, 'the daemon to start');
  if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${org.stderr}`);
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

/** Live processes (not zombies) whose working directory is `dir` or inside it, with their command lines. */
export function processesIn(dir: string): Array<{ pid: number; cmd: string }> {
  const real = fs.realpathSync(dir);
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${p}/cwd`);
      if (cwd !== real && !cwd.startsWith(real + path.sep)) continue;
      if (!alive(Number(p))) continue;
      out.push({ pid: Number(p), cmd: fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** The id in a delivered file's name `<rank>-<priority>-<time>-<id>-<slug>.md`. */
export const idOf = (name: string): string => name.split('-')[3]!;

/** Write a handler script into the test's temp directory (outside the org, readable from the jail). */
export function script(org: Org, name: string, text: string): string {
  const p = path.join(org.tmp, name);
  fs.writeFileSync(p, text, { mode: 0o755 });
  return p;
}

/** Events of one type (and agent, if given). */
export function eventsOf(org: Org, type: string, agent?: string): Array<Record<string, any>> {
  return org.events().filter((e) => e.type === type && (agent === undefined || e.agent === agent));
}

/**
 * Stop the daemon (kill -9), then end, by pid, any handler it left running in the org (an
 * unjailed handler outlives a killed daemon until the next start), then remove the org.
 */
export async function cleanupOrg(org: Org | undefined): Promise<void> {
  if (!org) return;
  await org.kill9();
  try {
    for (const p of processesIn(org.root)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  } catch {
    /* the org is gone already */
  }
  await org.cleanup();
}
