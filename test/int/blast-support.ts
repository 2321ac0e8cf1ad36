/**
 * Shared pieces of the blast-* integration specs (not a spec file itself): orgs that are
 * always cleaned up, the config CLI, event waits with a deadline, file modes, and a check
 * that bubblewrap really works here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, expect } from 'vitest';
import { bwrapAvailable } from '../../workspaces/jail.js';
import { mailroom, makeOrg, waitFor, type Org, type RunResult } from '../helpers.js';

/** Every org made through `org()` is stopped (kill -9 if needed) and removed after each test. */
const made: Org[] = [];
afterEach(async () => {
  for (const o of made.splice(0)) await o.cleanup();
});

export function org(agents: string[], config?: string): Org {
  const o = makeOrg(agents);
  made.push(o);
  if (config !== undefined) fs.writeFileSync(o.p('mailroom.yaml'), config);
  return o;
}

export const cfg = (o: Org, ...args: string[]): RunResult => mailroom(['config', ...args, '--root', o.root]);
export const secretSet = (o: Org, name: string, value: string): RunResult => mailroom(['secret', 'set', name, '--root', o.root], { input: value });
export const status = (o: Org): RunResult => mailroom(['status', '--root', o.root]);
export const statusJson = (o: Org): any => JSON.parse(mailroom(['status', '--root', o.root, '--json']).stdout);

/** The author `config set/apply/rollback` records (runtime/config-history.ts cliAuthor). */
export function cliAuthor(): string {
  return `cli:${process.env.USER || os.userInfo().username}`;
}

/** A file outside the org (in the org's temp dir), e.g. a patch or a handler script. */
export function tmpFile(o: Org, name: string, text: string, mode?: number): string {
  const f = path.join(o.tmp, name);
  fs.writeFileSync(f, text, mode !== undefined ? { mode } : undefined);
  return f;
}

export const mode = (p: string): number => fs.statSync(p).mode & 0o777;
export const octal = (m: number): string => m.toString(8).padStart(4, '0');

export function eventsOf(o: Org, type: string): Array<Record<string, any>> {
  return o.events().filter((e) => e.type === type);
}

/** Wait for the n-th (0-based) event of `type` matching `pred`. */
export async function waitEvent(o: Org, type: string, pred: (e: Record<string, any>) => boolean = () => true, what = type, ms = 15_000, nth = 0): Promise<Record<string, any>> {
  return waitFor(() => eventsOf(o, type).filter(pred)[nth], what, ms);
}

export function versions(o: Org): Array<{ version: number; time: string; author: string; summary: string; sha256: string }> {
  const r = cfg(o, 'history', '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).versions;
}

export const agentNames = (text: string): string[] => Object.keys((YAML.parse(text) as { agents?: object }).agents ?? {});

/** A delivered copy in an agent's inbox whose name ends with `-<slug>.md`. */
export function inboxFile(o: Org, agent: string, slug: string): string | undefined {
  return o.ls('workspaces', agent, 'inbox').find((n) => n.endsWith(`-${slug}.md`));
}

/** bwrap must work on this machine (the brief says it does); say so plainly when it does not. */
export function requireBwrap(): void {
  if (skipJail) return;
  const j = bwrapAvailable();
  expect(j.ok, `bubblewrap must work for the jail tests: ${j.why} (MAILROOM_ALLOW_NO_JAIL=1 reports them as skipped instead)`).toBe(true);
}

/** As in safety-jail: skipped (reported) only where bwrap cannot work and MAILROOM_ALLOW_NO_JAIL=1 says so. */
export const skipJail = !bwrapAvailable().ok && process.env.MAILROOM_ALLOW_NO_JAIL === '1';

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
