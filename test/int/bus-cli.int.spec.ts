/**
 * The CLI's contracts (DESIGN.md): init, send, --root discovery, --json outputs, show from the
 * log, exit codes 0 / 1 / 2, --help, and the daemon's log formats.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { mailroom, makeOrg, message, waitFor, type Org } from '../helpers.js';

let org: Org;
afterEach(async () => org?.cleanup());

describe('init', () => {
  it('writes agents as a map, the workspaces and the operator mailbox, and never overwrites', () => {
    org = makeOrg(['maya', 'oliver']);
    const cfg = YAML.parse(org.read('mailroom.yaml'));
    expect(cfg.agents).toEqual({ maya: {}, oliver: {} });
    expect(Array.isArray(cfg.agents)).toBe(false);
    for (const a of ['maya', 'oliver', 'operator']) expect(org.ls('workspaces', a)).toEqual(['done', 'drafts', 'inbox', 'outbox', 'sent']);
    const again = mailroom(['init', org.root, '--agents', 'x']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists; mailroom init never overwrites/);
    expect(YAML.parse(org.read('mailroom.yaml')).agents).toEqual({ maya: {}, oliver: {} });
  });

  it('start creates a missing workspace of a configured agent', async () => {
    org = makeOrg(['maya']);
    fs.writeFileSync(org.p('mailroom.yaml'), org.read('mailroom.yaml').replace('maya: {}', 'maya: {}\n  newbie: {}'));
    await org.start();
    expect(org.ls('workspaces', 'newbie')).toEqual(expect.arrayContaining(['done', 'inbox', 'outbox', 'sent']));
    expect(fs.statSync(org.p('workspaces', 'newbie')).mode & 0o777).toBe(0o700);
    expect(await org.stop()).toBe(0);
  });
});

describe('send', () => {
  it('writes into the sender outbox atomically, prints the path, and the daemon delivers it', async () => {
    org = makeOrg();
    const r = mailroom(['send', '--root', org.root, '--from', 'maya', '--to', 'legal', '--priority', 'high', '--kind', 'task', '--subject', 'Review the NDA'], { input: 'Sections 4-7.\n' });
    expect(r.code, r.stderr).toBe(0);
    const file = r.stdout.trim();
    expect(path.dirname(file)).toBe(org.outbox('maya'));
    expect(fs.readFileSync(file, 'utf8')).toBe('---\nto: legal\npriority: high\nsubject: Review the NDA\nkind: task\n---\nSections 4-7.\n');
    expect(fs.readdirSync(org.outbox('maya'))).toEqual([path.basename(file)]); // no temp file left
    await org.start();
    await waitFor(() => org.ls('workspaces', 'legal', 'inbox').length === 1, 'delivery');
    const board = JSON.parse(mailroom(['board', '--root', org.root, '--json']).stdout);
    expect(board.tasks).toHaveLength(1);
    expect(Object.keys(board.tasks[0])).toEqual(expect.arrayContaining(['id', 'title', 'status', 'owner', 'creator', 'priority', 'created', 'updated']));
    expect(board.tasks[0]).toMatchObject({ id: 'T-1', title: 'Review the NDA', status: 'open', owner: 'legal', creator: 'maya', priority: 'high' });
  });

  it('checks the message as the daemon would before writing anything (exit 2)', () => {
    org = makeOrg();
    const cases: Array<[string[], RegExp]> = [
      [['--to', 'legal', '--kind', 'tsk'], /not sent: kind: unknown kind "tsk"; allowed values: message, task/],
      [['--task', 'T-1', '--status', 'finished'], /status: unknown status "finished"/],
      [['--to', 'lawyer'], /"lawyer" is not an agent or group[\s\S]*Use one of the agents \(maya, oliver, legal, operator\)/],
      [['--to', 'legal', '--due', 'soon'], /due: "soon" is not a date/],
    ];
    for (const [flags, re] of cases) {
      const r = mailroom(['send', '--root', org.root, '--from', 'maya', ...flags, '--body', 'x']);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr, flags.join(' ')).toMatch(re);
    }
    expect(org.ls('workspaces', 'maya', 'outbox')).toEqual([]);
    const unknown = mailroom(['board', '--root', org.root, '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^mailroom: unknown option --bogus\n/);
  });

  it('refuses a priority outside the enum before writing anything (exit 2)', () => {
    org = makeOrg();
    const r = mailroom(['send', '--root', org.root, '--from', 'maya', '--to', 'legal', '--priority', 'urgent', '--body', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown priority "urgent"; allowed values: critical, high, normal, low/);
    expect(org.ls('workspaces', 'maya', 'outbox')).toEqual([]);
  });
});

describe('finding the org and reading it', () => {
  it('--root defaults to the nearest ancestor holding mailroom.yaml', () => {
    org = makeOrg();
    const r = mailroom(['status', '--json'], { cwd: org.p('workspaces', 'maya', 'inbox') });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).root).toBe(org.root);
    const outside = mailroom(['status'], { cwd: org.tmp });
    expect(outside.code).toBe(1); // a problem found: there is no org here
    expect(outside.stderr).toMatch(/no mailroom\.yaml in this directory or any parent; pass --root <dir>/);
  });

  it('status, board and log print JSON with --json; show works after every copy is gone', async () => {
    org = makeOrg();
    await org.start();
    org.drop('maya', 'm.md', message({ to: 'legal', subject: 'Keep this text' }, 'The body that must survive.\n'));
    const name = await waitFor(() => org.ls('workspaces', 'legal', 'inbox')[0], 'delivery');
    const status = JSON.parse(mailroom(['status', '--root', org.root, '--json']).stdout);
    expect(status.daemon.running).toBe(true);
    expect(status.agents.find((a: { name: string }) => a.name === 'legal').inbox).toBe(1);
    expect(JSON.parse(mailroom(['board', '--root', org.root, '--json']).stdout)).toHaveProperty('tasks');
    const log = mailroom(['log', '--root', org.root, '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((e) => e.type)).toEqual(expect.arrayContaining(['daemon.started', 'message.accepted', 'message.delivered']));
    const rejectedOnly = mailroom(['log', '--root', org.root, '--type', 'message.rejected']);
    expect(rejectedOnly.code).toBe(0);
    expect(rejectedOnly.stdout.trim()).toBe('');

    const id = name.split('-')[3]!;
    fs.unlinkSync(org.p('workspaces', 'legal', 'inbox', name));
    fs.rmSync(org.p('workspaces', 'maya', 'sent'), { recursive: true, force: true });
    const show = mailroom(['show', id, '--root', org.root]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('The body that must survive.');
    expect(JSON.parse(mailroom(['show', id, '--root', org.root, '--json']).stdout)).toMatchObject({ id });
  });
});

describe('exit codes and help', () => {
  it('0 ok, 1 problem found, 2 usage', () => {
    org = makeOrg();
    expect(mailroom(['status', '--root', org.root]).code).toBe(0);
    const doctor = mailroom(['doctor', '--root', org.root]);
    expect(doctor.code).toBe(1); // no daemon runs
    expect(doctor.stdout).toMatch(/PROBLEM\s+daemon: no daemon is running/);
    expect(mailroom(['show', 'zzzzzzzzzzzz', '--root', org.root]).code).toBe(1);
    for (const args of [['bogus'], ['status', '--bogus'], ['show'], ['send', '--root', org.root, '--from', 'maya']]) {
      const r = mailroom(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^mailroom: .+/);
    }
  });

  it('--help explains the tool and each command', () => {
    const top = mailroom(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['init', 'start', 'send', 'status', 'board', 'doctor', 'show', 'log', 'why', 'config', 'secret']) expect(top.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    const sub = mailroom(['send', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/--priority <p>\s+critical \| high \| normal \| low/);
  });
});

describe('the daemon log', () => {
  it('is one human line per event by default and JSON lines with --log-format json', async () => {
    org = makeOrg();
    await org.start(['--log-format', 'json']);
    org.drop('maya', 'j.md', message({ to: 'legal', subject: 'json log' }));
    await waitFor(() => org.stderr.includes('"message.delivered"'), 'a JSON delivered line');
    const lines = org.stderr.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.find((l) => l.type === 'message.accepted')).toMatchObject({ from: 'maya', to: ['legal'] });
    expect(await org.stop()).toBe(0);
    await org.start();
    org.drop('maya', 'h.md', message({ to: 'legal', subject: 'human log' }));
    await waitFor(() => /delivered [0-9a-z]{12} to legal/.test(org.stderr), 'a human delivered line');
    expect(org.stderr).toMatch(/accepted\s+[0-9a-z]{12} maya -> legal \[normal\] message "human log"/);
  });
});

describe('the priority enum is checked at start-up', () => {
  it('a non-canonical priority in the config stops start-up, naming the key and the allowed values', () => {
    org = makeOrg(['maya']);
    fs.writeFileSync(org.p('mailroom.yaml'), org.read('mailroom.yaml').replace('high: 30m', 'P1: 30m'));
    const r = mailroom(['start', '--root', org.root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stuck_after: unknown priority "P1"; allowed values: critical, high, normal, low/);
  });

  it('a queued file whose name carries a non-canonical priority stops start-up, naming the file; doctor names it too', () => {
    org = makeOrg(['maya', 'legal']);
    const bad = '1-urgent-20261124T000000.000Z-abcdefabcdef-contract.md';
    fs.writeFileSync(org.p('workspaces', 'legal', 'inbox', bad), message({ to: 'legal' }));
    const r = mailroom(['start', '--root', org.root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`workspaces/legal/inbox/${bad}`);
    expect(r.stderr).toMatch(/priority "urgent", which is not canonical \(allowed values: critical, high, normal, low/);
    const doctor = mailroom(['doctor', '--root', org.root]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/PROBLEM\s+queued names:.*urgent/);
  });
});
