/**
 * Fail closed (issue 10, item 7), for real: the daemon and `doctor` run with a PATH that has no
 * bwrap on it. A handler whose agent does not say `sandbox: none` is never run unjailed: its
 * run fails with the reason and the fix, it is bounced, and `doctor` exits 1 saying so; only an
 * explicit `sandbox: none` runs.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, message, type Org } from '../../support/org.js';

let o: Org | null = null;
afterEach(async () => {
  await o?.cleanup();
  o = null;
});

/** A PATH of links to what the daemon needs (node, sh, sync), and no bwrap. */
function pathWithoutBwrap(dir: string): string {
  const bin = path.join(dir, 'bin-without-bwrap');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  for (const tool of ['sh', 'sync', 'cat', 'true']) {
    const real = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
    if (real) fs.symlinkSync(real, path.join(bin, tool));
  }
  expect(fs.existsSync(path.join(bin, 'bwrap'))).toBe(false);
  return bin;
}

/** `mailroom start` with `env`, tracked by the Org so that cleanup kills it. */
async function startWith(org: Org, env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'start', '--root', org.root], { stdio: ['ignore', 'pipe', 'pipe'], env });
  org.daemon = child;
  org.stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (org.stderr += d));
  child.stdout!.resume();
  org.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(() => org.stderr.includes('watching ') || child.exitCode !== null, 'the daemon to start');
  expect(child.exitCode, org.stderr).toBe(null);
}

describe('fail closed: no working bwrap', () => {
  it('refuses to run a handler unjailed unless its agent says sandbox: none; the run, the bounce, status and doctor say why and how to fix it', async () => {
    o = makeOrg(['boss', 'boxed', 'free']);
    fs.writeFileSync(
      o.p('mailroom.yaml'),
      'agents:\n  boss: {}\n  boxed: { command: "echo ran > ran.txt", max_attempts: 1 }\n  free: { command: "echo ran > ran.txt", sandbox: none }\ngroups: {}\n',
    );
    const env = { ...process.env, PATH: pathWithoutBwrap(o.tmp) };
    await startWith(o, env);
    const fix = /apt-get install bubblewrap.*sandbox: none/;
    expect(o.stderr).toMatch(/agent boxed's handler will not run: sandbox is not set, but bwrap is not installed/);
    expect(o.stderr).toMatch(fix);

    o.drop('boss', 'one.md', message({ to: 'boxed', subject: 'for boxed' }));
    o.drop('boss', 'two.md', message({ to: 'free', subject: 'for free' }));
    const failed = await waitFor(
      () => o!.events().find((e) => e.type === 'handler.failed' && e.agent === 'boxed'),
      "boxed's refused run",
    );
    expect(failed.reason).toMatch(/^could not start the handler: sandbox is not set, but bwrap is not installed/);
    expect(failed.reason).toMatch(fix);
    expect(failed.final).toBe(true);
    // It never ran, unjailed or otherwise; the explicit sandbox: none did.
    await waitFor(() => o!.events().find((e) => e.type === 'handler.succeeded' && e.agent === 'free'), "free's run");
    expect(fs.existsSync(o.p('workspaces', 'free', 'ran.txt'))).toBe(true);
    expect(fs.existsSync(o.p('workspaces', 'boxed', 'ran.txt'))).toBe(false);
    // boss is told, with the fix.
    const bounce = await waitFor(
      () => o!.ls('workspaces', 'boss', 'inbox').find((n) => n.includes('bounced')),
      'the bounce to boss',
    );
    expect(o.read('workspaces', 'boss', 'inbox', bounce)).toMatch(fix);

    const status = mailroom(['status', '--root', o.root], { env });
    expect(status.stdout).toMatch(
      /HANDLERS THAT WILL NOT RUN \(no jail\): boxed: sandbox is not set, but bwrap is not installed/,
    );
    expect(status.stdout).toMatch(/UNJAILED HANDLERS: free \(UNJAILED \(sandbox: none\)\)/);
    const doctor = mailroom(['doctor', '--root', o.root], { env });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/sandbox: agent boxed's handler will not run: .*apt-get install bubblewrap/);
    // With bwrap back on the PATH, doctor has nothing to say about the jail of boxed.
    const withBwrap = mailroom(['doctor', '--root', o.root]);
    expect(withBwrap.stdout).not.toMatch(/boxed's handler will not run/);
  });
});
