/** scripts/install-service.sh writes a systemd user unit whose command really runs the daemon. */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeOrg, message, type Org } from '../../support/org.js';
import { REPO } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';

const SCRIPT = path.join(REPO, 'scripts', 'install-service.sh');
let org: Org;

describe('install-service', () => {
  it('writes a unit whose ExecStart starts the daemon, which delivers and stops cleanly on SIGTERM', async () => {
    org = makeOrg(['maya', 'legal']);
    const home = path.join(org.tmp, 'home');
    const r = spawnSync('bash', [SCRIPT, org.root], { env: { ...process.env, HOME: home, XDG_CONFIG_HOME: '' }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const unit = fs.readFileSync(path.join(home, '.config', 'systemd', 'user', 'mailroom-org.service'), 'utf8');
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^WantedBy=default\.target$/m);
    expect(r.stdout).toContain('systemctl --user daemon-reload && systemctl --user enable --now mailroom-org.service');

    const exec = /^ExecStart=(.*)$/m.exec(unit)![1]!;
    const argv = [...exec.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    expect(argv.slice(2)).toEqual(['start', '--root', org.root]);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    await waitFor(() => stderr.includes('watching '), 'the daemon started by the unit command');
    org.drop('maya', 'svc.md', message({ to: 'legal', subject: 'via the service' }));
    await waitFor(() => org.ls('workspaces', 'legal', 'inbox').length === 1, 'delivery');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a directory without mailroom.yaml, saying how to make one', () => {
    org = makeOrg(['maya']);
    const r = spawnSync('bash', [SCRIPT, org.tmp], { env: { ...process.env, HOME: path.join(org.tmp, 'home') }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/has no mailroom\.yaml; create an org with `mailroom init/);
  });
});
