/**
 * A snapshot of the folded state, so that start-up and the CLI replay only the events after it.
 * Pure: text in, state out (and back); the file handling is bus/store/snapshots.ts.
 *
 * The text is two lines: a header `{format, seq, time, position, sha256}` and the state as JSON.
 * `position` is where the event after `seq` starts in the log (segment and byte offset), so the
 * tail is read without parsing what came before. The sha256 of the second line guards against a
 * torn or edited file: parseSnapshot throws SnapshotCorrupt, and the caller takes an older one.
 * Maps are written as arrays of entries in their order (the sweeps of forget.ts depend on it),
 * so fold(snapshot) + tail is the fold of the whole log, value for value.
 */
import { createHash } from 'node:crypto';
import type { MessageAccepted, MessageRejected } from '../../bus/events.js';
import type { Board } from '../../board/fold.js';
import type { ThreadInfo } from '../decide/accept.js';
import { emptyGovernance, type GovernanceState } from './governance.js';
import { runKey, type LaneState, type Run } from './runs.js';
import type { AlertMark, BusState } from './state.js';

export const SNAPSHOT_FORMAT = 1;

export interface LogPosition {
  segment: string;
  offset: number;
}

export interface SnapshotHeader {
  format: number;
  seq: number;
  time: string | null;
  position: LogPosition;
  sha256: string;
}

export class SnapshotCorrupt extends Error {
  override name = 'SnapshotCorrupt';
}

/** A thread entry: [id, thread (0 when it is the id itself), hops, from]. */
type ThreadRow = [string, string | 0, number, string];

interface Body {
  board: Board;
  threads: ThreadRow[];
  active: Array<[string, number]>;
  order: string[];
  undelivered: MessageAccepted[];
  rejected: MessageRejected[];
  alerts: Array<[string, AlertMark]>;
  runs: Run[];
  queued: string[];
  running: string[];
  lanes: Array<[string, LaneState]>;
  busy: Array<[string, string]>;
  lastStart: Array<[string, number]>;
  ended: Array<[string, number]>;
  /** The bridge's outgoing mail: [the accepted event, the orgs still to publish to]. */
  forwarding: Array<[MessageAccepted, string[]]>;
  /** Held messages, pauses, rate windows, the task tree: plain data, kept as it is. */
  governance?: GovernanceState;
  configSha: string | null;
  configRefused: BusState['configRefused'];
  threadTtl: number;
  lastSeq: number;
  lastTime: string | null;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function body(s: BusState): Body {
  const rt = s.runtime;
  const threads: ThreadRow[] = [];
  for (const [id, t] of s.threads.byId) threads.push([id, t.thread === id ? 0 : t.thread, t.hops, t.from]);
  return {
    ...{
      board: s.board,
      threads,
      active: [...s.threads.active],
      order: s.threads.order.items.slice(s.threads.order.head),
      undelivered: [...s.undelivered.values()],
      rejected: [...s.rejected.values()],
      alerts: [...s.alerts],
    },
    ...{
      runs: [...rt.runs.values()],
      queued: [...rt.queued],
      running: [...rt.running],
      lanes: [...rt.lanes],
      busy: [...rt.busy],
      lastStart: [...rt.lastStart],
      ended: s.ended.items.slice(s.ended.head),
    },
    forwarding: [...s.forwarding.values()].map((p) => [p.event, [...p.orgs]]),
    governance: s.governance,
    ...{
      configSha: s.configSha,
      configRefused: s.configRefused,
      threadTtl: s.threadTtl,
      lastSeq: s.lastSeq,
      lastTime: s.lastTime,
    },
  };
}

export function snapshotText(s: BusState, position: LogPosition): string {
  const text = JSON.stringify(body(s));
  const header: SnapshotHeader = {
    format: SNAPSHOT_FORMAT,
    seq: s.lastSeq,
    time: s.lastTime,
    position,
    sha256: sha(text),
  };
  return `${JSON.stringify(header)}\n${text}\n`;
}

/** The header alone (cheap: for choosing a snapshot without parsing its state). */
export function snapshotHeader(text: string): SnapshotHeader {
  const nl = text.indexOf('\n');
  let h: SnapshotHeader;
  try {
    h = JSON.parse(nl === -1 ? text : text.slice(0, nl)) as SnapshotHeader;
  } catch {
    throw new SnapshotCorrupt('the header line is not JSON (a torn write?)');
  }
  if (
    h?.format !== SNAPSHOT_FORMAT ||
    typeof h.seq !== 'number' ||
    typeof h.position?.segment !== 'string' ||
    typeof h.position.offset !== 'number'
  ) {
    throw new SnapshotCorrupt(`the header is not a format-${SNAPSHOT_FORMAT} snapshot header`);
  }
  return h;
}

export function parseSnapshot(text: string): { header: SnapshotHeader; state: BusState } {
  const header = snapshotHeader(text);
  const nl = text.indexOf('\n');
  const rest = text.slice(nl + 1);
  const json = rest.endsWith('\n') ? rest.slice(0, -1) : '';
  if (!json || sha(json) !== header.sha256)
    throw new SnapshotCorrupt(`its state does not match its sha256 (torn or edited); seq ${header.seq}`);
  const b = JSON.parse(json) as Body;
  const byId = new Map<string, ThreadInfo>();
  for (const [id, thread, hops, from] of b.threads) byId.set(id, { thread: thread === 0 ? id : thread, hops, from });
  const state: BusState = {
    board: b.board,
    threads: { byId, active: new Map(b.active), order: { items: b.order, head: 0 } },
    undelivered: new Map(b.undelivered.map((e) => [e.id, e])),
    rejected: new Map(b.rejected.map((e) => [e.id, e])),
    bounces: new Map(b.rejected.map((e) => [e.bounce, e.id])),
    alerts: new Map(b.alerts),
    runtime: {
      runs: new Map(b.runs.map((r) => [runKey(r.agent, r.id), r])),
      queued: new Set(b.queued),
      running: new Set(b.running),
      lanes: new Map(b.lanes),
      busy: new Map(b.busy),
      lastStart: new Map(b.lastStart),
    },
    ended: { items: b.ended, head: 0 },
    forwarding: new Map((b.forwarding ?? []).map(([event, orgs]) => [event.id, { event, orgs: new Set(orgs) }])),
    governance: b.governance ?? emptyGovernance(),
    ...{
      configSha: b.configSha,
      configRefused: b.configRefused,
      threadTtl: b.threadTtl,
      lastSeq: b.lastSeq,
      lastTime: b.lastTime,
    },
  };
  if (state.lastSeq !== header.seq)
    throw new SnapshotCorrupt(`its state ends at seq ${state.lastSeq} but its header says ${header.seq}`);
  return { header, state };
}
