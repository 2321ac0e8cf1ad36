/**
 * What the daemon knows, folded from the event log: the board, the threads (for reply_to),
 * messages accepted but not yet delivered (recovery), rejected ones (recovery of their dead
 * letter), and the unread alerts already sent. Deterministic; no I/O.
 */
import type { BusEvent, MessageAccepted, MessageRejected } from '../../bus/events.js';
import { apply, emptyBoard, type Board } from '../../board/fold.js';
import type { ThreadInfo } from '../decide/accept.js';
import { applyRuntime, emptyRuntime, type Runtime } from './runs.js';
import { applyGovernance, emptyGovernance, type GovernanceState } from './governance.js';
import { applyForwarding, type Forwarding } from '../bridge/pending.js';

export interface BusState {
  board: Board;
  threads: Map<string, ThreadInfo>;
  undelivered: Map<string, MessageAccepted>;
  rejected: Map<string, MessageRejected>;
  alerted: Set<string>;
  runtime: Runtime;
  /** Held messages, pauses, rate windows, the task tree (state/governance.ts). */
  governance: GovernanceState;
  /** Messages with recipients at other orgs not yet acknowledged by the bridge's server. */
  forwarding: Forwarding;
  /** The sha256 of the config the last config.changed event names. */
  configSha: string | null;
  /** The newest config.refused after the last config.changed, if any. */
  configRefused: { time: string; problems: string[]; running: number } | null;
  lastSeq: number;
  lastTime: string | null;
}

export function emptyState(): BusState {
  return {
    board: emptyBoard(),
    threads: new Map(),
    undelivered: new Map(),
    rejected: new Map(),
    alerted: new Set(),
    runtime: emptyRuntime(),
    governance: emptyGovernance(),
    forwarding: new Map(),
    configSha: null,
    configRefused: null,
    lastSeq: 0,
    lastTime: null,
  };
}

export function alertKey(message: string, agent: string): string {
  return `${message}:${agent}`;
}

export function applyToState(s: BusState, e: BusEvent): BusState {
  s.board = apply(s.board, e);
  applyRuntime(s.runtime, e);
  applyForwarding(s.forwarding, e);
  s.lastSeq = e.seq;
  s.lastTime = e.time;
  switch (e.type) {
    case 'message.accepted':
      s.threads.set(e.id, { thread: e.thread, hops: e.hops, from: e.from });
      s.undelivered.set(e.id, e);
      break;
    case 'message.delivered':
      s.undelivered.delete(e.id);
      break;
    case 'message.rejected':
      s.rejected.set(e.id, e);
      break;
    case 'config.changed':
      s.configSha = e.sha256;
      s.configRefused = null;
      break;
    case 'config.refused':
      s.configRefused = { time: e.time, problems: e.problems, running: e.running };
      break;
    case 'alert.sent':
      s.alerted.add(alertKey(e.message, e.agent));
      break;
    default:
      break;
  }
  applyGovernance(s.governance, e, s.undelivered);
  return s;
}

export function foldState(events: Iterable<BusEvent>): BusState {
  const s = emptyState();
  for (const e of events) applyToState(s, e);
  return s;
}
