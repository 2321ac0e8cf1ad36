/**
 * Runaway delegation: a mock agent that answers every task with two sub-tasks stops at the
 * rate limit (paused: its outbox left as it is, its runs waiting, one alert, status and why
 * say so), and after `mailroom resume` at the depth limit (bounces naming the chain). Nothing
 * is lost: every file it wrote is either accepted or bounced. The scan interval is 10 minutes so that
 * the outbox left while paused must be taken at the resume itself, with the sub-tasks it holds
 * still counted under the runs that wrote them (once, they became new root tasks).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { doctor, mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { message, type Org } from '../../support/org.js';
import { statusJson } from '../../support/cli.js';
import { orgFromYaml } from '../../support/org.js';
import { MOCK_JS } from '../../support/runs.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
});

describe('circuit breakers: runaway delegation', () => {
  it('pauses at tasks_per_hour, resumes by hand, and refuses sub-tasks past max_task_depth', async () => {
    org = orgFromYaml(
      `sandbox: none\nscan_interval: 10m\ntasks_per_hour: 6\nmax_task_depth: 3\nagents:\n  boss: {}\n  runaway: { command: "node ${MOCK_JS} --spawn 2" }\n`,
    );
    const o = org;
    await o.start();
    o.drop('operator', 'start.md', message({ to: 'runaway', kind: 'task', subject: 'Write one email' }));
    const paused = await waitFor(
      () => o.events().find((e) => e.type === 'agent.paused'),
      'the runaway to be paused',
      30_000,
    );
    expect(paused).toMatchObject({ agent: 'runaway', cause: 'tasks_per_hour', by: 'mailroom' });
    const tasksBefore = o
      .events()
      .filter((e) => e.type === 'message.accepted' && e.kind === 'task' && e.from === 'runaway').length;
    expect(tasksBefore).toBe(6);
    // Its runs wait; status and why say so; exactly one alert.
    await waitFor(
      () => statusJson(o).waiting.some((w: any) => w.agent === 'runaway' && /paused/.test(w.why)),
      'a run waiting on the pause',
    );
    const s = statusJson(o);
    expect(s.governance.paused.map((p: any) => p.agent)).toEqual(['runaway']);
    expect(mailroom(['status', '--root', o.root]).stdout).toContain('PAUSED: runaway');
    const waitingId = s.waiting.find((w: any) => w.agent === 'runaway').id;
    expect(mailroom(['why', waitingId, '--root', o.root]).stdout).toMatch(
      /runaway is paused .*mailroom resume runaway/,
    );
    const alerts = () =>
      o
        .events()
        .filter(
          (e) =>
            e.type === 'message.accepted' &&
            e.from === 'mailroom' &&
            e.to[0] === 'operator' &&
            /^Paused: runaway/.test(e.subject),
        );
    expect(alerts()).toHaveLength(1);
    const d = doctor(o);
    expect(d.code).toBe(1);
    expect(d.problems).toContainEqual(
      expect.objectContaining({
        check: 'paused',
        detail: expect.stringMatching(/^agent runaway is paused since .*`mailroom resume runaway --root /),
      }),
    );

    const r = mailroom(['resume', 'runaway', '--root', o.root]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('runaway resumed');
    // After the resume: T-4..T-7 (depth 3) each try two sub-tasks at depth 4: eight bounces.
    const depth = () =>
      o
        .events()
        .filter((e) => e.type === 'message.rejected' && e.from === 'runaway' && /max_task_depth 3/.test(e.reason));
    await waitFor(() => depth().length === 8, 'eight sub-tasks refused at depth 4', 40_000);
    expect(depth()[0]!.reason).toMatch(/T-1 > T-[23] > T-[4-7] > new/);
    await waitFor(
      () => o.ls('workspaces', 'runaway', 'outbox').length === 0 && statusJson(o).waiting.length === 0,
      'the outbox to empty and runs to finish',
      30_000,
    );
    const tasks = JSON.parse(mailroom(['board', '--json', '--root', o.root]).stdout).tasks;
    expect(tasks).toHaveLength(7);
    const roots = o.events().filter((e) => e.type === 'message.accepted' && e.kind === 'task' && !e.parent);
    expect(roots.map((e) => e.task)).toEqual(['T-1']);
    expect(alerts()).toHaveLength(1);
    expect(o.events().filter((e) => e.type === 'agent.paused')).toHaveLength(1);
  }, 120_000);
});
