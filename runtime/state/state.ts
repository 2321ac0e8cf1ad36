/**
 * What the daemon knows, folded from the event log: the board, the threads (for reply_to),
 * messages accepted but not yet delivered (recovery), rejected ones whose dead letter and
 * bounce are not done yet (recovery of their dead letter), the unread alerts standing, and the
 * runs. Deterministic; no I/O. What finished state no longer needs leaves it (forget.ts), so
 * its size follows what is under way, not the length of the history.
 */
import type { BusEvent, MessageAccepted, MessageRejected } from '../../bus/events.js';
import type { Priority } from '../../bus/priority.js';
import { apply, emptyBoard, type Board } from '../../board/fold.js';
import { emptyQueue, sweepHeld, sweepRuns, sweepThreads, type Ended } from './forget.js';
import { ThreadIndex } from './thread-index.js';
import type { ThreadInfo } from '../decide/accept.js';
import { applyRuntime, emptyRuntime, runKey, type Runtime } from './runs.js';
import { applyGovernance, emptyGovernance, type GovernanceState } from './governance.js';
import { applyForwarding, type Forwarding } from '../bridge/pending.js';

export const DEFAULT_THREAD_TTL_MS = 7 * 86_400_000;

/** The standing unread alert of one agent and priority. */
export interface AlertMark {
  count: number;
  /** The oldest unread message's id when the alert was sent. */
  oldest: string;
  time: string;
}

export interface BusState {
  board: Board;
  /** The messages of threads active within thread_ttl (reply_to; and "was it accepted?" for recovery). */
  threads: ThreadIndex;
  undelivered: Map<string, MessageAccepted>;
  /** Rejections whose bounce is not delivered yet (so their dead letter may still be to move). */
  rejected: Map<string, MessageRejected>;
  /** bounce id -> the rejected message's id. */
  bounces: Map<string, string>;
  /** alertKey(agent, priority) -> the standing alert. */
  alerts: Map<string, AlertMark>;
  runtime: Runtime;
  /** Runs that ended ([key, ms]), oldest first; forgotten RUN_KEEP_MS later. */
  ended: Ended;
  /** Held messages, pauses, rate windows, the task tree (state/governance.ts). */
  governance: GovernanceState;
  /** Messages with recipients at other orgs not yet acknowledged by the bridge's server. */
  forwarding: Forwarding;
  /** The sha256 of the config the last config.changed event names. */
  configSha: string | null;
  /** The newest config.refused after the last config.changed, if any. */
  configRefused: { time: string; problems: string[]; running: number } | null;
  /** How long an idle thread is remembered (ms): a setting of the fold, from thread_ttl. */
  threadTtl: number;
  lastSeq: number;
  lastTime: string | null;
}

export function emptyState(threadTtl = DEFAULT_THREAD_TTL_MS): BusState {
  return {
    ...{
      board: emptyBoard(),
      threads: new ThreadIndex(),
      undelivered: new Map(),
      rejected: new Map(),
      bounces: new Map(),
    },
    ...{
      alerts: new Map(),
      runtime: emptyRuntime(),
      governance: emptyGovernance(),
      ended: emptyQueue<[string, number]>(),
      forwarding: new Map(),
      configSha: null,
      configRefused: null,
    },
    ...{ threadTtl, lastSeq: 0, lastTime: null },
  };
}

export function alertKey(agent: string, priority: Priority): string {
  return `${agent}:${priority}`;
}

function message(s: BusState, e: BusEvent, t: number): void {
  switch (e.type) {
    case 'message.accepted':
      s.threads.note(e.id, { thread: e.thread, hops: e.hops, from: e.from }, Math.floor(t / 1000));
      s.undelivered.set(e.id, e);
      break;
    case 'message.delivered': {
      s.undelivered.delete(e.id);
      const rejected = s.bounces.get(e.id);
      if (rejected !== undefined) {
        s.bounces.delete(e.id);
        s.rejected.delete(rejected);
      }
      break;
    }
    case 'message.rejected':
      s.rejected.set(e.id, e);
      s.bounces.set(e.bounce, e.id);
      break;
    default:
      break;
  }
}

function runEnded(s: BusState, e: BusEvent, t: number): void {
  if (e.type === 'handler.succeeded' || e.type === 'handler.cancelled' || (e.type === 'handler.failed' && e.final))
    s.ended.items.push([runKey(e.agent, e.id), t]);
}

/** reply_to's view of the threads: a message of a thread idle past thread_ttl at `nowMs` is unknown. */
export function threadLookup(s: BusState, nowMs: number): { get(id: string): ThreadInfo | undefined } {
  const nowS = Math.floor(nowMs / 1000);
  const ttlS = Math.floor(s.threadTtl / 1000);
  return { get: (id) => s.threads.get(id, nowS, ttlS) };
}

export function applyToState(s: BusState, e: BusEvent): BusState {
  s.board = apply(s.board, e);
  applyRuntime(s.runtime, e);
  applyForwarding(s.forwarding, e);
  s.lastSeq = e.seq;
  s.lastTime = e.time;
  const t = Date.parse(e.time);
  message(s, e, t);
  runEnded(s, e, t);
  switch (e.type) {
    case 'config.changed':
      s.configSha = e.sha256;
      s.configRefused = null;
      break;
    case 'config.refused':
      s.configRefused = { time: e.time, problems: e.problems, running: e.running };
      break;
    case 'alert.sent':
      if (e.priority !== undefined && e.count !== undefined)
        s.alerts.set(alertKey(e.agent, e.priority), { count: e.count, oldest: e.message, time: e.time });
      break;
    case 'alert.cleared':
      s.alerts.delete(alertKey(e.agent, e.priority));
      break;
    default:
      break;
  }
  applyGovernance(s.governance, e, s.undelivered);
  sweepThreads(s.threads, Math.floor(t / 1000), Math.floor(s.threadTtl / 1000));
  sweepRuns(s.runtime, s.ended, t);
  sweepHeld(s.governance, e.time);
  return s;
}

export function foldState(events: Iterable<BusEvent>, threadTtl?: number): BusState {
  const s = emptyState(threadTtl);
  for (const e of events) applyToState(s, e);
  return s;
}
