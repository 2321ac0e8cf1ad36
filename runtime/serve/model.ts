/**
 * What the page shows, assembled from the same views `status` and `board` print: the board in
 * columns by status (highest score first when the board has scores, else most urgent first;
 * done and cancelled the latest first), the agents, the lanes, held approvals, alerts, recent
 * events and the charts. Pure: the caller reads the files and passes the time. Times are ISO strings; the page computes ages
 * against `now`, so a model that did not change is not sent again.
 */
import { FINAL_STATUSES, TASK_STATUSES, type Task } from '../../board/fold.js';
import { byUrgency } from '../../board/render.js';
import type { BusEvent } from '../../bus/events.js';
import { formatDuration } from '../../bus/time.js';
import { OPERATOR } from '../../bus/vocabulary.js';
import type { OrgConfig } from '../config/config.js';
import { describeEvent } from '../logger.js';
import type { BusState } from '../state/state.js';
import type { OrgStatus } from '../views/inspect.js';
import type { LaneView } from '../views/why.js';
import { chartSeries, type Series, type SeriesFrom } from './series.js';

export interface PageTask {
  id: string;
  title: string;
  owner: string | null;
  creator: string;
  priority: string;
  created: string;
  updated: string;
  /** The governance score, when the board has one; null until then (order is by priority). */
  score: number | null;
}

export interface PageAgent {
  name: string;
  inbox: number;
  outbox: number;
  /** When the oldest unread message was sent, and its priority. */
  oldest_unread: string | null;
  oldest_priority: string | null;
  lane: string | null;
  /** null: no handler (an external agent or the operator). */
  jailed: boolean | null;
  note: string;
}

export interface Alert {
  level: 'error' | 'warn' | 'info';
  text: string;
  time?: string;
}

export interface PageModel {
  org: string;
  daemon: { running: boolean; pid: number | null };
  counts: { events: number; spool: number; deadletter: number; last_event: string | null };
  /** `more`: tasks in that status not shown (done and cancelled show the latest). */
  columns: Array<{ status: string; tasks: PageTask[]; more: number }>;
  agents: PageAgent[];
  lanes: LaneView[];
  /** Files in bus/held/, or null when that folder does not exist or is empty. */
  held: string[] | null;
  alerts: Alert[];
  events: Array<{ seq: number; time: string; type: string; text: string }>;
  charts: Series;
}

export interface ModelInput {
  status: OrgStatus;
  state: BusState;
  events: readonly BusEvent[];
  config: OrgConfig;
  held: string[];
  now: number;
  /** When `events` are a tail of the log: the runtime before them, and where a cap cut them (recent.ts). */
  from?: SeriesFrom;
}

export const RECENT_EVENTS = 40;

function scoreOf(t: Task): number | null {
  const s = (t as Task & { score?: unknown }).score;
  return typeof s === 'number' && Number.isFinite(s) ? s : null;
}

/** Open columns show this many tasks; done and cancelled the most recently finished ones. */
export const COLUMN_CAP = { open: 100, final: 20 } as const;

function byScoreThenUrgency(a: Task, b: Task): number {
  return (scoreOf(b) ?? 0) - (scoreOf(a) ?? 0) || byUrgency(a, b);
}

export function columns(tasks: readonly Task[]): PageModel['columns'] {
  return TASK_STATUSES.map((status) => {
    const final = FINAL_STATUSES.includes(status);
    const all = tasks
      .filter((t) => t.status === status)
      .sort(final ? (a, b) => b.updated.localeCompare(a.updated) || byUrgency(a, b) : byScoreThenUrgency);
    const shown = all.slice(0, final ? COLUMN_CAP.final : COLUMN_CAP.open);
    return {
      status,
      tasks: shown.map((t) => ({
        id: t.id,
        title: t.title,
        owner: t.owner,
        creator: t.creator,
        priority: t.priority,
        created: t.created,
        updated: t.updated,
        score: scoreOf(t),
      })),
      more: all.length - shown.length,
    };
  });
}

function agents(status: OrgStatus, config: OrgConfig): PageAgent[] {
  return status.agents.map((a) => {
    const cfg = a.name === OPERATOR ? undefined : config.agents[a.name];
    const handler = status.handlers.find((h) => h.agent === a.name);
    return {
      name: a.name,
      inbox: a.inbox,
      outbox: a.outbox,
      oldest_unread: a.oldest?.sent ?? null,
      oldest_priority: a.oldest?.priority ?? null,
      lane: cfg?.lane ?? null,
      jailed: handler ? handler.jailed : null,
      note: handler ? handler.note : a.name === OPERATOR ? 'the people' : 'external (no command:)',
    };
  });
}

export function alerts(status: OrgStatus, events: readonly BusEvent[]): Alert[] {
  const out: Alert[] = [];
  if (!status.daemon.running)
    out.push({ level: 'error', text: 'The daemon is not running: nothing is delivered until `mailroom start`.' });
  if (status.config.invalid)
    out.push({
      level: 'error',
      text: `mailroom.yaml is not valid; the daemon keeps version ${status.config.version}: ${status.config.invalid.join('; ')}`,
    });
  for (const h of status.handlers.filter((x) => !x.jailed))
    out.push({ level: 'warn', text: `${h.agent} runs unjailed: ${h.note}` });
  for (const u of status.stuck)
    out.push({
      level: 'warn',
      text: `${u.agent}: ${u.id} (${u.priority}) unread for ${formatDuration(u.age_ms)}`,
      time: u.sent,
    });
  for (const w of status.warnings)
    out.push({
      level: 'warn',
      text: `${w.agent}: ${w.id} waited ${formatDuration(w.waited_ms)} for a handler run: ${w.why}`,
    });
  if (status.deadletter)
    out.push({ level: 'info', text: `${status.deadletter} file(s) in bus/deadletter/, each beside its reason` });
  const sent = events
    .filter((e) => e.type === 'alert.sent')
    .slice(-10)
    .reverse();
  for (const e of sent)
    if (e.type === 'alert.sent')
      out.push({
        level: 'info',
        text: `alerted ${OPERATOR}: ${e.message} unread by ${e.agent} for ${formatDuration(e.age)}`,
        time: e.time,
      });
  return out;
}

export function pageModel(input: ModelInput): PageModel {
  const { status, state, events, config, held, now, from } = input;
  return {
    org: status.root,
    daemon: status.daemon,
    counts: {
      events: status.events.count,
      spool: status.spool,
      deadletter: status.deadletter,
      last_event: status.events.last_time,
    },
    columns: columns(state.board.tasks),
    agents: agents(status, config),
    lanes: status.lanes,
    held: held.length ? held : null,
    alerts: alerts(status, events),
    events: events
      .slice(-RECENT_EVENTS)
      .reverse()
      .map((e) => ({ seq: e.seq, time: e.time, type: e.type, text: describeEvent(e).replace(/\s+/g, ' ') })),
    charts: chartSeries(events, state.board, now, undefined, from),
  };
}
