/**
 * Test helpers: each test gets its own org in a temp directory, the real CLI as a child
 * process, and polling with a deadline (never a bare sleep).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(REPO, 'dist', 'runtime', 'cli', 'main.js');

if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does it first)`);

/** Poll `cond` every 20 ms until it returns a truthy value; fail with `what` after `ms`. */
export async function waitFor<T>(cond: () => T | Promise<T>, what: string, ms = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI to completion. */
export function mailroom(args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: opts.input ?? '',
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh org in its own temp directory. */
export function makeOrg(agents = ['maya', 'oliver', 'legal'], extraConfig = ''): Org {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-test-'));
  const root = path.join(dir, 'org');
  const r = mailroom(['init', root, '--agents', agents.join(',')]);
  if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  if (extraConfig) fs.appendFileSync(path.join(root, 'mailroom.yaml'), extraConfig);
  return new Org(root, dir);
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
      return fs.readdirSync(this.p(...parts)).filter((n) => !n.startsWith('.')).sort();
    } catch {
      return [];
    }
  }
  read(...parts: string[]) {
    return fs.readFileSync(this.p(...parts), 'utf8');
  }
  events(): Array<Record<string, any>> {
    const dir = this.p('bus', 'events');
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .sort()
      .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'))
      .filter((l) => l.trim())
      .flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return [];
        }
      });
  }
  /** Write a message into an agent's outbox the way an agent would (temp + rename). */
  drop(agent: string, name: string, text: string | Buffer, box: 'outbox' | 'inbox' = 'outbox') {
    const dir = box === 'outbox' ? this.outbox(agent) : this.inbox(agent);
    const tmp = path.join(dir, `.${name}.tmp-${process.pid}`);
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, path.join(dir, name));
  }

  /** Start the daemon (`mailroom start`) and wait until it says it is watching. */
  async start(extraArgs: string[] = []): Promise<ChildProcess> {
    const child = spawn(process.execPath, [CLI, 'start', '--root', this.root, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.daemon = child;
    this.stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    child.stdout!.resume();
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor(() => this.stderr.includes('watching ') || child.exitCode !== null, 'the daemon to start');
    if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${this.stderr}`);
    return child;
  }

  /** SIGTERM (clean stop); resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const d = this.daemon;
    if (!d || d.exitCode !== null || d.signalCode !== null) return d?.exitCode ?? null;
    d.kill(signal);
    const code = await this.exit;
    this.daemon = null;
    return code;
  }

  /** kill -9 and wait for the process to be gone. */
  async kill9(): Promise<void> {
    const d = this.daemon;
    if (!d || d.exitCode !== null || d.signalCode !== null) return;
    d.kill('SIGKILL');
    await this.exit;
    this.daemon = null;
  }

  /** Stop any daemon and remove the temp directory (kept when KEEP_TEST_ORGS is set). */
  async cleanup(): Promise<void> {
    if (this.daemon && this.daemon.exitCode === null) await this.kill9();
    if (!process.env.KEEP_TEST_ORGS) fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** A well-formed message. */
export function message(fm: Record<string, unknown>, body = 'Hello.\n'): string {
  const lines = Object.entries(fm).map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`);
  return `---\n${lines.join('\n')}\n---\n${body}`;
}
