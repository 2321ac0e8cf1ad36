/**
 * The other breakers, black-box: over-staffing (a nine-recipient message held until the
 * operator approves it), a may_send_to refusal, a budget that makes runs wait until
 * `mailroom resume`, and a context warning (one alert, one message to the agent per run).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { message, type Org } from '../../support/org.js';
import { statusJson } from '../../support/cli.js';
import { orgFromYaml } from '../../support/org.js';
import { MOCK_JS } from '../../support/runs.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
});

const nine = Array.from({ length: 9 }, (_, i) => `a${i + 1}`);
const fromMailroom = (o: Org, to: string, subject: RegExp) =>
  o
    .events()
    .filter(
      (e) => e.type === 'message.accepted' && e.from === 'mailroom' && e.to[0] === to && subject.test(e.subject ?? ''),
    );

describe('circuit breakers and budgets', () => {
  it('holds a message to nine recipients for approval, and refuses one outside may_send_to', async () => {
    org = orgFromYaml(
      `agents:\n  director: {}\n  intern: { may_send_to: [director] }\n${nine.map((a) => `  ${a}: {}\n`).join('')}`,
    );
    const o = org;
    await o.start();
    o.drop('director', 'staff.md', message({ to: nine, subject: 'Write one email' }));
    const held = await waitFor(() => o.events().find((e) => e.type === 'approval.requested'), 'the message to be held');
    expect(held).toMatchObject({
      cause: 'max_recipients',
      approvers: ['operator'],
      detail: '9 recipients, over max_recipients 8',
    });
    expect(o.ls('workspaces', 'a1', 'inbox')).toEqual([]);
    const r = mailroom(['approve', held.id, '--note', 'fine this once', '--root', o.root]);
    expect(r.code, r.stderr).toBe(0);
    await waitFor(() => nine.every((a) => o.ls('workspaces', a, 'inbox').length === 1), 'delivery to all nine');
    expect(o.read('workspaces', 'a9', 'inbox', o.ls('workspaces', 'a9', 'inbox')[0]!)).toContain(
      'approved_by: operator',
    );

    o.drop('intern', 'hi.md', message({ to: 'a1', subject: 'Hello' }));
    const rej = await waitFor(
      () => o.events().find((e) => e.type === 'message.rejected' && e.from === 'intern'),
      'the refusal',
    );
    expect(rej.reason).toContain(
      'intern may write only to director, operator (may_send_to in mailroom.yaml; the operator always), and a1 is not among them',
    );
    expect(o.ls('workspaces', 'a1', 'inbox')).toHaveLength(1);
  }, 60_000);

  it('makes runs wait past a daily budget until resume, and warns of a full context once per run', async () => {
    org = orgFromYaml(
      `sandbox: none\nagents:\n  boss: {}\n  spender: { command: "node ${MOCK_JS} --cost 0.6 --context 200000", budget_daily_usd: 1, context_warn: 100000 }\n`,
    );
    const o = org;
    await o.start();
    for (const n of [1, 2, 3]) o.drop('boss', `m${n}.md`, message({ to: 'spender', subject: `Job ${n}` }));
    await waitFor(() => fromMailroom(o, 'operator', /^Budget 100%: agent spender/).length === 1, 'the 100% alert');
    await waitFor(
      () =>
        statusJson(o).waiting.some((w: any) => /^budget: agent spender has spent \$1\.2 of its daily \$1/.test(w.why)),
      'a run waiting on the budget',
    );
    expect(o.events().filter((e) => e.type === 'handler.succeeded' && e.agent === 'spender')).toHaveLength(2);
    expect(fromMailroom(o, 'operator', /^Budget 80%/)).toHaveLength(0); // 0.6 is 60%, then straight to 120%
    expect(fromMailroom(o, 'operator', /^Context: spender/)).toHaveLength(2);
    expect(fromMailroom(o, 'spender', /^Checkpoint now/)).toHaveLength(2);
    expect(mailroom(['resume', 'spender', '--root', o.root]).code).toBe(0);
    await waitFor(
      () =>
        o.events().filter((e) => e.type === 'handler.succeeded' && e.agent === 'spender' && e.usage?.cost_usd === 0.6)
          .length === 3,
      'the third job to run after the resume',
    );
  }, 60_000);
});
