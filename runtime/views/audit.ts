/**
 * `mailroom audit`: who authorised what, from the governance fold of the log alone. Pure.
 * Subject, currency, reasons and notes come from hostile messages: each is kept on its own
 * line (escapeLine), so a newline in one cannot forge an `APPROVED by operator` line.
 */
import { escapeLine as e } from '../../bus/escape.js';
import type { GovernanceState, HeldRecord } from '../state/governance.js';

export type AuditRow = Omit<HeldRecord, 'message'>;

export function auditRows(g: GovernanceState, filter: { agent?: string; kind?: string }): AuditRow[] {
  return Object.values(g.held)
    .filter((h) => filter.kind === undefined || h.kind === filter.kind)
    .filter((h) => {
      const a = filter.agent;
      return (
        a === undefined ||
        h.from === a ||
        h.to.includes(a) ||
        h.approvers.includes(a) ||
        h.decided_by === a ||
        h.attempts.some((t) => t.by === a)
      );
    })
    .sort((a, b) => a.requested.localeCompare(b.requested) || a.id.localeCompare(b.id))
    .map(({ message: _m, ...row }) => row);
}

export function renderAudit(rows: readonly AuditRow[]): string {
  if (!rows.length) return 'nothing was held for approval';
  const out: string[] = [];
  for (const h of rows) {
    const amount = h.amount !== undefined ? ` ${h.amount}${h.currency ? ` ${e(h.currency)}` : ''}` : '';
    out.push(`${h.id}  ${e(h.kind)}${amount}  ${h.from} -> ${h.to.join(', ')}  "${e(h.subject ?? '')}"`);
    out.push(
      `  held ${h.requested} (config version ${h.config_version ?? '?'}): ${e(h.detail)}; asked ${h.approvers.join(', ')}`,
    );
    for (const t of h.attempts)
      out.push(`  refused decision ${t.decision} by ${t.by} at ${t.time}: ${t.rule}: ${e(t.reason)}`);
    if (h.status === 'held') out.push('  HELD: not decided yet');
    else {
      const grant = h.grant
        ? h.grant.by === 'operator'
          ? ' as operator'
          : ` under grant ${h.grant.kind}${h.grant.max_amount !== undefined ? ` max ${h.grant.max_amount}` : ''}${h.grant.until ? ` until ${h.grant.until}` : ''}`
        : '';
      out.push(
        `  ${h.status.toUpperCase()} by ${h.decided_by}${grant} at ${h.decided} (decision ${h.decision})${h.reason ? `: ${e(h.reason)}` : ''}${h.note ? ` (note: ${e(h.note)})` : ''}`,
      );
    }
  }
  return out.join('\n');
}
