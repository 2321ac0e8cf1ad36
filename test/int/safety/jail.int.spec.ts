/**
 * Blast radius, the handler jail: the token-overwrite story with a real jailed shell handler,
 * secrets handed out only to their grantees, `sandbox: none` said loudly, and a jailed
 * handler that tries to reach the org through a symlinked mailbox, BRIEF.md or done/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { allFiles, makeOrg, message, org, tmpFile, type Org } from '../../support/org.js';
import { mailroom, secretSet, status, statusJson, versions } from '../../support/cli.js';
import { eventsOf, waitEvent, waitFor } from '../../support/events.js';
import { inboxFile } from '../../support/mail.js';
import { requireBwrap, skipJail } from '../../support/jail.js';

beforeAll(() => requireBwrap());

const MY_VALUE = 'evil-own-token-4711';
const OTHER_VALUE = 'victim-token-SECRET-9321';

/** A shell handler that tries each attack and reports BLOCKED or ESCAPED on stderr (one line each). */
function attackScript(root: string): string {
  return `R='${root}'
attempt() {
  what="$1"; shift
  if out=$("$@" 2>&1); then r=ESCAPED; else r=BLOCKED; fi
  echo "$r $what: $(printf '%s' "$out" | head -n 1)" >&2
}
attempt "write config" sh -c "printf 'agents: {}\\n' > '$R/mailroom.yaml'"
attempt "read config" cat "$R/mailroom.yaml"
attempt "overwrite secret" sh -c "printf stolen > '$R/.mailroom/secrets/OTHER_TOKEN'"
attempt "read secret" cat "$R/.mailroom/secrets/OTHER_TOKEN"
attempt "delete secret" rm "$R/.mailroom/secrets/OTHER_TOKEN"
attempt "list workspace" ls "$R/workspaces/victim"
attempt "read workspace" cat "$R/workspaces/victim/notes.txt"
attempt "write workspace" sh -c "printf forged > '$R/workspaces/victim/inbox/forged.md'"
printf x > "/tmp/mailroom-escaped-$(basename "$R")" && echo "PRIVATE tmp" >&2
printf 'MY_TOKEN=%s\\nOTHER_TOKEN=%s\\n' "\${MY_TOKEN-unset}" "\${OTHER_TOKEN-unset}" > seen-env.txt
env > env-dump.txt
printf -- '---\\nto: boss\\nsubject: normal reply\\n---\\nall attempts made\\n' > outbox/.reply.tmp
mv outbox/.reply.tmp outbox/reply.md
`;
}

const ATTACKS = [
  'write config',
  'read config',
  'overwrite secret',
  'read secret',
  'delete secret',
  'list workspace',
  'read workspace',
  'write workspace',
];

