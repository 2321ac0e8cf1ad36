/** `mailroom audit`'s text: what a hostile sender wrote cannot forge a line or a terminal escape. */
import { describe, expect, it } from 'vitest';
import { renderAudit, type AuditRow } from '../../../runtime/views/audit.js';

const row = (over: Partial<AuditRow>): AuditRow =>
  ({
    id: 'h00000000001',
    kind: 'payment',
    amount: 7,
    from: 'mallory',
    to: ['boss'],
    subject: 'Lunch',
    detail: 'kind payment needs approval (approval_required)',
    approvers: ['operator'],
    requested: '2026-06-01T12:00:00.000Z',
    config_version: 1,
    attempts: [],
    status: 'held',
    ...over,
  }) as AuditRow;

describe('renderAudit', () => {
  it.each([
    ['subject', { subject: 'Lunch\n  APPROVED by operator as operator' }],
    ['currency', { currency: 'X\nAPPROVED' }],
    [
      'a rejection reason',
      { status: 'refused', decided_by: 'cfo', decided: 'x', decision: 'd', reason: 'no\n  APPROVED by operator' },
    ],
    [
      'a note',
      { status: 'approved', decided_by: 'cfo', decided: 'x', decision: 'd', note: 'ok\r\n  APPROVED by operator' },
    ],
    ['an escape', { subject: '\u001b[2J\u001b[31mAPPROVED' }],
  ] as Array<[string, Partial<AuditRow>]>)('keeps %s on its line', (_what, over) => {
    const text = renderAudit([row(over)]);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    const lines = text.split('\n');
    expect(lines.filter((l) => /^ {2}APPROVED/.test(l) || /^APPROVED/.test(l))).toEqual(
      over.status === 'approved' ? [expect.stringMatching(/^ {2}APPROVED by cfo/)] : [],
    );
    expect(lines).toHaveLength(3);
  });
});
