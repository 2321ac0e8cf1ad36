/**
 * Unread mail: one rule for the daemon's alerts and for `mailroom status`. A message in an
 * agent's inbox is stuck when it has sat there (since its `sent` time, read from its file name)
 * longer than stuck_after for its priority. The operator's own inbox is never stuck: nobody
 * is alerted about it.
 *
 * Alerts scale with agents, not messages: the stuck mail of one agent and priority is one
 * backlog, alerted once with its count and its oldest message, and alerted again only when the
 * count has at least doubled since (so 50,000 unread messages raise at most ~16 alerts per
 * agent and priority, usually one). When the backlog is gone the standing alert is cleared, so
 * a new backlog is alerted afresh. The `alert.sent` and `alert.cleared` events are the record.
 * Pure: `now` comes in.
 */
import { OPERATOR } from '../../bus/vocabulary.js';
import { parseInboxName } from '../../bus/names.js';
import { PRIORITIES, type Priority } from '../../bus/priority.js';

export type StuckAfter = Readonly<Record<Priority, number>>;

/** How long a message sent at `sent` has been unread at `now`, in ms. */
export function unreadAge(sent: string, now: number): number {
  return now - Date.parse(sent);
}

export function isStuck(agent: string, priority: Priority, ageMs: number, stuckAfter: StuckAfter): boolean {
  return agent !== OPERATOR && ageMs > stuckAfter[priority];
}

/** The stuck mail of one agent and priority. */
export interface Backlog {
  agent: string;
  priority: Priority;
  count: number;
  /** The oldest stuck message: its file name in the inbox, id and age. */
  name: string;
  id: string;
  ageMs: number;
  limitMs: number;
}

/** The stuck mail in each inbox, grouped by agent and priority (agents in the order given, priorities by rank). */
export function backlogs(
  inboxes: ReadonlyArray<readonly [string, readonly string[]]>,
  stuckAfter: StuckAfter,
  now: number,
): Backlog[] {
  const out: Backlog[] = [];
  for (const [agent, names] of inboxes) {
    const byPriority = new Map<Priority, Backlog>();
    const seen = new Set<string>();
    for (const name of names) {
      const parsed = parseInboxName(name);
      if (!parsed || seen.has(parsed.id)) continue;
      const ageMs = unreadAge(parsed.sent, now);
      if (!isStuck(agent, parsed.priority, ageMs, stuckAfter)) continue;
      seen.add(parsed.id);
      const b = byPriority.get(parsed.priority);
      if (!b)
        byPriority.set(parsed.priority, {
          agent,
          priority: parsed.priority,
          count: 1,
          name,
          id: parsed.id,
          ageMs,
          limitMs: stuckAfter[parsed.priority],
        });
      else {
        b.count++;
        if (ageMs > b.ageMs) Object.assign(b, { name, id: parsed.id, ageMs });
      }
    }
    for (const p of PRIORITIES) if (byPriority.has(p)) out.push(byPriority.get(p)!);
  }
  return out;
}

/** What an alert already sent said: its count. */
export interface Standing {
  count: number;
}

export type UnreadDecision = { kind: 'alert'; backlog: Backlog } | { kind: 'clear'; agent: string; priority: Priority };

/**
 * Alert each backlog with no standing alert, or whose count has doubled since; clear every
 * standing alert (`key` -> standing) whose backlog is gone. `key(agent, priority)` names them.
 */
export function unreadAlerts(
  current: readonly Backlog[],
  standing: ReadonlyMap<string, Standing>,
  key: (agent: string, priority: Priority) => string,
): UnreadDecision[] {
  const out: UnreadDecision[] = [];
  const live = new Set<string>();
  for (const b of current) {
    const k = key(b.agent, b.priority);
    live.add(k);
    const before = standing.get(k);
    if (!before || b.count >= 2 * before.count) out.push({ kind: 'alert', backlog: b });
  }
  for (const k of standing.keys()) {
    if (live.has(k)) continue;
    const i = k.lastIndexOf(':');
    out.push({ kind: 'clear', agent: k.slice(0, i), priority: k.slice(i + 1) as Priority });
  }
  return out;
}

/** How often inboxes are listed for unread mail: a tenth of the shortest stuck_after, between scan_interval and 30 s. */
export function unreadCheckEvery(scanIntervalMs: number, stuckAfter: StuckAfter): number {
  const shortest = Math.min(...Object.values(stuckAfter));
  return Math.max(scanIntervalMs, Math.min(30_000, shortest / 10));
}
