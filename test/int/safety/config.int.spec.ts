/**
 * A config that cannot be destroyed by one call (issue: blast radius, items 4-7): versioned
 * history, merge-by-key edits that keep comments, destructive changes refused without --yes,
 * rollback, and hand edits taken or refused live.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { makeOrg, message, type Org } from '../../support/org.js';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';

let org: Org;

const THIRTY = Array.from({ length: 30 }, (_, i) => `a${String(i + 1).padStart(2, '0')}`);
const agentsOf = (o: Org) => Object.keys(YAML.parse(o.read('mailroom.yaml')).agents ?? {});
const cfg = (o: Org, ...args: string[]) => mailroom(['config', ...args, '--root', o.root]);

function patch(o: Org, text: string): string {
  const f = path.join(o.tmp, `patch-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(f, text);
  return f;
}

describe('the array-replacement story', () => {
  it('an apply that would leave 1 of 30 agents is refused; with --yes it applies; rollback restores all 30', async () => {
    org = makeOrg(THIRTY);
    await org.start();
    const before = org.read('mailroom.yaml');
    const one = patch(org, 'agents:\n  a01: {}\n');

    const refused = cfg(org, 'apply', one, '--replace');
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(/removes 29 of 30 agents: a02, a03, a04/);
    expect(refused.stdout + refused.stderr).toMatch(/--yes/);
    expect(org.read('mailroom.yaml')).toBe(before);

    const forced = cfg(org, 'apply', one, '--replace', '--yes');
    expect(forced.code, forced.stderr).toBe(0);
    expect(agentsOf(org)).toEqual(['a01']);
    const changed = await waitFor(() => org.events().filter((e) => e.type === 'config.changed').at(-1)?.summary.includes('removes 29 of 30 agents') && org.events().filter((e) => e.type === 'config.changed').at(-1), 'config.changed for the replacement');
    expect(changed.version).toBe(2);

    const history = JSON.parse(cfg(org, 'history', '--json').stdout).versions;
    expect(history.map((h: any) => h.version)).toEqual([1, 2]);
    expect(history[1].summary).toMatch(/removes 29 of 30 agents/);
    expect(history[1].author).toMatch(/^cli:/);
    expect(org.ls('workspaces', 'operator', 'inbox').filter((n) => n.includes('hand-edit'))).toEqual([]); // a cli change is not a hand edit
    expect(org.stderr).not.toMatch(/edited by hand/);
    expect(cfg(org, 'show', '1').stdout).toBe(before);
    expect(cfg(org, 'diff', '1', '2').stdout).toMatch(/a30/);

    const back = cfg(org, 'rollback', '1');
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(agentsOf(org)).toEqual(THIRTY);
    await waitFor(() => org.events().filter((e) => e.type === 'config.changed').at(-1)?.version === 3, 'config.changed for the rollback');
    expect(JSON.parse(cfg(org, 'history', '--json').stdout).versions).toHaveLength(3);
  });

  it('a patch that names one agent changes only that agent, and comments and key order survive', () => {
    org = makeOrg(THIRTY);
    const before = org.read('mailroom.yaml');
    const comments = before.split('\n').filter((l) => l.startsWith('#'));
    expect(comments.length).toBeGreaterThan(0);
    const r = cfg(org, 'apply', patch(org, 'agents:\n  a05: { description: "the fifth" }\n'));
    expect(r.code, r.stderr).toBe(0);
    expect(agentsOf(org)).toEqual(THIRTY);
    expect(YAML.parse(org.read('mailroom.yaml')).agents.a05).toEqual({ description: 'the fifth' });
    const set = cfg(org, 'set', 'stuck_after.high', '10m');
    expect(set.code, set.stderr).toBe(0);
    const after = org.read('mailroom.yaml');
    for (const c of comments) expect(after).toContain(c);
    const order = (t: string) => Object.keys(YAML.parse(t));
    expect(order(after)).toEqual(order(before));
    expect(YAML.parse(after).stuck_after.high).toBe('10m');
  });

  it('set refuses a removal without --yes, and refuses an invalid result outright', () => {
    org = makeOrg(['cfo', 'legal']);
    const before = org.read('mailroom.yaml');
    const rm = cfg(org, 'set', 'agents.legal', 'null');
    expect(rm.code).toBe(1);
    expect(rm.stdout + rm.stderr).toMatch(/removes 1 of 2 agents: legal/);
    expect(org.read('mailroom.yaml')).toBe(before);
    const bad = cfg(org, 'set', 'stuck_after.urgent', '5m', '--yes');
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/unknown priority "urgent"/);
    expect(org.read('mailroom.yaml')).toBe(before);
    expect(cfg(org, 'set', 'agents.legal', 'null', '--yes').code).toBe(0);
    expect(agentsOf(org)).toEqual(['cfo']);
  });
});

describe('hand edits while the daemon runs', () => {
  it('an invalid edit changes nothing and is explained on stderr, in status and to the operator; the next valid one is taken', async () => {
    org = makeOrg(['maya', 'legal']);
    await org.start();
    const good = org.read('mailroom.yaml');
    const invalid: Array<[string, string, RegExp]> = [
      ['bad YAML', `${good}\nagents: [oops\n`, /not valid YAML|YAML/],
      ['an unknown key', `${good}\nagentz: {}\n`, /unknown key "agentz"/],
      ['a non-canonical priority', good.replace('high: 30m', 'urgent: 30m'), /unknown priority "urgent"/],
      ['a lane that does not exist', good.replace('legal: {}', 'legal: { command: "true", lane: nowhere }'), /"nowhere" is not a lane/],
      ['an empty file (an editor mid-save)', '', /the file is empty/],
    ];
    for (const [what, text, why] of invalid) {
      const refusals = org.events().filter((e) => e.type === 'config.refused').length;
      fs.writeFileSync(org.p('mailroom.yaml'), text);
      const e = await waitFor(() => org.events().filter((x) => x.type === 'config.refused')[refusals], `the refusal of ${what}`);
      expect(e.problems.join('\n'), what).toMatch(why);
      expect(e.running).toBe(1);
      expect(org.stderr).toMatch(why);
      const status = mailroom(['status', '--root', org.root]);
      expect(status.stdout, what).toMatch(/REFUSED|refused|invalid/i);
      // Still delivering with the last good config.
      org.drop('maya', `still-${refusals}.md`, message({ to: 'legal', subject: `still works ${refusals}` }));
      await waitFor(() => org.ls('workspaces', 'legal', 'inbox').some((n) => n.endsWith(`-still-works-${refusals}.md`)), `delivery after ${what}`);
    }
    const alerts = await waitFor(() => {
      const a = org.ls('workspaces', 'operator', 'inbox').filter((n) => /edit-refused/.test(n));
      return a.length ? a : null;
    }, 'an alert about the refused edit in the operator inbox');
    expect(alerts).toHaveLength(invalid.length); // one per refused edit
    expect(org.read('workspaces', 'operator', 'inbox', alerts[0]!)).toMatch(/not valid, so the daemon did not apply it and keeps running on version 1/);
    expect(org.daemon?.exitCode).toBeNull();

    // A deleted file changes nothing either: the daemon says so and runs on.
    fs.unlinkSync(org.p('mailroom.yaml'));
    await waitFor(() => /mailroom\.yaml cannot be read \(ENOENT\); still running version 1/.test(org.stderr), 'the warning about the missing file');
    org.drop('maya', 'while-missing.md', message({ to: 'legal', subject: 'while missing' }));
    await waitFor(() => org.ls('workspaces', 'legal', 'inbox').some((n) => n.endsWith('-while-missing.md')), 'delivery while the file is missing');
    expect(org.events().filter((e) => e.type === 'config.changed')).toHaveLength(1);

    // The next valid edit is taken: a new agent, versioned as a hand edit.
    fs.writeFileSync(org.p('mailroom.yaml'), good.replace('legal: {}', 'legal: {}\n  newbie: {}'));
    const changed = await waitFor(() => org.events().find((e) => e.type === 'config.changed' && e.version === 2), 'the valid edit');
    expect(changed.author).toBe('hand-edit');
    expect(changed.summary).toMatch(/adds agents newbie/);
    await waitFor(() => fs.existsSync(org.p('workspaces', 'newbie', 'inbox')), 'the new workspace');
    org.drop('maya', 'welcome.md', message({ to: 'newbie', subject: 'welcome' }));
    await waitFor(() => org.ls('workspaces', 'newbie', 'inbox').length === 1, 'delivery to the new agent');
    const history = JSON.parse(cfg(org, 'history', '--json').stdout).versions;
    expect(history.at(-1)).toMatchObject({ version: 2, author: 'hand-edit' });
    expect(mailroom(['status', '--root', org.root]).stdout).not.toMatch(/REFUSED/);
  });
});

describe('a valid hand edit that removes things', () => {
  it('is taken, and said loudly: stderr and an operator alert with the rollback command', async () => {
    org = makeOrg(THIRTY);
    await org.start();
    const text = org.read('mailroom.yaml');
    fs.writeFileSync(org.p('mailroom.yaml'), text.replace(/\n  a(0[2-9]|[12][0-9]|30): \{\}/g, ''));
    const changed = await waitFor(() => org.events().find((e) => e.type === 'config.changed' && e.version === 2), 'the hand edit');
    expect(changed).toMatchObject({ author: 'hand-edit' });
    expect(changed.summary).toMatch(/removes 29 of 30 agents/);
    const alert = await waitFor(() => org.ls('workspaces', 'operator', 'inbox').find((n) => n.includes('hand-edit-removed')), 'the alert');
    const body = org.read('workspaces', 'operator', 'inbox', alert);
    expect(body).toMatch(/removes 29 of 30 agents: a02/);
    expect(body).toContain('mailroom config rollback 1');
    expect(org.stderr).toMatch(/edited by hand and the edit removes 29 of 30 agents/);
    expect(cfg(org, 'rollback', '1').code).toBe(0);
    expect(agentsOf(org)).toEqual(THIRTY);
  });

  it('made while no daemon ran, is said at the next start, and the daemon runs on', async () => {
    org = makeOrg(['maya', 'legal', 'cfo']);
    fs.writeFileSync(org.p('mailroom.yaml'), org.read('mailroom.yaml').replace('\n  cfo: {}', ''));
    await org.start();
    const alert = await waitFor(() => org.ls('workspaces', 'operator', 'inbox').find((n) => n.includes('hand-edit-removed')), 'the alert');
    expect(org.read('workspaces', 'operator', 'inbox', alert)).toMatch(/removes 1 of 3 agents: cfo[\s\S]*mailroom config rollback 1/);
    org.drop('maya', 'after.md', message({ to: 'legal', subject: 'after the edit' }));
    await waitFor(() => org.ls('workspaces', 'legal', 'inbox').length === 1, 'delivery after the start');
    expect(await org.stop()).toBe(0);
  });
});