describe.skipIf(skipJail)('the token-overwrite story', () => {
  it("a jailed handler cannot touch the config, another agent's secret or workspace; the attempts are logged; its reply is delivered; only its own secret reaches it", async () => {
    const o = org(['boss', 'evil', 'victim']);
    const root = fs.realpathSync(o.root);
    // The script sits in the test's temp dir, which holds the org too: granted read-only, it shows
    // the script, and the org inside it stays hidden (the jail lays an empty tmpfs over the org root).
    const script = tmpFile(o, 'attack.sh', attackScript(root));
    fs.writeFileSync(
      o.p('mailroom.yaml'),
      `agents:\n  boss: {}\n  evil: { command: "sh ${script}", secrets: [MY_TOKEN], read_only_paths: [${o.tmp}] }\n  victim: { secrets: [OTHER_TOKEN] }\ngroups: {}\n`,
    );
    expect(secretSet(o, 'MY_TOKEN', MY_VALUE).code).toBe(0);
    expect(secretSet(o, 'OTHER_TOKEN', OTHER_VALUE).code).toBe(0);
    fs.writeFileSync(o.p('workspaces', 'victim', 'notes.txt'), 'victim-private-notes\n');
    await o.start();
    const config = o.read('mailroom.yaml');
    const history = versions(o).length;
    const changedBefore = eventsOf(o, 'config.changed').length;

    o.drop('boss', 'go.md', message({ to: 'evil', subject: 'go' }));
    const run = await waitFor(
      () =>
        o.events().find((e) => (e.type === 'handler.succeeded' || e.type === 'handler.failed') && e.agent === 'evil'),
      'the evil handler run',
    );
    expect(run.type, JSON.stringify(run)).toBe('handler.succeeded');

    // Every attempt failed, and the failure is in the log: the handler's stderr is in its event.
    const lines = String(run.stderr).split('\n');
    for (const what of ATTACKS)
      expect(
        lines.some((l) => l.startsWith(`BLOCKED ${what}:`)),
        `${what} in:\n${run.stderr}`,
      ).toBe(true);
    expect(run.stderr).not.toContain('ESCAPED');
    // Its /tmp is a fresh tmpfs: the write lands there, never in the host's /tmp.
    expect(run.stderr).toContain('PRIVATE tmp');
    expect(fs.existsSync(`/tmp/mailroom-escaped-${path.basename(root)}`)).toBe(false);
    expect(run.stderr).not.toContain(OTHER_VALUE);
    expect(run.stderr).not.toContain('victim-private-notes');
    // The reason is the jail: the org is not there (hidden) or read-only, never "permission denied" luck.
    expect(run.stderr).toMatch(/BLOCKED write config: .*(Read-only file system|No such file)/);
    expect(run.stderr).toMatch(/BLOCKED read secret: .*No such file/);

    // Nothing changed: config, secrets, the victim's workspace, the config history.
    expect(o.read('mailroom.yaml')).toBe(config);
    expect(o.read('.mailroom', 'secrets', 'OTHER_TOKEN')).toBe(OTHER_VALUE);
    expect(o.read('.mailroom', 'secrets', 'MY_TOKEN')).toBe(MY_VALUE);
    expect(o.read('workspaces', 'victim', 'notes.txt')).toBe('victim-private-notes\n');
    expect(o.ls('workspaces', 'victim', 'inbox')).toEqual([]);
    expect(versions(o)).toHaveLength(history);

    // Its normal reply went out, from evil.
    const reply = await waitFor(() => inboxFile(o, 'boss', 'normal-reply'), "the reply in boss's inbox");
    expect(o.read('workspaces', 'boss', 'inbox', reply)).toMatch(/^from: evil$/m);

    // The granted secret arrived as an environment variable; the other agent's did not.
    expect(o.read('workspaces', 'evil', 'seen-env.txt')).toBe(`MY_TOKEN=${MY_VALUE}\nOTHER_TOKEN=unset\n`);
    const env = o.read('workspaces', 'evil', 'env-dump.txt');
    expect(env).toContain(`MY_TOKEN=${MY_VALUE}`);
    expect(env).not.toContain(OTHER_VALUE);
    expect(env).not.toMatch(/^MAILROOM_ROOT=/m);

    // Secret values are never written to the log, the config, its history or the daemon's stderr.
    await stopAndCheck(o);
    expect(eventsOf(o, 'config.changed')).toHaveLength(changedBefore);
    expect(eventsOf(o, 'config.refused')).toHaveLength(0);
    for (const f of [
      ...allFiles(o.p('bus')),
      ...allFiles(o.p('.mailroom', 'config-history')),
      { file: 'mailroom.yaml', text: o.read('mailroom.yaml') },
    ]) {
      expect(f.text.includes(MY_VALUE) || f.text.includes(OTHER_VALUE), `a secret value in ${f.file}`).toBe(false);
    }
    expect(o.stderr).not.toContain(MY_VALUE);
    expect(o.stderr).not.toContain(OTHER_VALUE);
  });
});

async function stopAndCheck(o: Org): Promise<void> {
  expect(await o.stop()).toBe(0);
}

