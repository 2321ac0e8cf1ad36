/**
 * Read-only views for the CLI (status, doctor, show, board, why): the newest snapshot and the
 * log after it (never the whole log), and the mailboxes listed. Works whether or not a daemon
 * is running.
 */
import { OPERATOR } from '../../bus/vocabulary.js';
import fs from 'node:fs';
import { eventsMentioning, readEvents } from '../../bus/store/log-read.js';
import { parseInboxName, isIgnoredName } from '../../bus/names.js';
import { parseSpoolName } from '../../bus/store/spool.js';
import type { Priority } from '../../bus/priority.js';
import type { BusEvent } from '../../bus/events.js';
import type { Layout } from '../../workspaces/layout.js';
import { loadConfig, parseConfigText } from '../config/load.js';
import { ConfigError, type OrgConfig } from '../config/schema.js';
import { listVersions, versionText } from '../config/history.js';
import { jailFor } from '../../workspaces/jail.js';
import { runningDaemon } from '../daemon/lock.js';
import { loadFolded } from '../daemon/snapshots.js';
import { alertKey, DEFAULT_THREAD_TTL_MS, type BusState } from '../state/state.js';
import { applyRuntime, emptyRuntime } from '../state/runs.js';
import { applyGovernance, emptyGovernance, type GovernanceState } from '../state/governance.js';
import { backlogs, isStuck, unreadAge, type Backlog } from '../decide/unread.js';
import { laneViews, type LaneView, type WaitingView } from './why.js';

/** status lists at most this many stuck messages (the backlogs count them all). */
export const STUCK_LISTED = 100;

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
  /** The oldest STUCK_LISTED messages unread past stuck_after (stuck_total counts them all). */
  stuck: UnreadMail[];
  stuck_total: number;
  /** The stuck mail by agent and priority (the daemon alerts each once, again when it doubles), with whether an alert stands. */
  backlogs: Array<Backlog & { alerted: boolean }>;
  spool: number;
  /** Of those, taken from the outbox of an agent that is paused: they wait for its resume. */
  spool_paused: number;
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

/** Every event about message `id` (its acceptance or rejection, delivery, runs, alerts), archived segments included. */
export function eventsAbout(layout: Layout, id: string): Promise<BusEvent[]> {
  return eventsMentioning(
    layout.events,
    `"${id}"`,
    (e) => (e.type === 'message.accepted' || e.type === 'message.rejected') && e.id === id,
  ).then((es) => es.filter((e) => ('id' in e && e.id === id) || (e.type === 'alert.sent' && e.message === id)));
}

/**
 * Governance for `audit`: the fold's, and, once the fold has forgotten decided holds (forget.ts),
 * those read back from the log, archived segments included (only the approval events' lines are
 * decoded). A record the fold still has is the fold's (it knows the task and the thread).
 */
export async function governanceForAudit(layout: Layout, g: GovernanceState): Promise<GovernanceState> {
  if (!g.heldForgotten) return g;
  const fromLog = emptyGovernance();
  const none = new Map();
  await readEvents(layout.events, {
    contains: '"type":"approval.',
    onEvent: (e) => {
      if (e.type === 'approval.requested' || e.type === 'approval.granted' || e.type === 'approval.refused')
        applyGovernance(fromLog, e, none);
    },
  });
  return { ...g, held: { ...fromLog.held, ...g.held } };
}

/**
 * The state, with what it forgot about message `id` put back from the log: a finished run, a
 * done rejection, a decided hold (forget.ts).
 */
export function recall(state: BusState, events: BusEvent[]): BusState {
  const scratch = emptyRuntime();
  const forgotten = (id: string) => !Object.hasOwn(state.governance.held, id);
  let held: string | undefined;
  for (const e of events) if (e.type === 'approval.requested' && forgotten(e.id)) held = e.id;
  const isDecision = (e: BusEvent) =>
    (e.type === 'approval.requested' || e.type === 'approval.granted' || e.type === 'approval.refused') &&
    e.id === held;
  for (const e of events) {
    applyRuntime(scratch, e);
    if (e.type === 'message.rejected' && !state.rejected.has(e.id)) state.rejected.set(e.id, e);
    if (isDecision(e)) applyGovernance(state.governance, e, new Map());
  }
  for (const [key, run] of scratch.runs) if (!state.runtime.runs.has(key)) state.runtime.runs.set(key, run);
  return state;
}

export function orgStatus(
  layout: Layout,
  config: OrgConfig,
  state: BusState,
  now: number,
  configStatus: ConfigStatus = { version: null, invalid: null },
): OrgStatus {
  const agents: AgentStatus[] = [];
  const stuck: UnreadMail[] = [];
  const inboxes: Array<[string, string[]]> = [];
  for (const name of [...Object.keys(config.agents), OPERATOR]) {
    const unread = unreadMail(layout, config, name, now);
    stuck.push(...unread.filter((u) => u.stuck));
    inboxes.push([name, unread.map((u) => u.file.slice(u.file.lastIndexOf('/') + 1))]);
    agents.push({ name, inbox: unread.length, outbox: list(layout.outbox(name)).length, oldest: unread[0] ?? null });
  }
  const tasks: Record<string, number> = {};
  for (const t of state.board.tasks) tasks[t.status] = (tasks[t.status] ?? 0) + 1;
  for (const [st, n] of Object.entries(state.board.archived)) if (n) tasks[st] = (tasks[st] ?? 0) + n;
  const pid = runningDaemon(layout);
  const { lanes, waiting } = laneViews(state, config, now);
  const spool = list(layout.spool);
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
    stuck: stuck.sort((a, b) => a.sent.localeCompare(b.sent)).slice(0, STUCK_LISTED),
    stuck_total: stuck.length,
    backlogs: backlogs(inboxes, config.stuckAfter, now).map((b) => ({
      ...b,
      alerted: state.alerts.has(alertKey(b.agent, b.priority)),
    })),
    spool: spool.length,
    spool_paused: spool.filter((n) => Object.hasOwn(state.governance.paused, parseSpoolName(n)?.sender ?? '')).length,
    deadletter: list(layout.deadletter).filter((n) => !n.endsWith('.reason.md')).length,
    events: { count: state.lastSeq, last_seq: state.lastSeq, last_time: state.lastTime },
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

/**
 * The folded state: the newest usable snapshot and the events after it (a full replay only when
 * there is none). Without the snapshot's threads: no read command answers reply_to, so their
 * index holds only the tail's messages.
 */
export async function loadState(
  layout: Layout,
  threadTtl = DEFAULT_THREAD_TTL_MS,
  warn: (t: string) => void = (t) => process.stderr.write(`mailroom: ${t}\n`),
): Promise<BusState> {
  return (await loadFolded(layout.snapshots, layout.events, threadTtl, warn, { threads: false })).state;
}
