/**
 * What a new user trips on (issue 11, item 6): init inside an org and an agent named twice are
 * refused; the pid file holds the pid alone, so `kill $(cat .mailroom/daemon.pid)` stops the
 * daemon cleanly; a refused start explains itself without a stack trace; `show` takes T-n and
 * an id prefix; `help <command>`; BOARD.md shows UTC times while `mailroom board` shows ages.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, type Org } from '../../support/org.js';
import { stopClean } from '../../support/daemon.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
  org = undefined;
});

describe('init', () => {
  it('refuses an org inside an org, naming its root, and an agent named twice', () => {
    const o = (org = makeOrg(['maya']));
    for (const inside of [o.p('workspaces', 'maya', 'sub'), o.p('notes'), o.p('workspaces', 'maya', 'inbox', 'x')]) {
      const r = mailroom(['init', inside, '--agents', 'zed']);
      expect(r.code, inside).toBe(1);
      expect(r.stderr).toContain(`is inside the org ${o.root}`);
      expect(r.stderr).toContain(`--root ${o.root}`);
      expect(fs.existsSync(inside)).toBe(false);
    }
    const twice = mailroom(['init', path.join(o.tmp, 'other'), '--agents', 'a,b,a']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/--agents names a twice/);
    expect(fs.existsSync(path.join(o.tmp, 'other'))).toBe(false);
  });
});

describe('the daemon', () => {
  it('.mailroom/daemon.pid holds the pid alone: kill $(cat .mailroom/daemon.pid) stops it cleanly', async () => {
    const o = (org = makeOrg(['maya', 'legal']));
    const child = await o.start();
    const pidFile = o.p('.mailroom', 'daemon.pid');
    expect(fs.readFileSync(pidFile, 'utf8')).toBe(`${child.pid}\n`);
    const status = JSON.parse(mailroom(['status', '--root', o.root, '--json']).stdout);
    expect(status.daemon).toEqual({ running: true, pid: child.pid });
    const k = spawnSync('/bin/sh', ['-c', 'kill $(cat .mailroom/daemon.pid)'], { cwd: o.root, encoding: 'utf8' });
    expect(k.status, k.stderr).toBe(0);
    expect(await o.exit).toBe(0);
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(o.events().at(-1)).toMatchObject({ type: 'daemon.stopped', reason: 'received SIGTERM' });
  });

  it('stops cleanly on SIGHUP (a closed terminal)', async () => {
    const o = (org = makeOrg(['maya']));
    await o.start();
    expect(await o.stop('SIGHUP')).toBe(0);
    expect(o.events().at(-1)).toMatchObject({ type: 'daemon.stopped', reason: 'received SIGHUP' });
  });

  it('a refused start says why and how to fix it, without a stack trace', async () => {
    const o = (org = makeOrg(['maya', 'legal']));
    fs.writeFileSync(path.join(o.inbox('legal'), '1-urgent-20261124T101500.123Z-k3x9p2qa7b1c-x.md'), 'x');
    const r = mailroom(['start', '--root', o.root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mailroom: the daemon did not start: queued files with non-canonical names/);
    expect(r.stderr).toMatch(/Rename it, or move it to an outbox/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack frames
    fs.rmSync(path.join(o.inbox('legal'), '1-urgent-20261124T101500.123Z-k3x9p2qa7b1c-x.md'));
    await o.start();
    const second = mailroom(['start', '--root', o.root]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/another mailroom daemon \(pid \d+\) is already running/);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    expect(await stopClean(o)).toBe(0);
  });
});

describe('the demo', () => {
  it.each(['SIGTERM', 'SIGHUP'] as const)('stops its daemon (and so the mock agents) on %s', async (signal) => {
    const o = (org = makeOrg(['maya'])); // for its temp dir
    const root = path.join(o.tmp, 'demo-org');
    const demo = spawn(process.execPath, [path.join(REPO, 'dist', 'scripts', 'demo.js')], {
      env: { ...process.env, MAILROOM_DEMO_ROOT: root },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    demo.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    demo.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
    try {
      const pid = Number(
        await waitFor(() => fs.readFileSync(path.join(root, '.mailroom', 'daemon.pid'), 'utf8'), 'the demo daemon'),
      );
      await waitFor(() => out.includes('maya writes to legal'), 'the scenario to begin');
      // An org outside the working directory is named by its absolute path, never as ../../tmp/...
      expect(out).toContain(`starting the daemon on ${root} `);
      await waitFor(() => out.includes(`$ ls ${root}/workspaces/legal/inbox`), 'the inbox listing');
      demo.kill(signal);
      expect(await exited).toBe(0);
      expect(fs.existsSync(`/proc/${pid}`), `daemon ${pid} still running`).toBe(false);
      expect(fs.existsSync(path.join(root, '.mailroom', 'daemon.pid'))).toBe(false);
      expect(fs.existsSync(path.join(root, '.mailroom', 'daemon.lock'))).toBe(false);
      const handlers = fs
        .readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return fs.readlinkSync(`/proc/${p}/cwd`).startsWith(root);
          } catch {
            return false;
          }
        });
      expect(handlers, 'processes left running in the demo org').toEqual([]);
    } finally {
      if (demo.exitCode === null) demo.kill('SIGKILL');
    }
  });
});

describe('reading', () => {
  it('show takes T-n and an unambiguous id prefix; the board file shows UTC times, the board command ages', async () => {
    const o = (org = makeOrg(['maya', 'legal']));
    await o.start();
    const send = (args: string[], body: string) => {
      const r = mailroom(['send', '--root', o.root, ...args], { input: body });
      expect(r.code, r.stderr).toBe(0);
    };
    send(['--from', 'maya', '--to', 'legal', '--kind', 'task', '--subject', 'Review the NDA'], 'Sections 4-7.\n');
    await waitFor(() => o.events().some((e) => e.type === 'message.delivered'), 'the task delivered');
    send(['--from', 'legal', '--task', 'T-1', '--status', 'in_progress'], 'On it.\n');
    await waitFor(() => o.events().filter((e) => e.type === 'message.delivered').length === 2, 'the update delivered');
    const created = o.events().find((e) => e.type === 'message.accepted' && e.kind === 'task')!;

    const byTask = mailroom(['show', 'T-1', '--root', o.root]);
    expect(byTask.code, byTask.stderr).toBe(0);
    expect(byTask.stdout).toContain(`# ${created.id}: maya -> legal`);
    expect(byTask.stdout).toContain('Sections 4-7.');
    expect(byTask.stdout).toMatch(/T-1 updates:\n .* legal: in_progress/);
    const byPrefix = mailroom(['show', String(created.id).slice(0, 6), '--root', o.root, '--json']);
    expect(byPrefix.code, byPrefix.stderr).toBe(0);
    expect(JSON.parse(byPrefix.stdout).id).toBe(created.id);
    const ambiguous = mailroom(['show', '', '--root', o.root]); // every id starts with the empty prefix
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatch(/messages have ids starting with : .*; give more characters/);
    const none = mailroom(['show', 'T-9', '--root', o.root]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`\`mailroom board --root ${o.root}\``);

    const md = fs.readFileSync(o.p('board', 'BOARD.md'), 'utf8');
    expect(md).toContain('| created (UTC) | updated (UTC) |');
    expect(md).toMatch(
      /\| T-1 \| \d+ \| normal \| Review the NDA \| legal \| maya \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \|/,
    );
    const view = mailroom(['board', '--root', o.root]).stdout;
    expect(view).toMatch(/\| T-1 \| \d+ \| normal \| Review the NDA \| legal \| maya \| \d+(ms|s) \| \d+(ms|s) ago \|/);
    expect(await stopClean(o)).toBe(0);
  });

  it("help <command> prints that command's help; an unknown one is a usage error", () => {
    for (const c of ['send', 'compose', 'show', 'config']) {
      const r = mailroom(['help', c]);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(new RegExp(`^mailroom ${c}\\b`));
      expect(r.stdout).toBe(mailroom([c, '--help']).stdout);
    }
    const bad = mailroom(['help', 'sned']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no command "sned"; commands: init, start, send, .*compose/);
  });
});
