/**
 * Names that JavaScript objects already have (`constructor`, `__proto__`, `toString`) are
 * unknown names like any other: a message to one is rejected, kept and bounced, and the daemon
 * goes on; the CLI and the config refuse them. Secret names are never paths. Grants that run
 * code (LD_PRELOAD, ...) and read-only paths into the org stop start-up with the reason.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, message, type Org } from '../../support/org.js';

const orgs: Org[] = [];
afterEach(async () => {
  for (const o of orgs.splice(0)) await o.cleanup();
});
function org(extra = ''): Org {
  const o = makeOrg(['maya', 'legal'], extra);
  orgs.push(o);
  return o;
}

describe('built-in names in to:', () => {
  it('a message to constructor, __proto__ or toString is rejected and bounced; the next message is delivered', async () => {
    const o = org('scan_interval: 300ms\n');
    await o.start();
    const names = ['constructor', '__proto__', 'toString'];
    for (const n of names) o.drop('maya', `to-${n.replace(/_/g, 'u')}.md`, message({ to: n, subject: `to ${n}` }));
    for (const n of names) {
      const origin = `to-${n.replace(/_/g, 'u')}.md`;
      const e = await waitFor(
        () => o.events().find((x) => x.type === 'message.rejected' && x.origin === origin),
        `the rejection of ${origin}`,
      );
      expect(e.reason).toBe(
        `to: ${JSON.stringify(n)} is not an agent or group of this org, so the whole message was rejected`,
      );
      await waitFor(
        () => o.ls('workspaces', 'maya', 'inbox').find((f) => f.includes(e.bounce)),
        `the bounce of ${origin}`,
      );
    }
    expect(o.ls('bus', 'spool')).toEqual([]);
    o.drop('maya', 'after.md', message({ to: 'legal', subject: 'after' }));
    await waitFor(
      () => o.ls('workspaces', 'legal', 'inbox').find((f) => f.endsWith('-after.md')),
      'the next message delivered',
    );
    expect(o.daemon?.exitCode, o.stderr).toBeNull();
  });

  it('send --to constructor is a usage error naming the agents', () => {
    const r = mailroom(['send', '--root', org().root, '--to', 'constructor', '--body', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('to: "constructor" is not an agent or group of this org');
  });
});

describe('secret names are never paths', () => {
  it('secret rm refuses a path or a bad name and removes nothing', () => {
    const o = org();
    const config = o.read('mailroom.yaml');
    for (const bad of ['../../mailroom.yaml', 'lower']) {
      const r = mailroom(['secret', 'rm', bad, '--root', o.root]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`secret name ${JSON.stringify(bad)}: use capital letters, digits and _`);
    }
    expect(o.read('mailroom.yaml')).toBe(config);
  });
});

describe('start-up refuses grants and paths that would open the jail', () => {
  it('LD_PRELOAD in env:, BASH_ENV as a secret, a read-only path into the org, an agent named constructor', () => {
    const o = org();
    const cases: Array<[string, RegExp]> = [
      [
        'agents:\n  maya: { command: "true", env: { LD_PRELOAD: /tmp/x.so } }\n',
        /agents\.maya\.env\.LD_PRELOAD: LD_PRELOAD runs code before or around a program .* so mailroom never grants it/,
      ],
      [
        'agents:\n  maya: { command: "true", secrets: [BASH_ENV] }\n',
        /agents\.maya\.secrets: BASH_ENV runs code before or around a program/,
      ],
      [
        `agents:\n  maya: { command: "true", read_only_paths: [${o.root}/.mailroom] }\n`,
        /agents\.maya\.read_only_paths: ".*\/\.mailroom" is inside the org/,
      ],
      [
        'agents:\n  constructor: {}\n',
        /agents\.constructor: "constructor" is a name every JavaScript object already has/,
      ],
    ];
    for (const [config, re] of cases) {
      fs.writeFileSync(o.p('mailroom.yaml'), config);
      const r = mailroom(['start', '--root', o.root]);
      expect(r.code, config).toBe(1);
      expect(r.stderr).toMatch(re);
    }
  });
});
