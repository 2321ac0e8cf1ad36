/**
 * A task budget, black-box: runs for the messages of a task's thread cost money; past its
 * budget_usd the task turns blocked (reason: budget) and the next run waits, saying why; its
 * creator sets it going again and the run goes on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mailroom, statusJson } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { message, orgFromYaml, type Org } from '../../support/org.js';
import { MOCK_JS } from '../../support/runs.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
});

describe('task budget_usd', () => {
  it('blocks a task past its budget, makes its runs wait, and lets its creator set it going', async () => {
    org = orgFromYaml(`sandbox: none\nagents:\n  boss: {}\n  worker: { command: "node ${MOCK_JS} --cost 0.6" }\n`);
    const o = org;
    await o.start();
    o.drop(
      'boss',
      't.md',
      message({ to: 'worker', kind: 'task', subject: 'Big job', budget_usd: 1 }, 'mock: silent\n'),
    );
    const task = await waitFor(() => o.events().find((e) => e.type === 'message.accepted' && e.task === 'T-1'), 'T-1');
    const ran = () => o.events().filter((e) => e.type === 'handler.succeeded' && e.agent === 'worker').length;
    await waitFor(() => ran() === 1, 'the first run');
    o.drop('boss', 'more.md', message({ to: 'worker', reply_to: task.id, subject: 'More' }));
    await waitFor(() => ran() === 2, 'the second run');
    const board = () => JSON.parse(mailroom(['board', '--json', '--root', o.root]).stdout).tasks[0];
    await waitFor(() => board().status === 'blocked', 'T-1 blocked');
    expect(board()).toMatchObject({ budget_usd: 1, cost_usd: 1.2, blocked_reason: 'budget' });
    o.drop('boss', 'again.md', message({ to: 'worker', reply_to: task.id, subject: 'Again' }));
    const waiting = await waitFor(
      () => statusJson(o).waiting.find((w: any) => w.agent === 'worker'),
      'the third run to wait',
    );
    expect(waiting.why).toMatch(/^budget: task T-1 has cost \$1\.2, past its budget_usd \$1/);
    expect(ran()).toBe(2);
    o.drop('boss', 'go.md', message({ task: 'T-1', status: 'in_progress' }));
    await waitFor(() => ran() === 3, 'the third run after the creator sets it going');
    await o.stop();
  }, 60_000);
});
