/**
 * What `mailroom doctor` says about governance: paused agents, messages held for approval
 * (a problem once one has waited longer than stuck_after for its priority), agents whose runs
 * wait on a daily budget, and tasks blocked past their budget_usd. Pure: the time is an argument.
 */
import { formatDuration } from '../../bus/time.js';
import { FINAL_STATUSES, type Board } from '../../board/fold.js';
import type { OrgConfig } from '../config/schema.js';
import type { GovernanceState } from '../state/governance.js';
import { governanceBlocker } from './gates.js';

export interface Finding {
  ok: boolean;
  check: string;
  detail: string;
}

export function governanceFindings(
  g: GovernanceState,
  board: Board,
  config: OrgConfig,
  now: number,
  r = '',
): Finding[] {
  const out: Finding[] = [];
  for (const [agent, p] of Object.entries(g.paused).sort(([a], [b]) => a.localeCompare(b))) {
    out.push({
      ok: false,
      check: 'paused',
      detail: `agent ${agent} is paused since ${p.since} (${p.detail}, by ${p.by}): its outbox is left as it is and its runs wait; \`mailroom resume ${agent}${r}\` lets it go on`,
    });
  }
  const held = Object.values(g.held)
    .filter((h) => h.status === 'held')
    .sort((a, b) => a.requested.localeCompare(b.requested) || a.id.localeCompare(b.id));
  const late = held.filter((h) => now - Date.parse(h.requested) > config.stuckAfter[h.message?.priority ?? 'normal']);
  if (late.length) {
    const list = late
      .slice(0, 5)
      .map((h) => `${h.id} (${h.kind} from ${h.from}, ${formatDuration(now - Date.parse(h.requested))})`)
      .join(', ');
    out.push({
      ok: false,
      check: 'held',
      detail: `${late.length} message(s) held for approval longer than stuck_after: ${list}${late.length > 5 ? ', ...' : ''}; \`mailroom approve <id>${r}\` or \`mailroom reject <id> --reason ...${r}\` (\`mailroom audit${r}\` lists them)`,
    });
  } else if (held.length) {
    out.push({
      ok: true,
      check: 'held',
      detail: `${held.length} message(s) held for approval (${held
        .slice(0, 5)
        .map((h) => h.id)
        .join(', ')}${held.length > 5 ? ', ...' : ''}); \`mailroom audit${r}\``,
    });
  }
  for (const agent of Object.keys(config.agents).sort()) {
    const b = governanceBlocker(g, board, config, agent, now);
    if (b?.kind === 'budget')
      out.push({
        ok: false,
        check: 'budget',
        detail: `${b.scope} has spent $${b.spent} of its daily $${b.budget}: agent ${agent}'s runs wait until 00:00 UTC or \`mailroom resume ${agent}${r}\``,
      });
  }
  const blocked = board.tasks.filter(
    (t) => t.blockedReason === 'budget' && t.status === 'blocked' && !FINAL_STATUSES.includes(t.status),
  );
  for (const t of blocked)
    out.push({
      ok: false,
      check: 'budget',
      detail: `task ${t.id} ("${t.title}") has cost $${t.costUsd ?? 0}, past its budget_usd $${t.budgetUsd ?? 0}: it is blocked and its runs wait until its creator ${t.creator} or the operator sets it going (\`task: ${t.id}\`, \`status: in_progress\`)`,
    });
  return out;
}
