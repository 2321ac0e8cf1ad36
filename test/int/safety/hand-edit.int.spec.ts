/**
 * Blast radius, hand edits of mailroom.yaml while the daemon runs: an invalid edit (bad YAML,
 * an unknown key, a non-canonical priority, a lane that does not exist) is not applied; the
 * daemon runs on with the last good config and says why on stderr, in `status`, `doctor`, the
 * log and an alert to the operator; the next valid edit is taken and versioned as `hand-edit`.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeOrg, message, mode, org, type Org } from '../../support/org.js';
import { agentNames, mailroom, status, statusJson, versions } from '../../support/cli.js';
import { eventsOf, waitEvent, waitFor } from '../../support/events.js';
import { fm, inboxFile } from '../../support/mail.js';

const GOOD = [
  '# edited by hand',
  'agents:',
  '  maya: {}',
  '  legal: {}',
  'groups: {}',
  'lanes:',
  '  fast: { concurrency: 1 }',
  'stuck_after:',
  '  critical: 5m',
  '  high: 30m',
  '  normal: 4h',
  '  low: 1d',
  '',
].join('\n');

interface Bad {
  what: string;
  text: string;
  /** The problem as the daemon states it (exact), or a prefix for YAML errors. */
  problem: string;
  exact: boolean;
}

const BAD: Bad[] = [
  {
    what: 'bad YAML',
    text: GOOD.replace('legal: {}', 'legal: { description: [unclosed'),
    problem: 'not valid YAML: ',
    exact: false,
  },
  {
    // Also adds an agent: proof that nothing of an invalid edit is applied.
    what: 'an unknown key',
    text: GOOD.replace('legal: {}', 'legal: {}\n  newbie: {}') + 'colour: blue\n',
    problem:
      'unknown key "colour"; allowed keys: agents, groups, lanes, stuck_after, approval_required, bridge, max_message_bytes, max_attachment_bytes, scan_interval, write_grace, settle, watch, wait_warning, startup_stagger, kill_grace, sandbox, network, snapshot_every, segment_bytes, thread_ttl, attachment_ttl, board_done_after, board_done_max, max_recipients, max_task_depth, tasks_per_hour, messages_per_minute, max_open_tasks, max_team, budget_daily_usd, context_warn',
    exact: true,
  },
  {
    what: 'a non-canonical priority',
    text: GOOD.replace('high: 30m', 'urgent: 30m'),
    problem: 'stuck_after: unknown priority "urgent"; allowed values: critical, high, normal, low',
    exact: true,
  },
  {
    what: 'a lane that does not exist',
    text: GOOD.replace('legal: {}', 'legal: { command: "true", lane: nowhere }'),
    problem: 'agents.legal.lane: "nowhere" is not a lane; lanes: fast',
    exact: true,
  },
];

const has = (problems: string[], b: Bad) => problems.some((p) => (b.exact ? p === b.problem : p.startsWith(b.problem)));

async function delivered(o: Org, n: string): Promise<void> {
  o.drop('maya', `probe-${n}.md`, message({ to: 'legal', subject: `probe ${n}` }));
  await waitFor(() => inboxFile(o, 'legal', `probe-${n}`), `delivery of probe ${n}`);
}

