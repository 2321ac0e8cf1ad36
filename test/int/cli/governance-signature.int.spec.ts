/**
 * The signature story: a commitment is held in bus/held/; decisions by a grant holder over its
 * limit, with an expired grant, after revocation and on its own message are refused with a
 * bounce saying which; a grant holder within its limit approves it and it is delivered stamped;
 * the operator rejects another; `mailroom audit` shows it all from the log.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { message, type Org } from '../../support/org.js';
import { orgFromYaml } from '../../support/org.js';

const YAML_TEXT = `approval_required: [commitment, payment, signature]
agents:
  sales: { may_approve: { commitment: {} } }
  client: {}
  cfo: { may_approve: { commitment: { max_amount: 5000, until: 2099-12-31 } } }
  legal: { may_approve: { commitment: { until: 2020-01-01 } } }
  ceo: { may_approve: { commitment: {} } }
`;

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
});

const inboxTexts = (o: Org, agent: string) =>
  o
    .ls('workspaces', agent, 'inbox')
    .filter((n) => n.endsWith('.md'))
    .map((n) => o.read('workspaces', agent, 'inbox', n));
const ofType = (o: Org, type: string) => o.events().filter((e) => e.type === type);

describe('approvals: the signature story', () => {
  it('holds a commitment, refuses decisions that break a rule, delivers it once approved, and audits it all', async () => {
    org = orgFromYaml(YAML_TEXT);
    const o = org;
    await o.start();
    o.drop(
      'sales',
      'deal.md',
      message(
        { to: 'client', kind: 'commitment', amount: 12000, currency: 'USD', subject: 'Annual contract' },
        'We commit to deliver.\n',
      ),
    );
    const req = await waitFor(() => ofType(o, 'approval.requested')[0], 'the commitment to be held');
    const held = req.id as string;
    expect(req).toMatchObject({
      kind: 'commitment',
      amount: 12000,
      currency: 'USD',
      from: 'sales',
      to: ['client'],
      cause: 'kind',
      approvers: ['operator', 'cfo', 'ceo'],
    });
    await waitFor(() => fs.existsSync(o.p('bus', 'held', `${held}.md`)), 'the held copy in bus/held/');
    await waitFor(
      () => inboxTexts(o, 'cfo').some((t) => t.includes('kind: approval_request') && t.includes(`held: ${held}`)),
      'the request to cfo',
    );
    await waitFor(
      () => inboxTexts(o, 'operator').some((t) => t.includes('kind: approval_request')),
      'the request to the operator',
    );
    await waitFor(() => inboxTexts(o, 'sales').some((t) => t.includes('Held for approval')), 'the notice to sales');
    expect(inboxTexts(o, 'client')).toEqual([]);

    const decide = (agent: string, n: number) =>
      o.drop(agent, `decide-${n}.md`, message({ kind: 'approval', approves: held, decision: 'approve' }, ''));
    const refusals = () => ofType(o, 'approval.refused').map((e) => `${e.by}:${e.rule}`);
    // A person playing cfo decides from the CLI; the daemon checks cfo's grant as for cfo's own file.
    const asCfo = mailroom(['approve', held, '--from', 'cfo', '--root', o.root]);
    expect(asCfo.code).toBe(1);
    expect(asCfo.stdout).toMatch(
      /not decided: this commitment is for 12000 USD, over cfo's limit of 5000 \(over_limit\); it stays held/,
    );
    expect(refusals()).toContain('cfo:over_limit');
    decide('legal', 2);
    await waitFor(() => refusals().includes('legal:expired'), 'legal expired');
    const versions = () => ofType(o, 'config.changed').length;
    const first = ofType(o, 'config.changed').at(-1)!.version;
    const before = versions();
    expect(mailroom(['revoke', 'ceo', 'commitment', '--root', o.root]).code).toBe(0);
    await waitFor(() => versions() > before, 'the revocation to be in force');
    decide('ceo', 3);
    await waitFor(() => refusals().includes('ceo:revoked'), 'ceo revoked');
    decide('sales', 4);
    await waitFor(() => refusals().includes('sales:own_message'), 'sales on its own message');
    await waitFor(
      () => inboxTexts(o, 'cfo').some((t) => t.includes("over cfo's limit of 5000")),
      'the bounce to cfo saying which',
    );
    expect(inboxTexts(o, 'client')).toEqual([]);

    const g = mailroom([
      'grant',
      'cfo',
      'commitment',
      '--max-amount',
      '20000',
      '--until',
      '2099-12-31',
      '--root',
      o.root,
    ]);
    expect(g.code, g.stderr).toBe(0);
    await waitFor(() => versions() > before + 1, 'the new grant to be in force');
    decide('cfo', 5);
    const granted = await waitFor(() => ofType(o, 'approval.granted')[0], 'the approval');
    expect(granted).toMatchObject({
      id: held,
      by: 'cfo',
      grant: { by: 'grant', kind: 'commitment', max_amount: 20000, until: '2099-12-31' },
    });
    const delivered = await waitFor(() => inboxTexts(o, 'client')[0], 'delivery to client');
    expect(delivered).toContain('approved_by: cfo');
    expect(delivered).toContain(`approval: ${granted.decision}`);
    expect(delivered).toContain('We commit to deliver.');
    await waitFor(() => !fs.existsSync(o.p('bus', 'held', `${held}.md`)), 'bus/held/ to let it go');

    // A second one, rejected by the operator: its sender gets a bounce with the reason.
    o.drop('sales', 'deal2.md', message({ to: 'client', kind: 'commitment', amount: 3, subject: 'Small one' }));
    const second = (await waitFor(() => ofType(o, 'approval.requested')[1], 'the second hold')).id as string;
    const r = mailroom(['reject', second, '--reason', 'not in the plan', '--root', o.root]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${second} refused by operator`);
    await waitFor(
      () => inboxTexts(o, 'sales').some((t) => t.includes('not in the plan') && t.includes('Bounced')),
      'the bounce to sales',
    );
    expect(mailroom(['approve', second, '--root', o.root]).code).toBe(1); // decided already

    const audit = JSON.parse(mailroom(['audit', '--json', '--root', o.root]).stdout).held;
    expect(audit.map((h: any) => [h.id, h.status, h.decided_by])).toEqual([
      [held, 'approved', 'cfo'],
      [second, 'refused', 'operator'],
    ]);
    expect(audit[0].attempts.map((a: any) => a.rule)).toEqual(['over_limit', 'expired', 'revoked', 'own_message']);
    expect(audit[0].config_version).toBe(first);
    expect(audit[1].config_version).toBeGreaterThan(first);
    const text = mailroom(['audit', '--agent', 'ceo', '--root', o.root]).stdout;
    expect(text).toContain('refused decision');
    expect(text).toContain('revoked');
    expect(mailroom(['audit', '--kind', 'payment', '--root', o.root]).stdout).toContain('nothing was held');
  }, 60_000);
});
