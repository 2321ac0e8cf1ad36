/**
 * A snapshot of the folded state, so that start-up and the CLI replay only the events after it.
 * Pure: text in, state out (and back); the file handling is runtime/daemon/snapshots.ts.
 *
 * The file is a header line `{format, seq, time, position, sha256, threads_sha256, threads_bytes}`,
 * the state as one line of JSON without the threads, then the threads (thread-index.ts): a line
 * of JSON (names and counts) and `threads_bytes` bytes of binary columns, and a last newline.
 * `position` is where the event after `seq` starts in the log (segment and byte offset), so the
 * tail is read without parsing what came before. The sha256s of the state and of the threads
 * guard against a torn or edited file: parseSnapshot throws SnapshotCorrupt, and the caller takes
 * an older one. Readers that never answer reply_to (the CLI) do not decode the threads
 * (`threads: false`) and get an empty index, filled by the tail only. Maps are written as arrays of entries in their
 * order (the sweeps of forget.ts depend on it), so fold(snapshot) + tail is the fold of the whole
 * log, value for value. A snapshot of another format is refused (then the log is replayed).
 */
import { createHash } from 'node:crypto';
import type { MessageAccepted, MessageRejected } from '../../bus/events.js';
import type { Board } from '../../board/fold.js';
import { emptyGovernance, type GovernanceState } from './governance.js';
import { ThreadIndex, type ThreadsMeta } from './thread-index.js';
import { runKey, type LaneState, type Run } from './runs.js';
import type { AlertMark, BusState } from './state.js';

export const SNAPSHOT_FORMAT = 3;

export interface LogPosition {
  segment: string;
  offset: number;
}

export interface SnapshotHeader {
  format: number;
  seq: number;
  time: string | null;
  position: LogPosition;
  /** Of the state line. */
  sha256: string;
  /** Of the threads (their JSON line and their columns). */
  threads_sha256: string;
  /** The length of the threads' binary columns. */
  threads_bytes: number;
}

export class SnapshotCorrupt extends Error {
  override name = 'SnapshotCorrupt';
}

interface Body {
  board: Board;
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

const sha = (...parts: Array<string | Uint8Array>) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

function body(s: BusState): Body {
  const rt = s.runtime;
  return {
    ...{
      board: s.board,
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

export function snapshotBytes(s: BusState, position: LogPosition): Buffer {
  const text = JSON.stringify(body(s));
  const { meta, columns } = s.threads.serialise();
  const threads = `${JSON.stringify(meta)}\n`;
  const header: SnapshotHeader = {
    format: SNAPSHOT_FORMAT,
    seq: s.lastSeq,
    time: s.lastTime,
    position,
    sha256: sha(text),
    threads_sha256: sha(threads, columns),
    threads_bytes: columns.length,
  };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n${text}\n${threads}`), columns, Buffer.from('\n')]);
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

/** The threads, checked: `from` is where their JSON line starts; null when the file does not hold them whole. */
function threadsOf(
  buf: Buffer,
  from: number,
  header: SnapshotHeader,
  wanted: boolean,
  file: SnapshotTail | undefined,
): ThreadIndex | null {
  const nl = buf.indexOf(10, from);
  const end = nl + 1 + header.threads_bytes;
  const size = file?.size ?? buf.length;
  const last = file ? file.last : buf[end];
  if (nl === -1 || !Number.isInteger(header.threads_bytes) || end !== size - 1 || last !== 10) return null;
  if (!wanted) return new ThreadIndex();
  const columns = buf.subarray(nl + 1, end);
  if (sha(buf.subarray(from, nl + 1), columns) !== header.threads_sha256) return null;
  try {
    return ThreadIndex.deserialise(JSON.parse(buf.toString('utf8', from, nl)) as ThreadsMeta, columns);
  } catch (err) {
    throw new SnapshotCorrupt(`its threads cannot be read (${(err as Error).message}); seq ${header.seq}`);
  }
}

/** A snapshot file's size and last byte, when `parseSnapshot` is given only its first three lines. */
export interface SnapshotTail {
  size: number;
  last: number | undefined;
}

/**
 * The state a snapshot holds; `threads: false` skips decoding the threads (an empty index
 * instead), and then `buf` may hold only the first three lines, with the file's `tail`.
 */
export function parseSnapshot(
  buf: Buffer,
  { threads: wanted = true, tail }: { threads?: boolean; tail?: SnapshotTail } = {},
): { header: SnapshotHeader; state: BusState } {
  const nl1 = buf.indexOf(10);
  const header = snapshotHeader(buf.toString('utf8', 0, nl1 === -1 ? Math.min(buf.length, 4096) : nl1));
  const nl2 = nl1 === -1 ? -1 : buf.indexOf(10, nl1 + 1);
  const line = nl2 === -1 ? null : buf.subarray(nl1 + 1, nl2);
  if (!line || sha(line) !== header.sha256)
    throw new SnapshotCorrupt(`its state does not match its sha256 (torn or edited); seq ${header.seq}`);
  const threads = threadsOf(buf, nl2 + 1, header, wanted, wanted ? undefined : tail);
  if (!threads) throw new SnapshotCorrupt(`its threads are torn or do not match their sha256; seq ${header.seq}`);
  const json = line.toString('utf8');
  const b = JSON.parse(json) as Body;
  const state: BusState = {
    board: b.board,
    threads,
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
