/** `mailroom service install` writes a systemd unit whose own ExecStart really runs the daemon; `service status` reports it. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MALLOC_ENV } from '../../../runtime/service/malloc.js';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, message, type Org } from '../../support/org.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
  org = undefined;
});

/** ExecStart= split the way systemd reads it (double quotes, \\ escapes). */
function execArgv(unit: string): string[] {
  const exec = /^ExecStart=(.*)$/m.exec(unit)![1]!;
  return [...exec.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) =>
    m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!,
  );
}

/** Its Environment= lines, as systemd gives them to ExecStart. */
function environment(unit: string): Record<string, string> {
  return Object.fromEntries([...unit.matchAll(/^Environment=([^=\n]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** The unit's ExecStart with its Environment=, run as systemd would; its stderr collected. */
function runUnit(unit: string) {
  const argv = execArgv(unit);
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...environment(unit) },
  });
  const run = {
    child,
    stderr: '',
    exited: new Promise<number | null>((res) => child.once('exit', (code) => res(code))),
  };
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (run.stderr += d));
  return run;
}

describe('mailroom service', () => {
  it('writes a user unit whose ExecStart starts the daemon, which delivers and stops cleanly on SIGTERM', async () => {
    org = makeOrg(['maya', 'legal']);
    const home = path.join(org.tmp, 'home');
    const env = { HOME: home, XDG_CONFIG_HOME: '' };
    const r = mailroom(['service', 'install', '--root', org.root], { env });
    expect(r.code, r.stderr).toBe(0);
    const file = path.join(home, '.config', 'systemd', 'user', 'mailroom-org.service');
    expect(r.stdout).toContain(`wrote ${file}`);
    expect(r.stdout).toContain('systemctl --user daemon-reload && systemctl --user enable --now mailroom-org.service');
    expect(r.stdout).toContain('journalctl --user -u mailroom-org -f');
    const unit = fs.readFileSync(file, 'utf8');
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^StandardError=journal$/m);
    expect(unit).toMatch(/^WantedBy=default\.target$/m);
    expect(unit).not.toMatch(/^User=/m);

    expect(execArgv(unit).slice(2)).toEqual(['start', '--root', org.root]);
    expect(environment(unit)).toEqual({ [MALLOC_ENV.name]: MALLOC_ENV.value }); // glibc's malloc setting (service/malloc.ts)
    const daemon = runUnit(unit);
    await waitFor(() => daemon.stderr.includes('watching '), 'the daemon started by the unit command');
    const up = mailroom(['service', 'status', '--root', org.root], { env });
    expect(up.code, up.stdout).toBe(0);
    expect(up.stdout).toContain(`unit: ${file}\n`);
    expect(up.stdout).toMatch(/^daemon: running \(pid \d+\)$/m);
    org.drop('maya', 'svc.md', message({ to: 'legal', subject: 'via the service' }));
    await waitFor(() => org!.ls('workspaces', 'legal', 'inbox').length === 1, 'delivery');
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(daemon.stderr).not.toContain(`${MALLOC_ENV.name} is not set`); // its whole log, read after it stopped
    const down = mailroom(['service', 'status', '--root', org.root], { env });
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^daemon: NOT RUNNING$/m);
  });

  it('writes a system unit that runs as the org owner, into --dir', () => {
    org = makeOrg(['maya']);
    const dir = path.join(org.tmp, 'units');
    const r = mailroom(['service', 'install', '--system', '--root', org.root, '--dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('sudo systemctl daemon-reload && sudo systemctl enable --now mailroom-org.service');
    const unit = fs.readFileSync(path.join(dir, 'mailroom-org.service'), 'utf8');
    expect(unit).toMatch(/^User=\S+$/m);
    expect(unit).toMatch(/^WantedBy=multi-user\.target$/m);
  });

  it('says when nothing is installed, and refuses a directory without mailroom.yaml', () => {
    org = makeOrg(['maya']);
    const s = mailroom(['service', 'status', '--root', org.root, '--dir', path.join(org.tmp, 'none')]);
    expect(s.code).toBe(1);
    expect(s.stdout).toMatch(/^unit: NOT INSTALLED .*mailroom service install --user --root /m);
    const r = mailroom(['service', 'install', '--root', org.tmp], { env: { HOME: path.join(org.tmp, 'home') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/mailroom\.yaml does not exist; create an org with `mailroom init/);
    expect(mailroom(['service', 'install', '--user', '--system', '--root', org.root]).code).toBe(2);
  });
});
