/**
 * Blast radius, the config one call cannot destroy: the array-replacement story on a 30-agent
 * org with a running daemon (refused, forced, rolled back), merge-by-key edits that touch one
 * agent, comments and key order that survive, and the history (`history`, `show`, `diff`,
 * `config.changed` events) that explains every change; `set` refusing a removal; and a valid
 * hand edit that removes agents, taken but said loudly (hand edits refused: hand-edit.int.spec.ts).
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { makeOrg, message, org, tmpFile } from '../../support/org.js';
import { agentNames, cfg, cliAuthor, statusJson, versions } from '../../support/cli.js';
import { eventsOf, waitEvent, waitFor } from '../../support/events.js';
import { inboxFile } from '../../support/mail.js';

const THIRTY = Array.from({ length: 30 }, (_, i) => `a${String(i + 1).padStart(2, '0')}`);
const FIRST_12 = THIRTY.slice(1, 13).join(', '); // a02 ... a13: the summary names 12, then "... (17 more)"
const GONE = `removes 29 of 30 agents: ${FIRST_12}, ... (17 more)`; // the one-line summary
const GONE_ALL = `removes 29 of 30 agents: ${THIRTY.slice(1).join(', ')}`; // a refusal names every one

describe('the array-replacement story', () => {
  it('a --replace that would leave 1 of 30 agents is refused and says what would go; --yes applies it; rollback restores all 30; every step is versioned and logged', async () => {
    const o = org(THIRTY);
    const original = o.read('mailroom.yaml');
    await o.start();
    await waitEvent(o, 'config.changed', (e) => e.version === 1, 'config.changed for the first start');
    const one = tmpFile(o, 'one.yaml', 'agents:\n  a01: {}\n');

    // Refused: exit 1, what would go, nothing changed (file, history, events).
    const refused = cfg(o, 'apply', one, '--replace');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      `mailroom: refused: this config apply --replace ${one} ${GONE_ALL}.\nNothing was changed. Run it again with --yes if that is what you mean (every version stays in \`mailroom config history\`).\n`,
    );
    expect(o.read('mailroom.yaml')).toBe(original);
    expect(versions(o).map((v) => v.version)).toEqual([1]);

    // The same file as a merge (the default) cannot remove anyone: agents are a map.
    const merged = cfg(o, 'apply', one);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toBe('no change\n');
    expect(o.read('mailroom.yaml')).toBe(original);

    // With --yes it applies: the file is exactly the replacement, version 2, the daemon takes it.
    const forced = cfg(o, 'apply', one, '--replace', '--yes');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout.split('\n')[0]).toMatch(new RegExp(`^version 2: ${esc(GONE)}; `));
    expect(forced.stdout).toContain('\n  agents.a30: {} -> (none)\n');
    expect(o.read('mailroom.yaml')).toBe('agents:\n  a01: {}\n');
    const v2 = await waitEvent(o, 'config.changed', (e) => e.version === 2, 'config.changed version 2');
    expect(v2.author).toBe(cliAuthor());
    expect(v2.summary).toMatch(new RegExp(`^config apply --replace ${esc(one)}: ${esc(GONE)}`));
    await waitFor(
      () =>
        statusJson(o)
          .agents.map((a: any) => a.name)
          .join() === 'a01,operator',
      'status to show one agent',
    );
    expect(o.stderr).not.toMatch(/edited by hand/); // a cli change is not mistaken for a hand edit
    expect(o.ls('workspaces', 'operator', 'inbox').filter((n) => n.includes('hand-edit'))).toEqual([]); // nor alerted as one

    // history, show, diff.
    const h = versions(o);
    expect(h.map((v) => [v.version, v.author])).toEqual([
      [1, 'init'],
      [2, cliAuthor()],
    ]);
    expect(h[0]!.summary).toBe(`mailroom init --agents ${THIRTY.join(',')}`);
    expect(h[1]!.summary).toBe(v2.summary);
    const text = cfg(o, 'history').stdout.split('\n');
    expect(text[1]).toMatch(
      new RegExp(`^   2  \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  ${esc(cliAuthor().padEnd(14))}  config apply --replace `),
    );
    expect(cfg(o, 'show', '1').stdout).toBe(original);
    expect(cfg(o, 'show', '2').stdout).toBe('agents:\n  a01: {}\n');
    const diff = cfg(o, 'diff', '1', '2');
    expect(diff.code).toBe(0);
    const lines = diff.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^1 -> 2: ${esc(GONE)}`));
    for (const a of THIRTY.slice(1)) expect(lines).toContain(`  agents.${a}: {} -> (none)`);
    expect(lines).not.toContain('  agents.a01: {} -> (none)');
    const none = cfg(o, 'show', '99');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no config version 99');
    expect(cfg(o, 'show', 'two').code).toBe(2);
    expect(cfg(o, 'diff', '1').code).toBe(2);

    // Rollback to version 1: all 30 back, byte for byte (comments too), as a new version 3.
    const back = cfg(o, 'rollback', '1');
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout.split('\n')[0]).toMatch(/^version 3: adds agents a02, a03, .*\(17 more\)/);
    expect(o.read('mailroom.yaml')).toBe(original);
    expect(agentNames(o.read('mailroom.yaml'))).toEqual(THIRTY);
    const v3 = await waitEvent(o, 'config.changed', (e) => e.version === 3, 'config.changed version 3');
    expect(v3.summary).toMatch(/^rollback to version 1: adds agents a02/);
    expect(v3.author).toBe(cliAuthor());
    // The daemon runs on it: the 30th agent gets mail again.
    o.drop('a01', 'back.md', message({ to: 'a30', subject: 'welcome back' }));
    await waitFor(() => inboxFile(o, 'a30', 'welcome-back'), 'delivery to a30 after the rollback');

    // Rolling back to the one-agent version is destructive too: refused without --yes.
    const again = cfg(o, 'rollback', '2');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`refused: this rollback to version 2 ${GONE_ALL}.`);
    expect(o.read('mailroom.yaml')).toBe(original);

    // Every config.changed event carries the version, author and summary of its history entry.
    const hist = new Map(versions(o).map((v) => [v.version, v]));
    const changed = eventsOf(o, 'config.changed');
    expect(changed.map((e) => e.version)).toEqual([1, 2, 3]);
    for (const e of changed)
      expect({ author: e.author, summary: e.summary, sha256: e.sha256 }).toEqual({
        author: hist.get(e.version)!.author,
        summary: hist.get(e.version)!.summary,
        sha256: hist.get(e.version)!.sha256,
      });
    expect(eventsOf(o, 'config.refused')).toEqual([]);
  });
});

/** Thirty agents, with comments everywhere and keys in a deliberate order. */
function commented(): string {
  return [
    '# Org of thirty. Keep this header.',
    'stuck_after:',
    '  # tuned by hand',
    '  critical: 5m',
    '  high: 30m',
    '  normal: 4h',
    '  low: 1d',
    'agents:',
    '  # the lead keeps the bank token',
    '  a01: { description: lead, secrets: [LEAD_TOKEN] }   # inline on a01',
    ...THIRTY.slice(1).map((a) => `  ${a}: {}`),
    '# groups come after agents',
    'groups:',
    '  leads: [a01, a02]  # the leads',
    'lanes:',
    '  shared: { concurrency: 2 }   # one API key',
    '',
  ].join('\n');
}

