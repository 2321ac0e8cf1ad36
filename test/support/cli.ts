/**
 * The CLI as a child process: `mailroom(args)` runs it to completion; the rest are the
 * commands the tests read often (status, doctor, config, secret) with their output parsed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { expect } from 'vitest';
import type { Org } from './org.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(REPO, 'dist', 'runtime', 'cli', 'main.js');

/** Fail plainly when the build is missing (unit tests do not need it, so this is not checked on import). */
export function requireCli(): string {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does it first)`);
  return CLI;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI to completion. */
export function mailroom(
  args: string[],
  opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): RunResult {
  const r = spawnSync(process.execPath, [requireCli(), ...args], {
    input: opts.input ?? '',
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `mailroom status` (human). */
export const status = (o: Org): RunResult => mailroom(['status', '--root', o.root]);

/** `mailroom status --json`, parsed (throws with the output when it is not JSON). */
export function statusJson(o: Org): any {
  const r = mailroom(['status', '--root', o.root, '--json']);
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`status --json exited ${r.code}: ${r.stdout}${r.stderr}`);
  }
}

/** `mailroom doctor --json`: the exit code and the findings that are not ok. */
export function doctor(o: Org): {
  code: number | null;
  problems: Array<{ check: string; detail: string }>;
  raw: string;
} {
  const r = mailroom(['doctor', '--root', o.root, '--json']);
  let problems: Array<{ check: string; detail: string }> = [];
  try {
    problems = (
      JSON.parse(r.stdout) as { findings: Array<{ ok: boolean; check: string; detail: string }> }
    ).findings.filter((f) => !f.ok);
  } catch {
    problems = [{ check: '(unparsable doctor output)', detail: r.stdout + r.stderr }];
  }
  return { code: r.code, problems, raw: r.stdout + r.stderr };
}

export const cfg = (o: Org, ...args: string[]): RunResult => mailroom(['config', ...args, '--root', o.root]);
export const secretSet = (o: Org, name: string, value: string): RunResult =>
  mailroom(['secret', 'set', name, '--root', o.root], { input: value });

/** The author `config set/apply/rollback` records (runtime/config/history.ts cliAuthor). */
export function cliAuthor(): string {
  return `cli:${process.env.USER || os.userInfo().username}`;
}

/** `config history --json`: every version of mailroom.yaml. */
export function versions(
  o: Org,
): Array<{ version: number; time: string; author: string; summary: string; sha256: string }> {
  const r = cfg(o, 'history', '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).versions;
}

/** The agent names of a mailroom.yaml text. */
export const agentNames = (text: string): string[] =>
  Object.keys((YAML.parse(text) as { agents?: object }).agents ?? {});
