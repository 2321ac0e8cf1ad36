/**
 * The CLI's contracts (2 of 2; the other is cli.int.spec.ts), split so both run at once:
 * --root discovery, exit codes (0 ok, 1 problem, 2 usage, with a helpful message on stderr and
 * nothing written), --help, the checks start-up makes, and send with no daemon running.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeOrg, message, type Org } from '../../support/org.js';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';

const PRIORITY_LINE = /critical \| high \| normal \| low/;

describe('--root defaults to the nearest ancestor holding mailroom.yaml', () => {
  it('finds the org from inside a workspace, for reading and for send; the nearest of two nested orgs wins', async () => {
    const o = makeOrg(['maya', 'legal']);
    const s = mailroom(['status', '--json'], { cwd: o.p('workspaces', 'maya', 'inbox') });
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).root).toBe(o.root);

    const send = mailroom(['send', '--from', 'maya', '--to', 'legal', '--subject', 'from inside', '--body', 'hi'], {
      cwd: o.p('workspaces', 'maya'),
    });
    expect(send.code, send.stderr).toBe(0);
    expect(path.dirname(send.stdout.trim())).toBe(o.outbox('maya'));
    expect(fs.existsSync(send.stdout.trim())).toBe(true);

    // init refuses to make an org inside another, naming the outer org's root...
    const inner = o.p('workspaces', 'maya', 'project');
    const nested = mailroom(['init', inner, '--agents', 'zed']);
    expect(nested.code).toBe(1);
    expect(nested.stderr).toContain(`is inside the org ${o.root}`);
    expect(fs.existsSync(inner)).toBe(false);
    // ...but an org moved inside another's workspace: from inside it, the inner one is meant.
    const made = path.join(o.tmp, 'project');
    expect(mailroom(['init', made, '--agents', 'zed']).code).toBe(0);
    fs.renameSync(made, inner);
    const fromInner = mailroom(['status', '--json'], { cwd: path.join(inner, 'workspaces', 'zed', 'outbox') });
    expect(fromInner.code, fromInner.stderr).toBe(0);
    expect(JSON.parse(fromInner.stdout).root).toBe(inner);
    const fromOuter = mailroom(['status', '--json'], { cwd: o.p('workspaces', 'maya', 'done') });
    expect(JSON.parse(fromOuter.stdout).root).toBe(o.root);
  });

  it('with no org above the working directory, or a --root without mailroom.yaml: exit 1 and how to fix it', () => {
    const o = makeOrg(['maya']);
    const none = mailroom(['status'], { cwd: o.tmp });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no mailroom\.yaml in this directory or any parent; pass --root <dir>/);
    const empty = path.join(o.tmp, 'empty');
    fs.mkdirSync(empty);
    const wrong = mailroom(['board', '--root', empty, '--json']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toContain(`${path.join(empty, 'mailroom.yaml')} does not exist`);
    expect(wrong.stderr).toMatch(/mailroom init/);
  });
});

describe('exit codes: 0 ok, 1 a problem found, 2 usage', () => {
  let usageOrg: Org; // shared by the usage cases below, which must leave it untouched
  beforeAll(() => {
    usageOrg = makeOrg(['maya', 'legal']);
  });

  it('0 when all is well; 1 when doctor finds a problem (no daemon), and 0 again once it is fixed', async () => {
    const o = makeOrg(['maya', 'legal']);
    expect(mailroom(['status', '--root', o.root]).code).toBe(0);
    const doctor = mailroom(['doctor', '--root', o.root]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/PROBLEM\s+daemon: no daemon is running on this org/);
    expect(doctor.stdout).toMatch(/1 problem\(s\) found\./);
    await o.start();
    const well = mailroom(['doctor', '--root', o.root]);
    expect(well.code, well.stdout).toBe(0);
    expect(well.stdout).toMatch(/all well\./);
  });

  it.each([
    [
      'an unknown command',
      ['bogus'],
      /^mailroom: unknown command "bogus"; commands: init, start, send, status, board, doctor, show, log, why, compact, config, secret/,
    ],
    [
      'an unknown flag',
      ['status', '--bogus'],
      /^mailroom: unknown option --bogus\n[\s\S]*mailroom status \[--root <dir>\] \[--json\]/,
    ],
    ['a flag without its value', ['status', '--root'], /^mailroom: .*--root.*argument missing[\s\S]*mailroom status/],
    ['show without an id', ['show'], /^mailroom: show takes one message id\n[\s\S]*mailroom show <id>/],
    ['init without a directory', ['init', '--agents', 'a'], /^mailroom: init takes one directory/],
    ['init without --agents', ['init', '/nonexistent/never-created'], /^mailroom: --agents is required/],
    [
      'send without --to',
      ['send', '--from', 'maya', '--body', 'x'],
      /^mailroom: --to is required \(or --task for a task update\)/,
    ],
    ['log --tail that is not a number', ['log', '--tail', 'ten'], /^mailroom: --tail takes a whole number, got ten/],
    [
      'start with an unknown log format',
      ['start', '--log-format', 'xml'],
      /^mailroom: --log-format: allowed values: human, json; got xml/,
    ],
  ])('2 for %s, with a helpful message on stderr', (_what, args, re) => {
    const o = usageOrg;
    const r = mailroom(args, { cwd: o.root });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stdout).toBe('');
    // Nothing was written or started.
    expect(o.ls('workspaces', 'maya', 'outbox')).toEqual([]);
    expect(o.events()).toEqual([]);
    expect(fs.existsSync('/nonexistent/never-created')).toBe(false);
  });

  it('2 for a send that the daemon would bounce, before anything is written', () => {
    const o = usageOrg;
    for (const [flags, re] of [
      [
        ['--to', 'legal', '--priority', 'urgent'],
        /unknown priority "urgent"; allowed values: critical, high, normal, low/,
      ],
      [['--to', '../legal'], /path characters/],
      [['--to', 'legal', '--kind', 'tsk'], /not sent: kind: unknown kind "tsk"; allowed values: message, task/],
      [['--task', 'T-1', '--status', 'finished'], /status: unknown status "finished"/],
      [['--to', 'lawyer'], /"lawyer" is not an agent or group[\s\S]*Use one of the agents \(maya, legal, operator\)/],
      [['--to', 'legal', '--due', 'soon'], /due: "soon" is not a date/],
    ] as Array<[string[], RegExp]>) {
      const r = mailroom(['send', '--root', o.root, '--from', 'maya', ...flags, '--body', 'x']);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr, flags.join(' ')).toMatch(re);
    }
    expect(fs.readdirSync(o.outbox('maya'))).toEqual([]);
  });

  // Regression (fixed: commands that take no words refuse them). It was: stray positional arguments were silently ignored by every command but init/show. The
  // most harmful case: `mailroom send --to legal Please review` exits 0 and writes a message
  // whose body is EMPTY (the words are dropped), and `mailroom start ./org` ignores ./org
  // and starts whatever org the working directory is in. Expected: exit 2, nothing written.
  // Actual (mailroom 0.1.0): exit 0, and <outbox>/<time>-message.md holds an empty body.
  it('2 for stray arguments (a body given as words is not silently dropped)', () => {
    const o = makeOrg(['maya', 'legal']);
    const r = mailroom(['send', '--root', o.root, '--from', 'maya', '--to', 'legal', 'Please', 'review']);
    expect(r.code, `exit ${r.code}, wrote ${fs.readdirSync(o.outbox('maya')).join(', ')}`).toBe(2);
    expect(r.stderr).toMatch(/^mailroom: .*(Please|argument)/);
    expect(fs.readdirSync(o.outbox('maya'))).toEqual([]);
  });
});

describe('--help', () => {
  it('on the main command lists every command, the common options and the exit codes', () => {
    for (const flag of ['--help', '-h']) {
      const r = mailroom([flag]);
      expect(r.code, flag).toBe(0);
      expect(r.stderr).toBe('');
      for (const c of ['init', 'start', 'send', 'status', 'board', 'doctor', 'show', 'log', 'why', 'config', 'secret'])
        expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
      expect(r.stdout).toMatch(/--root <dir>/);
      expect(r.stdout).toMatch(/Exit codes: 0 ok, 1 a problem found or refused, 2 usage/);
    }
  });

  it('on a subcommand explains it and does nothing else', () => {
    const o = makeOrg(['maya', 'legal']);
    const send = mailroom(['send', '--help'], { cwd: o.p('workspaces', 'maya') });
    expect(send.code).toBe(0);
    expect(send.stdout).toMatch(/^mailroom send --to/);
    expect(send.stdout).toMatch(PRIORITY_LINE);
    for (const f of ['--root', '--from', '--to', '--subject', '--priority', '--kind', '--task', '--due', '--reply-to'])
      expect(send.stdout).toContain(f);
    expect(fs.readdirSync(o.outbox('operator'))).toEqual([]);
    const start = mailroom(['start', '--help', '--root', o.root]);
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(/^mailroom start \[--root <dir>\] \[--log-format human\|json\]/);
    expect(o.events()).toEqual([]); // no daemon ran
    for (const c of ['board', 'show', 'init']) {
      const r = mailroom([c, '-h']);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(new RegExp(`^mailroom ${c}\\b`));
    }
  });
});

describe('start-up', () => {
  it('start creates a missing workspace of a configured agent', async () => {
    const org = makeOrg(['maya']);
    fs.writeFileSync(org.p('mailroom.yaml'), org.read('mailroom.yaml').replace('maya: {}', 'maya: {}\n  newbie: {}'));
    await org.start();
    expect(org.ls('workspaces', 'newbie')).toEqual(expect.arrayContaining(['done', 'inbox', 'outbox', 'sent']));
    expect(fs.statSync(org.p('workspaces', 'newbie')).mode & 0o777).toBe(0o700);
    expect(await org.stop()).toBe(0);
  });

  it('a non-canonical priority in the config stops start-up, naming the key and the allowed values', () => {
    const org = makeOrg(['maya']);
    fs.writeFileSync(org.p('mailroom.yaml'), org.read('mailroom.yaml').replace('high: 30m', 'P1: 30m'));
    const r = mailroom(['start', '--root', org.root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stuck_after: unknown priority "P1"; allowed values: critical, high, normal, low/);
  });

  it('a queued file whose name carries a non-canonical priority stops start-up, naming the file; doctor names it too', () => {
    const org = makeOrg(['maya', 'legal']);
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

describe('send without a daemon', () => {
  it('writes an approval kind with --amount and --currency; a wrong amount, an unlisted kind or a recipient outside may_send_to is refused before anything is written', () => {
    const o = makeOrg(['maya', 'legal'], 'approval_required: [payment]\n');
    const send = (...flags: string[]) =>
      mailroom(['send', '--root', o.root, '--from', 'maya', '--to', 'legal', ...flags, '--body', 'x']);
    const r = send('--kind', 'payment', '--amount', '900', '--currency', 'USD', '--subject', 'Pay the vendor');
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(r.stdout.trim(), 'utf8')).toBe(
      '---\nto: legal\nsubject: Pay the vendor\nkind: payment\namount: 900\ncurrency: USD\n---\nx',
    );
    const bad = send('--kind', 'payment', '--amount', 'lots');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not sent: .*amount/);
    const unlisted = send('--kind', 'signature');
    expect(unlisted.code).toBe(2);
    expect(unlisted.stderr).toMatch(/unknown kind "signature"/);
    expect(fs.readdirSync(o.outbox('maya'))).toEqual([path.basename(r.stdout.trim())]);
    // may_send_to is checked by send too, before anything is written; the operator is always allowed.
    fs.writeFileSync(o.p('mailroom.yaml'), 'agents:\n  maya: { may_send_to: [boss] }\n  legal: {}\n  boss: {}\n');
    const refused = send('--subject', 'hi');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not sent: maya may write only to boss, operator .*legal is not among them/);
    expect(fs.readdirSync(o.outbox('maya'))).toHaveLength(1);
    expect(mailroom(['send', '--root', o.root, '--from', 'maya', '--to', 'operator', '--body', 'x']).code).toBe(0);
  });

  it('with no daemon running writes exactly the message text into the outbox; the daemon started later delivers it as a task', async () => {
    const org = makeOrg();
    const r = mailroom(
      [
        'send',
        '--root',
        org.root,
        '--from',
        'maya',
        '--to',
        'legal',
        '--priority',
        'high',
        '--kind',
        'task',
        '--subject',
        'Review the NDA',
      ],
      { input: 'Sections 4-7.\n' },
    );
    expect(r.code, r.stderr).toBe(0);
    const file = r.stdout.trim();
    expect(path.dirname(file)).toBe(org.outbox('maya'));
    expect(fs.readFileSync(file, 'utf8')).toBe(
      '---\nto: legal\npriority: high\nsubject: Review the NDA\nkind: task\n---\nSections 4-7.\n',
    );
    expect(fs.readdirSync(org.outbox('maya'))).toEqual([path.basename(file)]); // no temp file left
    await org.start();
    await waitFor(() => org.ls('workspaces', 'legal', 'inbox').length === 1, 'delivery');
    const board = JSON.parse(mailroom(['board', '--root', org.root, '--json']).stdout);
    expect(board.tasks).toHaveLength(1);
    expect(Object.keys(board.tasks[0])).toEqual(
      expect.arrayContaining(['id', 'title', 'status', 'owner', 'creator', 'priority', 'created', 'updated']),
    );
    expect(board.tasks[0]).toMatchObject({
      id: 'T-1',
      title: 'Review the NDA',
      status: 'open',
      owner: 'legal',
      creator: 'maya',
      priority: 'high',
    });
  });
});