/** Whitespace-insensitive form (the YAML writer may respace flow collections and inline comments). */
const norm = (t: string) =>
  t
    .replace(/\[\s*/g, '[')
    .replace(/\s*\]/g, ']')
    .replace(/[ \t]+/g, ' ')
    .replace(/ $/gm, '');

describe('merge edits', () => {
  it('an apply that names one agent changes only that agent; set changes one value; comments and key order survive; destructive merges are refused', () => {
    const o = org(THIRTY, commented());
    const before = o.read('mailroom.yaml');
    const keyOrder = (t: string) => [Object.keys(YAML.parse(t)), Object.keys(YAML.parse(t).agents)];

    const patch = tmpFile(o, 'a07.yaml', 'agents:\n  a07: { description: the seventh }\n');
    const r = cfg(o, 'apply', patch);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      'version 3: changes agents.a07.description: (none) -> "the seventh"\n  agents.a07.description: (none) -> "the seventh"\n',
    );
    const after = o.read('mailroom.yaml');
    const was = YAML.parse(before);
    const now = YAML.parse(after);
    expect(Object.keys(now.agents)).toHaveLength(30);
    expect(now.agents.a07).toEqual({ description: 'the seventh' });
    expect({ ...now, agents: { ...now.agents, a07: {} } }).toEqual(was); // nothing else moved
    expect(keyOrder(after)).toEqual(keyOrder(before));
    expect(norm(after)).toBe(norm(before.replace('  a07: {}', '  a07: { description: the seventh }')));

    expect(cfg(o, 'set', 'lanes.shared.concurrency', '3').code).toBe(0);
    expect(cfg(o, 'set', 'stuck_after.high', '10m').code).toBe(0);
    const final = o.read('mailroom.yaml');
    expect(norm(final)).toBe(
      norm(
        before
          .replace('  a07: {}', '  a07: { description: the seventh }')
          .replace('concurrency: 2', 'concurrency: 3')
          .replace('high: 30m', 'high: 10m'),
      ),
    );
    for (const c of [
      '# Org of thirty. Keep this header.',
      '# tuned by hand',
      '# the lead keeps the bank token',
      '# inline on a01',
      '# groups come after agents',
      '# the leads',
      '# one API key',
    ])
      expect(final).toContain(c);
    expect(keyOrder(final)).toEqual(keyOrder(before));

    // Removing an agent, or taking a secret grant away, by a merge: refused without --yes, file untouched.
    const drop = cfg(o, 'apply', tmpFile(o, 'drop.yaml', 'agents:\n  a30: null\n'));
    expect(drop.code).toBe(1);
    expect(drop.stderr).toContain(`refused: this config apply ${o.tmp}/drop.yaml removes 1 of 30 agents: a30.`);
    const grant = cfg(o, 'apply', tmpFile(o, 'grant.yaml', 'agents:\n  a01: { secrets: [] }\n'));
    expect(grant.code).toBe(1);
    expect(grant.stderr).toContain('takes secret grant(s) LEAD_TOKEN away from agent a01');
    const invalid = cfg(o, 'set', 'stuck_after.urgent', '5m', '--yes');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('refused: the result would not be a valid config, so nothing was changed.');
    expect(invalid.stderr).toContain(
      'stuck_after: unknown priority "urgent"; allowed values: critical, high, normal, low',
    );
    expect(o.read('mailroom.yaml')).toBe(final);

    // History: the hand-written file was kept before the first cli change, then one version per change.
    const h = versions(o);
    expect(h.map((v) => [v.version, v.author, v.summary])).toEqual([
      [1, 'init', `mailroom init --agents ${THIRTY.join(',')}`],
      [2, 'hand-edit', 'the config as found before a cli change'],
      [3, cliAuthor(), `config apply ${patch}: changes agents.a07.description: (none) -> "the seventh"`],
      [4, cliAuthor(), 'config set lanes.shared.concurrency: changes lanes.shared.concurrency: 2 -> 3'],
      [5, cliAuthor(), 'config set stuck_after.high: changes stuck_after.high: "30m" -> "10m"'],
    ]);
    expect(cfg(o, 'show', '2').stdout).toBe(before);
    expect(cfg(o, 'show', '5').stdout).toBe(final);
    expect(cfg(o, 'diff', '2', '5').stdout).toBe(
      // in the file's key order: stuck_after comes first in this file
      '2 -> 5: changes 3 settings\n  stuck_after.high: "30m" -> "10m"\n  agents.a07.description: (none) -> "the seventh"\n  lanes.shared.concurrency: 2 -> 3\n',
    );
    expect(fs.statSync(o.p('.mailroom', 'config-history', '000005.yaml')).mode & 0o077).toBe(0);
  });
});

