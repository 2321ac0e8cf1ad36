/**
 * BRIEF.md for the context cliff, black-box: the daemon writes each agent's brief (its open
 * tasks with the last message of the thread, what they wait on, what waits on them, the
 * decisions of its threads), `mailroom brief` prints the same bytes, and a restart that
 * rebuilds it from the log alone writes them again. The board's score order shows too.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { message, orgFromYaml, type Org } from '../../support/org.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
});

describe('briefs and the score', () => {
  it('writes BRIEF.md equal to `mailroom brief` and to its rebuild, and orders the board by score', async () => {
    org = orgFromYaml('approval_required: [commitment]\nagents:\n  boss: {}\n  legal: {}\n  cfo: {}\n');
    const o = org;
    await o.start();
    o.drop('boss', 'a.md', message({ to: 'legal', kind: 'task', subject: 'Draft the contract' }, 'Please draft it.\n'));
    const t1 = await waitFor(() => o.events().find((e) => e.type === 'message.accepted' && e.task === 'T-1'), 'T-1');
    o.drop('boss', 'b.md', message({ to: 'cfo', kind: 'task', priority: 'high', subject: 'Check numbers' }));
    o.drop(
      'boss',
      'c.md',
      message({ to: 'cfo', kind: 'task', subject: 'Pay after the contract', blocked_by: '[T-1]' }),
    );
    o.drop(
      'boss',
      'd.md',
      message({ to: 'cfo', kind: 'task', subject: 'Sign after the contract', blocked_by: '[T-1]' }),
    );
    await waitFor(() => o.events().some((e) => e.type === 'message.accepted' && e.task === 'T-4'), 'T-2..T-4');
    o.drop(
      'legal',
      'e.md',
      message(
        { to: 'boss', reply_to: t1.id, kind: 'commitment', amount: 900, subject: 'Sign this' },
        'The contract, for signature.\n',
      ),
    );
    const held = await waitFor(() => o.events().find((e) => e.type === 'approval.requested'), 'the commitment held');
    expect(mailroom(['approve', held.id, '--note', 'ok', '--root', o.root]).code).toBe(0);
    o.drop('legal', 'f.md', message({ to: 'boss', reply_to: t1.id, subject: 'Status' }, 'Second draft is out.\n'));
    const file = () =>
      fs.existsSync(o.p('workspaces', 'legal', 'BRIEF.md')) ? o.read('workspaces', 'legal', 'BRIEF.md') : '';
    await waitFor(
      () => file().includes('Second draft is out.') && file().includes('approved by operator'),
      'the brief to show the last message and the decision',
    );
    const brief = file();
    expect(brief).toMatch(/- T-1 \[normal\] Draft the contract \(open/);
    expect(brief).toMatch(/ {2}- waiting on it: T-3 \(cfo\), T-4 \(cfo\)/);
    expect(brief).toMatch(
      /## Decisions in your threads \(1\)\n\n- .* commitment 900 .* from legal: approved by operator: ok/,
    );
    expect(mailroom(['brief', 'legal', '--root', o.root]).stdout).toBe(brief);

    // T-2 (high) 300 > T-1 (normal, blocks two) 250 > T-3, T-4 (normal) 200, plus under an hour of age.
    const json = JSON.parse(mailroom(['board', '--json', '--root', o.root]).stdout);
    expect(json.tasks.map((t: any) => [t.id, t.score - (t.score % 25)])).toEqual([
      ['T-1', 250],
      ['T-2', 300],
      ['T-3', 200],
      ['T-4', 200],
    ]);
    const board = mailroom(['board', '--root', o.root]).stdout;
    expect(board.indexOf('| T-2 |')).toBeLessThan(board.indexOf('| T-1 |'));
    expect(board.indexOf('| T-1 |')).toBeLessThan(board.indexOf('| T-3 |'));

    await o.stop();
    fs.rmSync(o.p('workspaces', 'legal', 'BRIEF.md'));
    await o.start();
    await waitFor(() => file() !== '', 'the brief rebuilt at start');
    expect(file()).toBe(brief);
    await o.stop();
  }, 60_000);
});
