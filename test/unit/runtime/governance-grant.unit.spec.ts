/** Who may decide a held message, checked at the moment of the decision (decide/govern.ts checkGrant). */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../runtime/config/load.js';
import { checkGrant, expired } from '../../../runtime/decide/govern.js';

const config = parseConfigText(
  `approval_required: [payment]
agents:
  sales: { may_approve: { payment: {} } }
  cfo: { may_approve: { payment: { max_amount: 5000, until: 2026-12-31 } } }
  ceo: {}
  clerk: {}
  treasurer: { may_approve: { payment: { max_amount: 5000, currency: EUR } } }
`,
  '/srv/org/mailroom.yaml',
);
const held = (over: Record<string, unknown> = {}) => ({
  kind: 'payment',
  amount: 1200,
  currency: 'EUR',
  from: 'sales',
  cause: 'kind' as const,
  approvers: ['operator', 'cfo', 'ceo'],
  ...over,
});
const NOW = '2026-06-01T12:00:00.000Z';

describe('checkGrant', () => {
  it.each([
    ['the operator, always', 'operator', held(), NOW, { by: 'operator' }],
    [
      'a grant holder within its limit',
      'cfo',
      held(),
      NOW,
      { by: 'grant', kind: 'payment', max_amount: 5000, until: '2026-12-31' },
    ],
    [
      'exactly at the limit',
      'cfo',
      held({ amount: 5000 }),
      NOW,
      { by: 'grant', kind: 'payment', max_amount: 5000, until: '2026-12-31' },
    ],
    ['over the limit', 'cfo', held({ amount: 5000.01 }), NOW, 'over_limit'],
    ['no amount under a limited grant', 'cfo', held({ amount: undefined }), NOW, 'over_limit'],
    [
      'on the last day of the grant',
      'cfo',
      held(),
      '2026-12-31T23:59:59.000Z',
      { by: 'grant', kind: 'payment', max_amount: 5000, until: '2026-12-31' },
    ],
    [
      'a grant in the currency of the message',
      'treasurer',
      held(),
      NOW,
      { by: 'grant', kind: 'payment', max_amount: 5000, currency: 'EUR' },
    ],
    ['another currency than the grant', 'treasurer', held({ currency: 'BTC' }), NOW, 'over_limit'],
    ['no currency under a grant with one', 'treasurer', held({ currency: undefined }), NOW, 'over_limit'],
    ['the day after', 'cfo', held(), '2027-01-01T00:00:00.000Z', 'expired'],
    ['the sender itself, even with a grant', 'sales', held(), NOW, 'own_message'],
    ['asked at hold time, grant gone now', 'ceo', held(), NOW, 'revoked'],
    ['never granted', 'clerk', held(), NOW, 'no_grant'],
    ['a breaker hold, by an agent', 'cfo', held({ cause: 'max_recipients' }), NOW, 'operator_only'],
    ['a breaker hold, by the operator', 'operator', held({ cause: 'max_team' }), NOW, { by: 'operator' }],
  ])('%s', (_what, approver, h, now, want) => {
    const got = checkGrant(h, approver, config, now);
    if (typeof want === 'string') expect('rule' in got && got.rule).toBe(want);
    else expect(got).toEqual(want);
  });

  it('says which rule, with the numbers', () => {
    const got = checkGrant(held({ amount: 9000 }), 'cfo', config, NOW);
    expect(got).toMatchObject({ reason: "this payment is for 9000 EUR, over cfo's limit of 5000" });
    expect(checkGrant(held({ currency: 'BTC' }), 'treasurer', config, NOW)).toMatchObject({
      reason: "this payment is in BTC, and treasurer's limit is in EUR",
    });
  });
});

describe('expired', () => {
  it.each([
    [undefined, NOW, false],
    ['2026-06-01', '2026-06-01T23:59:59.999Z', false],
    ['2026-06-01', '2026-06-02T00:00:00.000Z', true],
    ['2026-06-01T10:00:00Z', '2026-06-01T10:00:00.001Z', true],
  ])('until %s at %s: %s', (until, now, want) => expect(expired(until, now)).toBe(want));
});