describe('config set', () => {
  it('set refuses a removal without --yes, and refuses an invalid result outright', () => {
    const o = makeOrg(['cfo', 'legal']);
    const before = o.read('mailroom.yaml');
    const rm = cfg(o, 'set', 'agents.legal', 'null');
    expect(rm.code).toBe(1);
    expect(rm.stdout + rm.stderr).toMatch(/removes 1 of 2 agents: legal/);
    expect(o.read('mailroom.yaml')).toBe(before);
    const bad = cfg(o, 'set', 'stuck_after.urgent', '5m', '--yes');
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/unknown priority "urgent"/);
    expect(o.read('mailroom.yaml')).toBe(before);
    expect(cfg(o, 'set', 'agents.legal', 'null', '--yes').code).toBe(0);
    expect(agentNames(o.read('mailroom.yaml'))).toEqual(['cfo']);
  });
});

describe('a valid hand edit that removes things', () => {
  it('is taken, and said loudly: stderr and an operator alert with the rollback command', async () => {
    const o = makeOrg(THIRTY);
    await o.start();
    const text = o.read('mailroom.yaml');
    fs.writeFileSync(o.p('mailroom.yaml'), text.replace(/\n {2}a(0[2-9]|[12][0-9]|30): \{\}/g, ''));
    const changed = await waitFor(
      () => o.events().find((e) => e.type === 'config.changed' && e.version === 2),
      'the hand edit',
    );
    expect(changed).toMatchObject({ author: 'hand-edit' });
    expect(changed.summary).toMatch(/removes 29 of 30 agents/);
    const alert = await waitFor(
      () => o.ls('workspaces', 'operator', 'inbox').find((n) => n.includes('hand-edit-removed')),
      'the alert',
    );
    const body = o.read('workspaces', 'operator', 'inbox', alert);
    expect(body).toMatch(/removes 29 of 30 agents: a02/);
    expect(body).toContain('mailroom config rollback 1');
    expect(o.stderr).toMatch(/edited by hand and the edit removes 29 of 30 agents/);
    expect(cfg(o, 'rollback', '1').code).toBe(0);
    expect(agentNames(o.read('mailroom.yaml'))).toEqual(THIRTY);
  });

  it('made while no daemon ran, is said at the next start, and the daemon runs on', async () => {
    const o = makeOrg(['maya', 'legal', 'cfo']);
    fs.writeFileSync(o.p('mailroom.yaml'), o.read('mailroom.yaml').replace('\n  cfo: {}', ''));
    await o.start();
    const alert = await waitFor(
      () => o.ls('workspaces', 'operator', 'inbox').find((n) => n.includes('hand-edit-removed')),
      'the alert',
    );
    expect(o.read('workspaces', 'operator', 'inbox', alert)).toMatch(
      /removes 1 of 3 agents: cfo[\s\S]*mailroom config rollback 1/,
    );
    o.drop('maya', 'after.md', message({ to: 'legal', subject: 'after the edit' }));
    await waitFor(() => o.ls('workspaces', 'legal', 'inbox').length === 1, 'delivery after the start');
    expect(await o.stop()).toBe(0);
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