describe('hand edits while the daemon runs', () => {
  it('each invalid edit is refused and explained everywhere while the last good config keeps running; the next valid edit is taken as hand-edit', async () => {
    const o = org(['maya', 'legal'], GOOD);
    await o.start();
    const running = versions(o).at(-1)!.version;
    expect(versions(o).at(-1)!.author).toBe('hand-edit'); // GOOD differs from init's file: recorded at start

    for (const [i, b] of BAD.entries()) {
      fs.writeFileSync(o.p('mailroom.yaml'), b.text);
      const e = await waitEvent(o, 'config.refused', () => true, `the refusal of ${b.what}`, 15_000, i);
      expect(has(e.problems, b), `${b.what}: ${JSON.stringify(e.problems)}`).toBe(true);
      expect(e.running).toBe(running);
      const problem = (e.problems as string[]).find((p) => has([p], b))!;

      // stderr
      await waitFor(() => o.stderr.includes(`  - ${problem}`), `${b.what} on stderr`);
      expect(o.stderr).toContain(
        `mailroom: warning: mailroom.yaml was edited, but the edit is not valid, so it is NOT applied; still running version ${running}:`,
      );
      // status (text and --json) and doctor
      const st = status(o).stdout.split('\n');
      expect(st, b.what).toContain(`config: version ${running}`);
      expect(st, b.what).toContain(
        `CONFIG EDIT REFUSED: mailroom.yaml is not valid, so the daemon keeps running on version ${running}:`,
      );
      expect(st, b.what).toContain(`  - ${problem}`);
      expect(statusJson(o).config).toEqual({ version: running, invalid: e.problems });
      const doc = mailroom(['doctor', '--root', o.root]);
      expect(doc.code).toBe(1);
      expect(doc.stdout).toContain(
        `PROBLEM config: mailroom.yaml is not valid (${(e.problems as string[]).join('; ')}); a running daemon keeps version ${running}.`,
      );
      // an alert in the operator's inbox
      const alert = await waitFor(
        () => {
          const names = o
            .ls('workspaces', 'operator', 'inbox')
            .filter((n) => n.endsWith('-mailroom-yaml-edit-refused-still-running.md')); // the slug is cut at 40 characters
          return names.length === i + 1 ? names : null;
        },
        `alert ${i + 1} in the operator's inbox`,
      );
      const bodies = alert.map((n) => o.read('workspaces', 'operator', 'inbox', n));
      const mine = bodies.find((t) => t.includes(`- ${problem}`));
      expect(mine, `the alert for ${b.what}`).toBeDefined();
      expect(fm(mine!, 'from')).toBe('mailroom');
      expect(fm(mine!, 'priority')).toBe('high');
      expect(fm(mine!, 'subject')).toBe(`mailroom.yaml edit refused: still running version ${running}`);
      expect(mine).toContain(`keeps running on version ${running}`);
      expect(mine).toContain(`mailroom config rollback ${running}`);

      // The daemon runs on, on the last good config: no new version, mail still flows.
      expect(o.daemon?.exitCode).toBeNull();
      expect(versions(o).at(-1)!.version).toBe(running);
      await delivered(o, `after-${i}`);
    }

    // The unknown-key edit also added "newbie": it was not applied, so mail to newbie bounces.
    expect(fs.existsSync(o.p('workspaces', 'newbie'))).toBe(false);
    o.drop('maya', 'to-newbie.md', message({ to: 'newbie', subject: 'too early' }));
    const rej = await waitEvent(
      o,
      'message.rejected',
      (e) => e.origin === 'to-newbie.md',
      'the bounce of mail to newbie',
    );
    expect(rej.reason).toMatch(/newbie/);
    expect(eventsOf(o, 'config.changed').filter((e) => e.version > running)).toEqual([]);

    // The next valid edit is taken at once: versioned as hand-edit, logged, newbie exists and gets mail.
    fs.writeFileSync(o.p('mailroom.yaml'), GOOD.replace('legal: {}', 'legal: {}\n  newbie: {}'));
    const changed = await waitEvent(o, 'config.changed', (e) => e.version === running + 1, 'the valid edit');
    expect(changed).toMatchObject({ author: 'hand-edit', summary: 'adds agents newbie' });
    expect(versions(o).at(-1)).toMatchObject({
      version: running + 1,
      author: 'hand-edit',
      summary: 'adds agents newbie',
    });
    await waitFor(
      () => o.stderr.includes(`config    version ${running + 1} by hand-edit: adds agents newbie`),
      'the change on stderr',
    );
    expect(agentNames(o.read('mailroom.yaml'))).toEqual(['maya', 'legal', 'newbie']);
    await waitFor(() => fs.existsSync(o.p('workspaces', 'newbie', 'inbox')), "newbie's workspace");
    expect(mode(o.p('workspaces', 'newbie'))).toBe(0o700);
    o.drop('maya', 'welcome.md', message({ to: 'newbie', subject: 'welcome' }));
    await waitFor(() => inboxFile(o, 'newbie', 'welcome'), 'delivery to newbie');
    const st = status(o).stdout;
    expect(st).not.toContain('CONFIG EDIT REFUSED');
    expect(st).toContain(`config: version ${running + 1}`);
    expect(statusJson(o).config).toEqual({ version: running + 1, invalid: null });
    expect(eventsOf(o, 'config.refused')).toHaveLength(BAD.length);
    expect(await o.stop()).toBe(0);
  });

  // Regression: the daemon remembered the sha of the last refused text and did not forget it on
  // a revert, so the same invalid edit made again was ignored (no event, no warning, no alert).
  it('the same invalid edit made again after a revert to the good file is refused and said again', async () => {
    // watch: false: the config is read by the scan just before it takes outbox files, so a
    // delivered probe proves the daemon read the file as it was when the probe was dropped.
    const config = `${GOOD}watch: false\nscan_interval: 200ms\n`;
    const o = org(['maya', 'legal'], config);
    await o.start();
    const bad = config.replace('high: 30m', 'urgent: 30m');
    fs.writeFileSync(o.p('mailroom.yaml'), bad);
    await waitEvent(o, 'config.refused', () => true, 'the first refusal');
    fs.writeFileSync(o.p('mailroom.yaml'), config); // reverted
    await delivered(o, 'after-revert');
    await delivered(o, 'after-revert-2'); // taken by a later scan, whose config read came after the revert
    fs.writeFileSync(o.p('mailroom.yaml'), bad); // the same mistake again
    await delivered(o, 'after-second-edit');
    await delivered(o, 'one-more-scan');
    expect(eventsOf(o, 'config.refused')).toHaveLength(2);
  });

  it('an empty file (an editor mid-save) is refused like any invalid edit, and a deleted file changes nothing: the daemon says so and runs on', async () => {
    const o = makeOrg(['maya', 'legal']);
    await o.start();
    fs.writeFileSync(o.p('mailroom.yaml'), '');
    const e = await waitEvent(o, 'config.refused', () => true, 'the refusal of an empty file');
    expect(e.problems.join('\n')).toMatch(/the file is empty/);
    expect(e.running).toBe(1);
    await delivered(o, 'after-empty');

    fs.unlinkSync(o.p('mailroom.yaml'));
    await waitFor(
      () => /mailroom\.yaml cannot be read \(ENOENT\); still running version 1/.test(o.stderr),
      'the warning about the missing file',
    );
    await delivered(o, 'while-missing');
    expect(eventsOf(o, 'config.changed')).toHaveLength(1);
    expect(o.daemon?.exitCode).toBeNull();
  });
});
