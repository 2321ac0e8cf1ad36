/**
 * Read-only views for the CLI (status, doctor, show, board): the log replayed and the
 * mailboxes listed. Works whether or not a daemon is running.
 */
import { OPERATOR } from '../../bus/vocabulary.js';
import fs from 'node:fs';
import { readLog } from '../../bus/store/log.js';
import { parseInboxName, isIgnoredName } from '../../bus/names.js';
import type { Priority } from '../../bus/priority.js';
import type { BusEvent } from '../../bus/events.js';
import type { Layout } from '../../workspaces/layout.js';
import { loadConfig, parseConfigText } from '../config/load.js';
import { ConfigError, type OrgConfig } from '../config/schema.js';
import { listVersions, versionText } from '../config/history.js';
import { jailFor } from '../../workspaces/jail.js';
import { runningDaemon } from '../daemon/lock.js';
import { foldState, type BusState } from '../state/state.js';
import { isStuck, unreadAge } from '../decide/unread.js';
import { laneViews, type LaneView, type WaitingView } from './why.js';

export interface UnreadMail {
  agent: string;
  id: string;
  file: string;
  priority: Priority;
  sent: string;
  age_ms: number;
  stuck: boolean;
}

export interface AgentStatus {
  name: string;
  inbox: number;
  outbox: number;
  oldest: UnreadMail | null;
}

export interface OrgStatus {
  root: string;
  daemon: { running: boolean; pid: number | null };
  agents: AgentStatus[];
  stuck: UnreadMail[];
  spool: number;
  deadletter: number;
  events: { count: number; last_seq: number; last_time: string | null };
  tasks: Record<string, number>;
  lanes: LaneView[];
  /** Messages waiting for a handler run, in the order they would start. */
  waiting: WaitingView[];
  /** Waiting runs past wait_warning. */
  warnings: WaitingView[];
  config: ConfigStatus;
  /** Handler agents and whether they run jailed. */
  handlers: Array<{ agent: string; jailed: boolean; note: string }>;
  /** Paused agents (why, since when) and messages held for approval (ids). */
  governance: { paused: Array<{ agent: string; cause: string; detail: string; since: string }>; held: string[] };
}

export interface ConfigStatus {
  /** The newest recorded version. */
  version: number | null;
  /** mailroom.yaml as it is now is not valid (the daemon keeps running on the last good version). */
  invalid: string[] | null;
}

/** The config as it is, or, when the file is not valid, the last good version, with the problems. */
export function loadConfigOrLastGood(layout: Layout): { config: OrgConfig; status: ConfigStatus } {
  const latest = listVersions(layout).at(-1) ?? null;
  try {
    return { config: loadConfig(layout.config), status: { version: latest?.version ?? null, invalid: null } };
  } catch (err) {
    if (!(err instanceof ConfigError) || !latest) throw err;
    for (const v of listVersions(layout).reverse()) {
      const text = versionText(layout, v.version);
      try {
        if (text !== null)
          return {
            config: parseConfigText(text, layout.config),
            status: { version: v.version, invalid: err.problems },
          };
      } catch {
        /* an older one */
      }
    }
    throw err;
  }
}

function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => !isIgnoredName(n));
  } catch {
    return [];
  }
}

export function unreadMail(layout: Layout, config: OrgConfig, agent: string, now: number): UnreadMail[] {
  const out: UnreadMail[] = [];
  for (const name of list(layout.inbox(agent))) {
    const p = parseInboxName(name);
    if (!p) continue;
    const age = unreadAge(p.sent, now);
    out.push({
      agent,
      id: p.id,
      file: `workspaces/${agent}/inbox/${name}`,
      priority: p.priority,
      sent: p.sent,
      age_ms: age,
      stuck: isStuck(agent, p.priority, age, config.stuckAfter),
    });
  }
  return out.sort((a, b) => a.sent.localeCompare(b.sent));
}

export function loadEvents(layout: Layout): BusEvent[] {
  return readLog(layout.events);
}

export function orgStatus(
  layout: Layout,
  config: OrgConfig,
  events: BusEvent[],
  state: BusState,
  now: number,
  configStatus: ConfigStatus = { version: null, invalid: null },
): OrgStatus {
  const agents: AgentStatus[] = [];
  const stuck: UnreadMail[] = [];
  for (const name of [...Object.keys(config.agents), OPERATOR]) {
    const unread = unreadMail(layout, config, name, now);
    stuck.push(...unread.filter((u) => u.stuck));
    agents.push({ name, inbox: unread.length, outbox: list(layout.outbox(name)).length, oldest: unread[0] ?? null });
  }
  const tasks: Record<string, number> = {};
  for (const t of state.board.tasks) tasks[t.status] = (tasks[t.status] ?? 0) + 1;
  const pid = runningDaemon(layout);
  const { lanes, waiting } = laneViews(state, config, now);
  return {
    config: configStatus,
    handlers: Object.values(config.agents)
      .filter((a) => a.command)
      .map((a) => {
        const j = jailFor(a);
        return { agent: a.name, jailed: j.jailed, note: j.note };
      }),
    lanes,
    waiting,
    warnings: waiting.filter((w) => w.warning),
    root: layout.root,
    daemon: { running: pid !== null, pid },
    agents,
    stuck,
    spool: list(layout.spool).length,
    deadletter: list(layout.deadletter).filter((n) => !n.endsWith('.reason.md')).length,
    events: { count: events.length, last_seq: state.lastSeq, last_time: state.lastTime },
    tasks,
    governance: {
      paused: Object.entries(state.governance.paused).map(([agent, p]) => ({
        agent,
        cause: p.cause,
        detail: p.detail,
        since: p.since,
      })),
      held: Object.values(state.governance.held)
        .filter((h) => h.status === 'held')
        .map((h) => h.id),
    },
  };
}

export function loadState(layout: Layout): { events: BusEvent[]; state: BusState } {
  const events = loadEvents(layout);
  return { events, state: foldState(events) };
}
