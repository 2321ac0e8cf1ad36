/**
 * Blast radius (issue 5, items 1-3): workspaces 0700, secrets from stdin and only to their
 * grantees, the bubblewrap jail (the token-overwrite story), loud warnings for unjailed
 * agents, and attachments that cannot escape the sender's workspace.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../workspaces/jail.js';
import { mailroom, makeOrg, message, waitFor, type Org } from '../helpers.js';

let org: Org;
afterEach(async () => org?.cleanup());

// .ci/run installs bubblewrap. Where it still cannot work (no user namespaces), the jail cannot
// be proven: that fails here, unless MAILROOM_ALLOW_NO_JAIL=1 (which .ci/run sets, loudly, only
// after its own probe failed) turns the jail tests into reported skips.
const jail = bwrapAvailable();
const skipJail = !jail.ok && process.env.MAILROOM_ALLOW_NO_JAIL === '1';
if (skipJail) console.warn(`SKIPPING the jail tests: ${jail.why}`);

beforeAll(() => {
  if (!skipJail) expect(jail.ok, `bwrap must work for these tests: ${jail.why} (set MAILROOM_ALLOW_NO_JAIL=1 to skip them)`).toBe(true);
});

const secret = (o: Org, name: string, value: string) => mailroom(['secret', 'set', name, '--root', o.root], { input: value });

describe('secrets', () => {
  it('are set from stdin into 0600 files, listed by name and holder, never shown', () => {
    org = makeOrg(['cfo', 'legal']);
    fs.writeFileSync(org.p('mailroom.yaml'), org.read('mailroom.yaml').replace('cfo: {}', 'cfo: { command: "true", secrets: [ANTHROPIC_API_KEY] }'));
    const set = secret(org, 'ANTHROPIC_API_KEY', 'sk-very-secret-value');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout + set.stderr).not.toContain('sk-very-secret-value');
    const file = org.p('.mailroom', 'secrets', 'ANTHROPIC_API_KEY');
    expect(fs.readFileSync(file, 'utf8')).toBe('sk-very-secret-value');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const list = mailroom(['secret', 'list', '--root', org.root]);
    expect(list.stdout).toMatch(/ANTHROPIC_API_KEY.*cfo/);
    expect(list.stdout + list.stderr).not.toContain('sk-very-secret-value');
    const json = mailroom(['secret', 'list', '--root', org.root, '--json']).stdout;
    expect(json).not.toContain('sk-very-secret-value');
    // Never from argv.
    const argv = mailroom(['secret', 'set', 'OTHER', 'value-on-argv', '--root', org.root]);
    expect(argv.code).toBe(2);
    expect(argv.stderr).toMatch(/never put a secret on the command line/);
    expect(fs.existsSync(org.p('.mailroom', 'secrets', 'OTHER'))).toBe(false);
  });

  it('workspaces are 0700', async () => {
    org = makeOrg(['cfo', 'legal']);
    await org.start();
    for (const a of ['cfo', 'legal', 'operator']) expect(fs.statSync(org.p('workspaces', a)).mode & 0o777, a).toBe(0o700);
  });
});

describe.skipIf(skipJail)('the token-overwrite story', () => {
  it('a jailed handler cannot read or write the config, another agent\'s secret or workspace; its reply still works', async () => {
    org = makeOrg(['x']);
    const root = fs.realpathSync(org.root);
    const escaped = `mailroom-escaped-${path.basename(org.tmp)}`;
    const script = [
      'echo "mine=$MY_TOKEN other=${OTHER_TOKEN:-unset}" > seen.txt',
      `echo "agents: {}" > ${root}/mailroom.yaml || echo "BLOCKED write config" >&2`,
      `cat ${root}/mailroom.yaml || echo "BLOCKED read config" >&2`,
      `echo stolen > ${root}/.mailroom/secrets/OTHER_TOKEN || echo "BLOCKED write secret" >&2`,
      `cat ${root}/.mailroom/secrets/OTHER_TOKEN || echo "BLOCKED read secret" >&2`,
      `ls ${root}/workspaces/victim/inbox || echo "BLOCKED read workspace" >&2`,
      `echo x > ${root}/workspaces/victim/inbox/forged.md || echo "BLOCKED write inbox" >&2`,
      `echo x > /tmp/${escaped} && echo "PRIVATE tmp" >&2`, // a fresh tmpfs: the host's /tmp never sees it
      'printf -- "---\\nto: victim\\nsubject: normal reply\\n---\\nall good\\n" > outbox/.r && mv outbox/.r outbox/reply.md',
    ].join('\n');
    fs.writeFileSync(org.p('mailroom.yaml'), `agents:\n  evil: { command: "sh ./attempt.sh", secrets: [MY_TOKEN] }\n  victim: { secrets: [OTHER_TOKEN] }\n  boss: {}\n`);
    expect(secret(org, 'MY_TOKEN', 'my-own-token').code).toBe(0);
    expect(secret(org, 'OTHER_TOKEN', 'victims-token').code).toBe(0);
    const config = org.read('mailroom.yaml');
    await org.start();
    const versions = org.events().filter((e) => e.type === 'config.changed').length;
    fs.writeFileSync(org.p('workspaces', 'evil', 'attempt.sh'), script);
    org.drop('victim', 'private.md', message({ to: 'boss', subject: 'private' })); // something in a workspace to steal
    org.drop('boss', 'go.md', message({ to: 'evil', subject: 'go' }));

    const done = await waitFor(() => org.events().find((e) => (e.type === 'handler.succeeded' || e.type === 'handler.failed') && e.agent === 'evil'), 'the handler run');
    expect(done.type).toBe('handler.succeeded');
    for (const what of ['write config', 'read config', 'write secret', 'read secret', 'read workspace', 'write inbox']) expect(done.stderr, what).toContain(`BLOCKED ${what}`);
    expect(done.stderr).toContain('PRIVATE tmp');
    expect(fs.existsSync(`/tmp/${escaped}`)).toBe(false);
    expect(org.read('mailroom.yaml')).toBe(config);
    expect(org.read('.mailroom', 'secrets', 'OTHER_TOKEN')).toBe('victims-token');
    expect(org.read('workspaces', 'evil', 'seen.txt').trim()).toBe('mine=my-own-token other=unset');
    expect(org.ls('workspaces', 'victim', 'inbox').some((n) => n.includes('forged'))).toBe(false);
    // The normal reply is delivered.
    await waitFor(() => org.ls('workspaces', 'victim', 'inbox').some((n) => n.endsWith('-normal-reply.md')), 'the reply');
    expect(org.events().filter((e) => e.type === 'config.changed')).toHaveLength(versions);
  });

  // A jailed handler cannot plant these (BRIEF.md and done/ are read-only mount points in its jail;
  // test/int/safety/jail-hostile.int.spec.ts tries): the daemon's own defence is proven with an unjailed one.
  it('links planted by an unjailed handler in its workspace (BRIEF.md, done/) never make the daemon write or move into the org', async () => {
    org = makeOrg(['x']);
    const root = fs.realpathSync(org.root);
    const script = [
      '[ -e planted ] && exit 0',
      `rm -f BRIEF.md && ln -s ${root}/.mailroom/secrets/OTHER_TOKEN BRIEF.md`,
      `rm -rf done && ln -s ${root}/board done`,
      'touch planted',
    ].join('\n');
    fs.writeFileSync(org.p('mailroom.yaml'), `agents:\n  evil: { command: "sh ./plant.sh", sandbox: none }\n  victim: { secrets: [OTHER_TOKEN] }\n  boss: {}\n`);
    expect(secret(org, 'OTHER_TOKEN', 'victims-token').code).toBe(0);
    await org.start();
    fs.writeFileSync(org.p('workspaces', 'evil', 'plant.sh'), script);
    org.drop('boss', 'first.md', message({ to: 'evil', subject: 'plant' }));
    await waitFor(() => org.events().some((e) => e.type === 'handler.succeeded' && e.agent === 'evil'), 'the planting run');
    expect(fs.lstatSync(org.p('workspaces', 'evil', 'BRIEF.md')).isSymbolicLink()).toBe(true);
    // A task for evil changes its brief: the daemon renders BRIEF.md again.
    org.drop('boss', 'task.md', message({ to: 'evil', kind: 'task', subject: 'a task' }));
    await waitFor(() => fs.lstatSync(org.p('workspaces', 'evil', 'BRIEF.md')).isFile(), 'BRIEF.md replaced by a real file');
    expect(org.read('workspaces', 'evil', 'BRIEF.md')).toContain('a task');
    expect(org.read('.mailroom', 'secrets', 'OTHER_TOKEN')).toBe('victims-token');
    // done/ is a link: nothing is moved through it (the handled message stays in the inbox), and the log says why.
    await waitFor(() => /not moving .*-plant\.md to done\/: .*evil\/done is a symbolic link/.test(org.stderr), 'the warning about done/');
    expect(org.ls('board').filter((n) => n.endsWith('.md') && n !== 'BOARD.md')).toEqual([]);
    expect(org.ls('workspaces', 'evil', 'inbox').some((n) => n.endsWith('-plant.md'))).toBe(true);
  });

  it('sandbox: none is said loudly in status, doctor and the daemon log', async () => {
    org = makeOrg(['x']);
    fs.writeFileSync(org.p('mailroom.yaml'), 'agents:\n  free: { command: "true", sandbox: none }\n  boxed: { command: "true" }\n');
    await org.start();
    expect(org.stderr).toMatch(/agent free's handler runs UNJAILED \(sandbox: none\)/);
    const status = mailroom(['status', '--root', org.root]).stdout;
    expect(status).toMatch(/free.*UNJAILED/);
    expect(status).not.toMatch(/boxed.*UNJAILED/);
    const doctor = mailroom(['doctor', '--root', org.root]);
    expect(doctor.stdout).toMatch(/free.*UNJAILED/);
    const json = JSON.parse(mailroom(['status', '--root', org.root, '--json']).stdout);
    expect(json.handlers).toEqual(expect.arrayContaining([expect.objectContaining({ agent: 'free', jailed: false }), expect.objectContaining({ agent: 'boxed', jailed: true })]));
  });
});

describe('attachments', () => {
  it('are copied to the recipient inbox; one that escapes the workspace is rejected and nothing is copied', async () => {
    org = makeOrg(['maya', 'legal']);
    await org.start();
    const ws = org.p('workspaces', 'maya');
    fs.mkdirSync(path.join(ws, 'files'));
    fs.writeFileSync(path.join(ws, 'files', 'report.txt'), 'Q3 numbers\n');
    org.drop('maya', 'with.md', message({ to: 'legal', subject: 'with attachment', attachments: ['files/report.txt'] }));
    const name = await waitFor(() => org.ls('workspaces', 'legal', 'inbox').find((n) => n.endsWith('-with-attachment.md')), 'delivery');
    const id = name.split('-')[3]!;
    expect(org.read('workspaces', 'legal', 'inbox', 'attachments', id, 'report.txt')).toBe('Q3 numbers\n');
    expect(org.read('workspaces', 'legal', 'inbox', name)).toContain(`attachments/${id}/report.txt`);

    const outsideFile = path.join(org.tmp, 'outside.txt');
    fs.writeFileSync(outsideFile, 'not yours\n');
    fs.symlinkSync(outsideFile, path.join(ws, 'files', 'link.txt'));
    const escapes: Array<[string, string]> = [
      ['dotdot.md', '../legal/inbox/x'],
      ['link.md', 'files/link.txt'],
      ['missing.md', 'files/nope.txt'],
    ];
    for (const [file, att] of escapes) org.drop('maya', file, message({ to: 'legal', subject: file, attachments: [att] }));
    for (const [file] of escapes) {
      const e = await waitFor(() => org.events().find((x) => x.type === 'message.rejected' && x.origin === file), `the rejection of ${file}`);
      expect(e.reason).toMatch(/attachment/);
    }
    await waitFor(() => org.ls('workspaces', 'maya', 'inbox').length === escapes.length, 'the bounces');
    expect(fs.readdirSync(org.p('workspaces', 'legal', 'inbox', 'attachments'))).toEqual([id]);
    expect(org.ls('workspaces', 'legal', 'inbox').filter((n) => n.endsWith('.md'))).toEqual([name]);
  });
});
