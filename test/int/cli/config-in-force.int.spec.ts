/**
 * `config set|apply|rollback` return when the change is in force (issue 11, item 5): a `send`
 * right after `config set groups.x ...` is routed by the new group, never bounced. With no
 * daemon running the command says so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, type Org } from '../../support/org.js';
import { stopClean } from '../../support/daemon.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
  org = undefined;
});

describe('config changes are in force when the command returns', () => {
  it('config set groups.x, then at once send --to x: 20 times, never bounced', async () => {
    const o = (org = makeOrg(['maya', 'oliver', 'legal']));
    await o.start();
    for (let i = 1; i <= 20; i++) {
      const set = mailroom(['config', 'set', `groups.g${i}`, '[oliver, legal]', '--root', o.root]);
      expect(set.code, set.stderr).toBe(0);
      expect(set.stderr).toMatch(/in force: the running daemon \(pid \d+\) applied version \d+/);
      // `mailroom send` (which checks against the file) on odd rounds, a plain drop on even ones:
      // either way only the daemon's own config decides, and it must already be the new one.
      if (i % 2) {
        const send = mailroom([
          'send',
          '--root',
          o.root,
          '--from',
          'maya',
          '--to',
          `g${i}`,
          '--subject',
          `round ${i}`,
          '--body',
          'hi',
        ]);
        expect(send.code, send.stderr).toBe(0);
      } else {
        o.drop('maya', `to-g${i}.md`, `---\nto: g${i}\nsubject: round ${i}\n---\nhi\n`);
      }
    }
    await waitFor(
      () =>
        o.events().filter((e) => e.type === 'message.accepted' && e.from === 'maya').length +
          o.events().filter((e) => e.type === 'message.rejected').length >=
        20,
      '20 decisions',
    );
    expect(
      o
        .events()
        .filter((e) => e.type === 'message.rejected')
        .map((e) => e.reason),
    ).toEqual([]);
    const accepted = o.events().filter((e) => e.type === 'message.accepted' && e.from === 'maya');
    expect(accepted).toHaveLength(20);
    for (const e of accepted) expect(e.to).toEqual(['legal', 'oliver']);
    // rollback waits too
    const back = mailroom(['config', 'rollback', '1', '--yes', '--root', o.root]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stderr).toMatch(/in force: the running daemon/);
    expect(await stopClean(o)).toBe(0);
  });

  it('with no daemon running, says the change takes effect at the next start', () => {
    const o = (org = makeOrg(['maya', 'legal']));
    const r = mailroom(['config', 'set', 'groups.leads', '[maya, legal]', '--root', o.root]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`no daemon is running on ${o.root}: version`);
    expect(r.stderr).toContain(`mailroom start --root ${o.root}`);
    const p = path.join(o.tmp, 'patch.yaml');
    fs.writeFileSync(p, 'groups:\n  pair: [maya, legal]\n');
    const apply = mailroom(['config', 'apply', p, '--root', o.root]);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stderr).toContain('no daemon is running');
    expect(apply.stdout).toMatch(/^version \d+: /);
  });
});
