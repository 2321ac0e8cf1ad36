/**
 * Unread mail: one rule for the daemon's alerts and for `mailroom status`. A message in an
 * agent's inbox is stuck when it has sat there (since its `sent` time, read from its file name)
 * longer than stuck_after for its priority. The operator's own inbox is never stuck: nobody
 * is alerted about it. Each stuck message is alerted once per agent (the `alert.sent` events
 * are the record). Pure: `now` comes in.
 */
import { OPERATOR } from '../../bus/vocabulary.js';
import { parseInboxName } from '../../bus/names.js';
import type { Priority } from '../../bus/priority.js';

export type StuckAfter = Readonly<Record<Priority, number>>;

/** How long a message sent at `sent` has been unread at `now`, in ms. */
export function unreadAge(sent: string, now: number): number {
  return now - Date.parse(sent);
}

export function isStuck(agent: string, priority: Priority, ageMs: number, stuckAfter: StuckAfter): boolean {
  return agent !== OPERATOR && ageMs > stuckAfter[priority];
}

export interface Stuck {
  agent: string;
  /** The file name in the agent's inbox. */
  name: string;
  id: string;
  priority: Priority;
  ageMs: number;
  limitMs: number;
}

/**
 * The stuck messages not yet alerted (each message once per agent), in the order listed. `inboxes`: each agent with the names
 * in its inbox; `alerted(id, agent)`: whether that alert was sent already.
 */
export function unreadAlerts(
  inboxes: ReadonlyArray<readonly [string, readonly string[]]>,
  stuckAfter: StuckAfter,
  alerted: (id: string, agent: string) => boolean,
  now: number,
): Stuck[] {
  const out: Stuck[] = [];
  const said = new Set<string>();
  for (const [agent, names] of inboxes) {
    for (const name of names) {
      const parsed = parseInboxName(name);
      if (!parsed) continue;
      const ageMs = unreadAge(parsed.sent, now);
      const key = `${parsed.id}:${agent}`;
      if (!isStuck(agent, parsed.priority, ageMs, stuckAfter) || alerted(parsed.id, agent) || said.has(key)) continue;
      said.add(key);
      out.push({ agent, name, id: parsed.id, priority: parsed.priority, ageMs, limitMs: stuckAfter[parsed.priority] });
    }
  }
  return out;
}

/** How often inboxes are listed for unread mail: a tenth of the shortest stuck_after, between scan_interval and 30 s. */
export function unreadCheckEvery(scanIntervalMs: number, stuckAfter: StuckAfter): number {
  const shortest = Math.min(...Object.values(stuckAfter));
  return Math.max(scanIntervalMs, Math.min(30_000, shortest / 10));
}
