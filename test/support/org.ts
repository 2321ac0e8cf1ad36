/**
 * Each test gets its own org in a temp directory. Every org made here is registered: setup.ts
 * cleans it up after its test (or after its file, when made in beforeAll) and fails the test
 * when a handler or daemon process was left behind in it (see processes.ts).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mailroom } from './cli.js';
import { daemonPid, kill9, startDaemon, stopDaemon } from './daemon.js';
import { readEvents } from './events.js';
import { alive, killAll, leftovers, processTree, type Proc } from './processes.js';
import { MOCK } from './runs.js';

/** Orgs made during a test (cleaned after it) and outside one (beforeAll: cleaned after the file). */
export const made = { inTest: false, test: [] as Org[], file: [] as Org[] };

/** A fresh org in its own temp directory (`mailroom init`), with `extraConfig` appended to mailroom.yaml. */
export function makeOrg(agents = ['maya', 'oliver', 'legal'], extraConfig = ''): Org {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-test-'));
  const root = path.join(dir, 'org');
  const r = mailroom(['init', root, '--agents', agents.join(',')]);
  if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  if (extraConfig) fs.appendFileSync(path.join(root, 'mailroom.yaml'), extraConfig);
  const org = new Org(root, dir);
  (made.inTest ? made.test : made.file).push(org);
  return org;
}

/** A fresh org whose mailroom.yaml is exactly `config` (none given: as init wrote it). */
export function org(agents: string[], config?: string): Org {
  const o = makeOrg(agents);
  if (config !== undefined) fs.writeFileSync(o.p('mailroom.yaml'), config);
  return o;
}

/**
 * A fresh org whose mailroom.yaml is exactly `yaml` (with $MOCK replaced by the mock agent's
 * command and $TMP by the test's temp directory, which lies outside the org root).
 */
export function orgFromYaml(yaml: string): Org {
  const o = makeOrg(['placeholder']);
  fs.writeFileSync(o.p('mailroom.yaml'), yaml.replaceAll('$MOCK', MOCK).replaceAll('$TMP', o.tmp));
  return o;
}

/** Replace mailroom.yaml (init's file already has `groups: {}`, so appending a second groups: would be invalid). */
export function writeConfig(o: Org, agents: readonly string[], groups: Record<string, readonly string[]> = {}): void {
  const lines = ['agents:', ...agents.map((a) => `  ${a}: {}`), Object.keys(groups).length ? 'groups:' : 'groups: {}'];
  for (const [g, members] of Object.entries(groups)) lines.push(`  ${g}: [${members.join(', ')}]`);
  lines.push('stuck_after:', '  critical: 5m', '  high: 30m', '  normal: 4h', '  low: 1d', '');
  fs.writeFileSync(o.p('mailroom.yaml'), lines.join('\n'));
}

/** A well-formed message. */
export function message(fm: Record<string, unknown>, body = 'Hello.\n'): string {
  const lines = Object.entries(fm).map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`);
  return `---\n${lines.join('\n')}\n---\n${body}`;
}

/** A file outside the org (in the org's temp dir), e.g. a patch or a handler script. */
export function tmpFile(o: Org, name: string, text: string, mode?: number): string {
  const f = path.join(o.tmp, name);
  fs.writeFileSync(f, text, mode !== undefined ? { mode } : undefined);
  return f;
}

export const mode = (p: string): number => fs.statSync(p).mode & 0o777;
export const octal = (m: number): string => m.toString(8).padStart(4, '0');

/** All entries (dotfiles too) of a directory under the org, or [] when it does not exist. */
export function lsAll(o: Org, ...parts: string[]): string[] {
  try {
    return fs.readdirSync(o.p(...parts)).sort();
  } catch {
    return [];
  }
}

/** Every regular file under `dir` (recursively), with its text; for "the value never appears anywhere" checks. */
export function allFiles(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push({ file: p, text: fs.readFileSync(p, 'latin1') });
    }
  };
  walk(dir);
  return out;
}

export class Org {
  daemon: ChildProcess | null = null;
  stderr = '';
  exit: Promise<number | null> | null = null;
  constructor(
    readonly root: string,
    readonly tmp: string,
  ) {}

  p(...parts: string[]) {
    return path.join(this.root, ...parts);
  }
  inbox(agent: string) {
    return this.p('workspaces', agent, 'inbox');
  }
  outbox(agent: string) {
    return this.p('workspaces', agent, 'outbox');
  }
  /** Non-dot entries of a directory. */
  ls(...parts: string[]): string[] {
    try {
      return fs
        .readdirSync(this.p(...parts))
        .filter((n) => !n.startsWith('.'))
        .sort();
    } catch {
      return [];
    }
  }
  read(...parts: string[]) {
    return fs.readFileSync(this.p(...parts), 'utf8');
  }
  /** Every event of the log (a torn tail skipped). */
  events(): Array<Record<string, any>> {
    return readEvents(this);
  }
  /** Write a message into an agent's outbox the way an agent would (temp + rename). */
  drop(agent: string, name: string, text: string | Buffer, box: 'outbox' | 'inbox' = 'outbox') {
    const dir = box === 'outbox' ? this.outbox(agent) : this.inbox(agent);
    const tmp = path.join(dir, `.${name}.tmp-${process.pid}`);
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, path.join(dir, name));
  }

  /** Start the daemon (`mailroom start`) and wait until it says it is watching (daemon.ts). */
  start(extraArgs: string[] = []): Promise<ChildProcess> {
    return startDaemon(this, { args: extraArgs });
  }
  /** SIGTERM (clean stop); resolves with the exit code. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    return stopDaemon(this, signal);
  }
  /** kill -9 and wait for the process to be gone. */
  kill9(): Promise<void> {
    return kill9(this);
  }

  /**
   * End the daemon this org started (kill -9) with everything it runs, then the processes it
   * left behind, and remove the temp directory (kept when KEEP_TEST_ORGS is set). Returns the
   * processes left behind: a leak, which setup.ts reports as a failure of the test.
   */
  async cleanup(): Promise<Proc[]> {
    const leaked = await leftovers(this);
    const pid = daemonPid(this);
    const owned = pid ? processTree(pid).slice(1) : [];
    await this.kill9();
    const victims = [...owned, ...leaked.map((p) => p.pid)];
    killAll(victims);
    const deadline = Date.now() + 5_000;
    while (victims.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!process.env.KEEP_TEST_ORGS) fs.rmSync(this.tmp, { recursive: true, force: true });
    return leaked;
  }
}