describe.skipIf(skipJail)('sandbox: none', () => {
  it('is said loudly by the daemon, `status` and `doctor`, and really runs unjailed (a jailed neighbour cannot see the org)', async () => {
    const o = org(['boss', 'free', 'boxed']);
    const root = fs.realpathSync(o.root);
    const probe = tmpFile(
      o,
      'probe.sh',
      `if cat '${root}/mailroom.yaml' >/dev/null 2>&1; then echo visible > probe.txt; else echo hidden > probe.txt; fi\n`,
    );
    fs.writeFileSync(
      o.p('mailroom.yaml'),
      `agents:\n  boss: {}\n  free: { command: "sh ${probe}", sandbox: none }\n  boxed: { command: "sh ${probe}", read_only_paths: [${o.tmp}] }\ngroups: {}\n`,
    );
    await o.start();
    expect(o.stderr).toContain("mailroom: warning: agent free's handler runs UNJAILED (sandbox: none)");
    expect(o.stderr).not.toMatch(/agent boxed's handler runs UNJAILED/);

    const text = status(o);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')).toContain('UNJAILED HANDLERS: free (UNJAILED (sandbox: none))');
    expect(statusJson(o).handlers).toEqual([
      { agent: 'free', jailed: false, note: 'UNJAILED (sandbox: none)' },
      { agent: 'boxed', jailed: true, note: 'jailed (bwrap)' },
    ]);

    const doctor = mailroom(['doctor', '--root', o.root]);
    expect(doctor.stdout.split('\n')).toContain("ok      sandbox: agent free's handler runs UNJAILED (sandbox: none)");
    expect(doctor.stdout).not.toMatch(/boxed's handler runs UNJAILED/);
    const findings = JSON.parse(mailroom(['doctor', '--root', o.root, '--json']).stdout).findings as Array<{
      ok: boolean;
      check: string;
      detail: string;
    }>;
    expect(findings.filter((f) => f.check === 'sandbox')).toEqual([
      { ok: true, check: 'sandbox', detail: "agent free's handler runs UNJAILED (sandbox: none)" },
    ]);

    // What the words mean: the unjailed handler sees the org, the jailed one does not.
    o.drop('boss', 'one.md', message({ to: 'free', subject: 'probe one' }));
    o.drop('boss', 'two.md', message({ to: 'boxed', subject: 'probe two' }));
    await waitEvent(o, 'handler.succeeded', (e) => e.agent === 'free', "free's run");
    await waitEvent(o, 'handler.succeeded', (e) => e.agent === 'boxed', "boxed's run");
    expect(o.read('workspaces', 'free', 'probe.txt')).toBe('visible\n');
    expect(o.read('workspaces', 'boxed', 'probe.txt')).toBe('hidden\n');
  });

  it('org-wide sandbox: none makes every handler unjailed unless an agent says sandbox: bwrap', () => {
    const o = org(
      ['x', 'y', 'z'],
      'sandbox: none\nagents:\n  x: { command: "true" }\n  y: { command: "true", sandbox: bwrap }\n  z: {}\n',
    );
    expect(statusJson(o).handlers).toEqual([
      { agent: 'x', jailed: false, note: 'UNJAILED (sandbox: none)' },
      { agent: 'y', jailed: true, note: 'jailed (bwrap)' },
    ]);
    expect(status(o).stdout).toContain('UNJAILED HANDLERS: x (UNJAILED (sandbox: none))');
    expect(mailroom(['doctor', '--root', o.root]).stdout).toContain("agent x's handler runs UNJAILED (sandbox: none)");
  });
});

/**
 * An unjailed handler (sandbox: none) can replace a directory of its own workspace by a symbolic
 * link whose target is a path of the org. The daemon must then never read or move through that
 * link. (A jailed handler cannot swap its mailboxes at all: they are mount points in its jail;
 * test/int/safety/jail-hostile.int.spec.ts performs that attack.)
 */
describe('an unjailed handler that swaps its own mailbox, BRIEF.md or done/ for a symlink into the org', () => {
  /**
   * Run a jailed handler that swaps its `box` for a link to `target`, then let two scans pass
   * (each marker is taken by a scan that began after the previous one was delivered). Returns
   * early when `damaged` says the org is already hurt, so the assertion that fails names the damage.
   */
  async function swap(
    box: 'outbox' | 'inbox',
    target: (root: string) => string,
    damaged: (o: Org) => boolean,
  ): Promise<{ o: Org; markers: number }> {
    const o = org(['boss', 'evil', 'victim']);
    const root = fs.realpathSync(o.root);
    const script = tmpFile(
      o,
      'swap.sh',
      `rm -rf ${box} && ln -s '${target(root)}' ${box} && echo "swapped ${box}" >&2\n`,
    );
    // watch: false: everything is found by scans, so a delivered marker proves a scan ran after the swap.
    fs.writeFileSync(
      o.p('mailroom.yaml'),
      `agents:\n  boss: {}\n  evil: { command: "sh ${script}", sandbox: none }\n  victim: { secrets: [OTHER_TOKEN] }\ngroups: {}\nwatch: false\nscan_interval: 200ms\n`,
    );
    expect(secretSet(o, 'OTHER_TOKEN', OTHER_VALUE).code).toBe(0);
    await o.start();
    o.drop('boss', 'go.md', message({ to: 'evil', subject: 'go' }));
    const run = await waitEvent(o, 'handler.succeeded', (e) => e.agent === 'evil', 'the swap');
    expect(run.stderr).toBe(`swapped ${box}`);
    expect(fs.lstatSync(o.p('workspaces', 'evil', box)).isSymbolicLink()).toBe(true);
    let markers = 0;
    for (const n of [1, 2]) {
      if (damaged(o)) break;
      try {
        o.drop('boss', `marker-${n}.md`, message({ to: 'victim', subject: `marker ${n}` }));
      } catch {
        break; // boss's outbox is gone: damaged
      }
      await waitFor(() => inboxFile(o, 'victim', `marker-${n}`) || damaged(o), `marker ${n} (or the damage)`, 10_000);
      if (inboxFile(o, 'victim', `marker-${n}`)) markers++;
    }
    return { o, markers };
  }

  // Regression: the daemon's scan listed workspaces/evil/outbox through the link and took every
  // entry, so .mailroom/secrets/OTHER_TOKEN ended up in bus/deadletter/: a jailed agent erased
  // another's token. Mailbox folders that are links are now never listed, taken from or written to.
  it('outbox -> .mailroom/secrets: no secret leaves the secrets folder', async () => {
    const { o, markers } = await swap(
      'outbox',
      (root) => `${root}/.mailroom/secrets`,
      (x) => !fs.existsSync(x.p('.mailroom', 'secrets', 'OTHER_TOKEN')),
    );
    expect(o.ls('bus', 'deadletter').filter((n) => n.includes('OTHER_TOKEN'))).toEqual([]);
    expect(o.ls('.mailroom', 'secrets')).toEqual(['OTHER_TOKEN']);
    expect(o.read('.mailroom', 'secrets', 'OTHER_TOKEN')).toBe(OTHER_VALUE);
    expect(markers).toBe(2);
  });

  // Regression (same cause, through the inbox scan): entries of the linked "inbox" were taken as
  // a person's drops, so mailroom.yaml and the whole workspaces/ tree went to bus/deadletter/.
  it('inbox -> the org root: mailroom.yaml and workspaces/ stay where they are', async () => {
    const gone = (x: Org) => !fs.existsSync(x.p('mailroom.yaml')) || !fs.existsSync(x.p('workspaces', 'victim'));
    const { o, markers } = await swap('inbox', (root) => root, gone);
    expect(o.ls('bus', 'deadletter').filter((n) => /-(mailroom\.yaml|workspaces|board)$/.test(n))).toEqual([]);
    expect(fs.existsSync(o.p('mailroom.yaml'))).toBe(true);
    expect(fs.existsSync(o.p('workspaces', 'victim', 'inbox'))).toBe(true);
    expect(markers).toBe(2);
  });

  it('links planted in its own workspace (BRIEF.md, done/) never make the daemon write or move into the org', async () => {
    const o = makeOrg(['x']);
    const root = fs.realpathSync(o.root);
    const script = [
      '[ -e planted ] && exit 0',
      `rm -f BRIEF.md && ln -s ${root}/.mailroom/secrets/OTHER_TOKEN BRIEF.md`,
      `rm -rf done && ln -s ${root}/board done`,
      'touch planted',
    ].join('\n');
    fs.writeFileSync(
      o.p('mailroom.yaml'),
      `agents:\n  evil: { command: "sh ./plant.sh", sandbox: none }\n  victim: { secrets: [OTHER_TOKEN] }\n  boss: {}\n`,
    );
    expect(secretSet(o, 'OTHER_TOKEN', 'victims-token').code).toBe(0);
    await o.start();
    fs.writeFileSync(o.p('workspaces', 'evil', 'plant.sh'), script);
    o.drop('boss', 'first.md', message({ to: 'evil', subject: 'plant' }));
    await waitFor(
      () => o.events().some((e) => e.type === 'handler.succeeded' && e.agent === 'evil'),
      'the planting run',
    );
    expect(fs.lstatSync(o.p('workspaces', 'evil', 'BRIEF.md')).isSymbolicLink()).toBe(true);
    // A task for evil changes its brief: the daemon renders BRIEF.md again.
    o.drop('boss', 'task.md', message({ to: 'evil', kind: 'task', subject: 'a task' }));
    await waitFor(
      () => fs.lstatSync(o.p('workspaces', 'evil', 'BRIEF.md')).isFile(),
      'BRIEF.md replaced by a real file',
    );
    expect(o.read('workspaces', 'evil', 'BRIEF.md')).toContain('a task');
    expect(o.read('.mailroom', 'secrets', 'OTHER_TOKEN')).toBe('victims-token');
    // done/ is a link: nothing is moved through it (the handled message stays in the inbox), and the log says why.
    await waitFor(
      () => /not moving .*-plant\.md to done\/: .*evil\/done is a symbolic link/.test(o.stderr),
      'the warning about done/',
    );
    expect(o.ls('board').filter((n) => n.endsWith('.md') && n !== 'BOARD.md')).toEqual([]);
    expect(o.ls('workspaces', 'evil', 'inbox').some((n) => n.endsWith('-plant.md'))).toBe(true);
  });
});
