/**
 * Blast radius, permissions and secrets: workspaces 0700 (after init, put right by start, for
 * agents added while running), what the daemon writes is private, and secrets are set from
 * stdin only, stored 0600 in a 0700 folder, listed by name and holder, never shown.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { message, mode, octal, org } from '../../support/org.js';
import { doctor, mailroom, secretSet } from '../../support/cli.js';
import { waitEvent, waitFor } from '../../support/events.js';
import { inboxFile } from '../../support/mail.js';

describe('workspaces are private', () => {
  it('are 0700 after init, a loosened one is reported by doctor and put right by start, and new agents get 0700 too', async () => {
    const o = org(['maya', 'legal']);
    for (const a of ['maya', 'legal', 'operator']) {
      expect(octal(mode(o.p('workspaces', a))), `workspaces/${a} after init`).toBe('0700');
      for (const box of ['inbox', 'outbox', 'done', 'sent'])
        expect(mode(o.p('workspaces', a, box)) & 0o077, `workspaces/${a}/${box}`).toBe(0);
    }
    expect(octal(mode(o.p('.mailroom')))).toBe('0700');

    fs.chmodSync(o.p('workspaces', 'legal'), 0o755);
    fs.chmodSync(o.p('.mailroom'), 0o755);
    const before = doctor(o);
    expect(before.code).toBe(1);
    expect(before.problems).toContainEqual({
      ok: false,
      check: 'permissions',
      detail: 'workspaces/legal is 755, readable by others; `chmod 700 workspaces/legal` (the daemon does it at start)',
    });

    await o.start();
    expect(octal(mode(o.p('workspaces', 'legal')))).toBe('0700');
    expect(octal(mode(o.p('.mailroom')))).toBe('0700');
    expect(doctor(o).problems.filter((p) => p.check === 'permissions')).toEqual([]);

    // The daemon runs with umask 077: what it writes into workspaces is the agents' alone.
    o.drop('maya', 'hi.md', message({ to: 'legal', subject: 'private mail' }));
    const copy = await waitFor(() => inboxFile(o, 'legal', 'private-mail'), 'delivery');
    expect(mode(o.p('workspaces', 'legal', 'inbox', copy)) & 0o077).toBe(0);
    const sent = await waitFor(() => o.ls('workspaces', 'maya', 'sent')[0], 'the sent copy');
    expect(mode(o.p('workspaces', 'maya', 'sent', sent)) & 0o077).toBe(0);

    // An agent added by a hand edit while the daemon runs gets a private workspace at once.
    fs.writeFileSync(o.p('mailroom.yaml'), o.read('mailroom.yaml').replace('legal: {}', 'legal: {}\n  newbie: {}'));
    await waitEvent(o, 'config.changed', (e) => /adds agents newbie/.test(e.summary), 'the hand edit adding newbie');
    await waitFor(() => fs.existsSync(o.p('workspaces', 'newbie', 'inbox')), "newbie's workspace");
    expect(octal(mode(o.p('workspaces', 'newbie')))).toBe('0700');
    for (const box of ['inbox', 'outbox', 'done', 'sent'])
      expect(mode(o.p('workspaces', 'newbie', box)) & 0o077, box).toBe(0);
  });
});

describe('secrets', () => {
  const VALUE = 'tok-Zq8-never-show-me-5521';

  it('are read from stdin into a 0600 file in a 0700 folder; the value is never echoed', () => {
    const o = org(['cfo', 'legal']);
    const set = secretSet(o, 'API_TOKEN', `${VALUE}\n`);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe(`stored API_TOKEN (${VALUE.length} characters) in .mailroom/secrets/API_TOKEN\n`);
    expect(set.stdout + set.stderr).not.toContain(VALUE);
    const file = o.p('.mailroom', 'secrets', 'API_TOKEN');
    expect(fs.readFileSync(file, 'utf8')).toBe(VALUE); // the trailing newline of `echo` is not part of it
    expect(octal(mode(file))).toBe('0600');
    expect(octal(mode(o.p('.mailroom', 'secrets')))).toBe('0700');
    expect(octal(mode(o.p('.mailroom')))).toBe('0700');
    expect(o.read('mailroom.yaml')).not.toContain(VALUE);

    // Setting it again replaces the value and keeps the mode (no temp file is left behind).
    expect(secretSet(o, 'API_TOKEN', 'second-value').code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe('second-value');
    expect(octal(mode(file))).toBe('0600');
    expect(fs.readdirSync(o.p('.mailroom', 'secrets'))).toEqual(['API_TOKEN']);
  });

  it('never from the command line; an empty value or a bad name is refused and nothing is stored', () => {
    const o = org(['cfo']);
    const argv = mailroom(['secret', 'set', 'API_TOKEN', VALUE, '--root', o.root], { input: 'from-stdin' });
    expect(argv.code).toBe(2);
    expect(argv.stderr).toContain('never put a secret on the command line');
    expect(argv.stdout + argv.stderr).not.toContain(VALUE);
    const empty = secretSet(o, 'API_TOKEN', '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('no value on standard input for API_TOKEN; nothing was stored');
    const badName = secretSet(o, 'api_token', VALUE);
    expect(badName.code).toBe(2);
    expect(badName.stdout + badName.stderr).not.toContain(VALUE);
    expect(fs.existsSync(o.p('.mailroom', 'secrets')) ? fs.readdirSync(o.p('.mailroom', 'secrets')) : []).toEqual([]);
  });

  it('list shows names, whether stored, and who holds them, never values; rm removes one', () => {
    const o = org(['cfo', 'legal', 'maya']);
    fs.writeFileSync(
      o.p('mailroom.yaml'),
      'agents:\n  cfo: { command: "true", secrets: [API_TOKEN, BANK_PASSWORD] }\n  legal: { command: "true", secrets: [API_TOKEN] }\n  maya: {}\ngroups: {}\n',
    );
    expect(secretSet(o, 'API_TOKEN', VALUE).code).toBe(0);
    expect(secretSet(o, 'SPARE_KEY', 'spare-value-777').code).toBe(0);

    const list = mailroom(['secret', 'list', '--root', o.root]);
    expect(list.code).toBe(0);
    const rows = list.stdout.trimEnd().split('\n');
    expect(rows).toEqual([
      `${'API_TOKEN'.padEnd(28)} stored   held by: cfo, legal`,
      `${'BANK_PASSWORD'.padEnd(28)} MISSING  held by: cfo`,
      `${'SPARE_KEY'.padEnd(28)} stored   held by: (nobody)`,
    ]);
    const json = mailroom(['secret', 'list', '--root', o.root, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      secrets: [
        { name: 'API_TOKEN', stored: true, held_by: ['cfo', 'legal'] },
        { name: 'BANK_PASSWORD', stored: false, held_by: ['cfo'] },
        { name: 'SPARE_KEY', stored: true, held_by: [] },
      ],
    });
    for (const out of [list.stdout, list.stderr, json.stdout, json.stderr]) {
      expect(out).not.toContain(VALUE);
      expect(out).not.toContain('spare-value-777');
    }
    // doctor says a granted secret is missing (and how to set it), without values.
    const d = mailroom(['doctor', '--root', o.root]);
    expect(d.stdout).toContain(
      `agent cfo is granted BANK_PASSWORD, not set: \`mailroom secret set BANK_PASSWORD --root ${o.root} < file\``,
    );
    expect(d.stdout).not.toContain(VALUE);

    const rm = mailroom(['secret', 'rm', 'SPARE_KEY', '--root', o.root]);
    expect(rm.code).toBe(0);
    expect(fs.existsSync(o.p('.mailroom', 'secrets', 'SPARE_KEY'))).toBe(false);
    expect(mailroom(['secret', 'list', '--root', o.root]).stdout).not.toContain('SPARE_KEY');
    expect(mailroom(['secret', 'rm', 'SPARE_KEY', '--root', o.root]).code).toBe(1);
  });

  it('an env: grant that looks like a secret is refused at start-up with the secret set command', () => {
    const o = org(['cfo'], 'agents:\n  cfo: { command: "true", env: { OPENAI_API_KEY: sk-in-the-yaml } }\n');
    const r = mailroom(['start', '--root', o.root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'agents.cfo.env.OPENAI_API_KEY: looks like a secret, and secrets never go in mailroom.yaml; store it with `mailroom secret set OPENAI_API_KEY`',
    );
  });
});
