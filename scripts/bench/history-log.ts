/**
 * Write a synthetic history into an org as its daemon would have left it, fast: bus/events/
 * segments of `segmentBytes` (lines written in 4 MB chunks), the board's archiving every
 * `snapshotEvery` events (board.archived events in the log, board/archive/ files), and the
 * snapshot of the last event. Events come from synthetic.ts; the fold runs as they go. With
 * `archiveSegments`, every segment but the last is gzipped into bus/archive/ (what `mailroom
 * compact` does). Used by `npm run bench -- --history` and by the long-history test. Returns the
 * last seq, the bytes written and the number of segments.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BusEvent } from '../../bus/events.js';
import { archiveEvents } from '../../board/archive.js';
import type { DoneRule } from '../../board/done.js';
import { archiveDir, archivedName } from '../../bus/store/log-read.js';
import { appendArchived } from '../../runtime/daemon/board-archive.js';
import { writeSnapshot } from '../../runtime/daemon/snapshots.js';
import { ThreadStore } from '../../runtime/daemon/thread-store.js';
import { applyToState, emptyState, type BusState } from '../../runtime/state/state.js';
import { Layout } from '../../workspaces/layout.js';
import { syntheticEvents } from './synthetic.js';

export interface HistoryOptions {
  root: string;
  agents: readonly string[];
  events: number;
  seed: number;
  /** Average ms between events (the history spans events × stepMs). */
  stepMs: number;
  textBytes: number;
  segmentBytes: number;
  threadTtl: number;
  /** board_done_after (default 7 days). */
  doneAfter?: number;
  /** board_done_max (default 1000, as the daemon's). */
  doneMax?: number;
  /** snapshot_every: the board is archived this often (default 10,000). */
  snapshotEvery?: number;
  /** Write the snapshot a daemon would have written (default true). */
  snapshot?: boolean;
  /** Gzip every segment but the last into bus/archive/, as `mailroom compact` does (default false). */
  archiveSegments?: boolean;
  /** The history ends this long before now (default 1 minute). */
  endsAgoMs?: number;
  /**
   * Fold only the events from this seq on (default: all): the older ones are written and nothing
   * else, about three times as fast. The snapshot is then the fold of the recent history only (no
   * task, thread or count from before), which is enough where only start-up's independence from
   * the old history is measured (the long-history test); the benchmark folds everything.
   */
  foldFrom?: number;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const segName = (n: number) => `${String(n).padStart(6, '0')}.jsonl`;

/** Segments written in chunks; a segment is closed past segmentBytes, at a chunk's end. */
class Segments {
  n = 1;
  size = 0;
  bytes = 0;
  private fd: number;
  /** Lines are written into this buffer (no strings joined) and flushed when it is nearly full. */
  private readonly chunk = Buffer.allocUnsafe(4 << 20);
  private chunkBytes = 0;

  constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private readonly archive: boolean,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    this.fd = fs.openSync(path.join(dir, segName(1)), 'w', 0o600);
  }

  add(line: string): void {
    if (this.size + this.chunkBytes >= this.segmentBytes) this.next();
    if (this.chunkBytes + 3 * line.length > this.chunk.length) this.flush();
    if (3 * line.length > this.chunk.length) {
      const big = Buffer.from(line);
      fs.writeSync(this.fd, big);
      this.size += big.length;
      this.bytes += big.length;
      return;
    }
    this.chunkBytes += this.chunk.write(line, this.chunkBytes);
  }

  flush(): void {
    if (!this.chunkBytes) return;
    fs.writeSync(this.fd, this.chunk, 0, this.chunkBytes);
    this.size += this.chunkBytes;
    this.bytes += this.chunkBytes;
    this.chunkBytes = 0;
  }

  private next(): void {
    this.flush();
    fs.closeSync(this.fd);
    if (this.archive) {
      const live = path.join(this.dir, segName(this.n));
      fs.mkdirSync(archiveDir(this.dir), { recursive: true });
      fs.writeFileSync(
        path.join(archiveDir(this.dir), archivedName(segName(this.n))),
        gzipSync(fs.readFileSync(live), { level: 1 }),
      );
      fs.unlinkSync(live);
    }
    this.n++;
    this.size = 0;
    this.fd = fs.openSync(path.join(this.dir, segName(this.n)), 'w', 0o600);
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

/** The daemon's archiving before a snapshot: board.archived events, folded, logged and written to board/archive/. */
function archiveBoard(state: BusState, layout: Layout, done: DoneRule, out: Segments): void {
  for (const a of archiveEvents(state.board, done, state.lastTime!)) {
    const e = { ...a, seq: state.lastSeq + 1 } as BusEvent;
    applyToState(state, e);
    out.add(`${JSON.stringify(e)}\n`);
    if (e.type === 'board.archived') appendArchived(layout, e);
  }
}

export function writeHistory(o: HistoryOptions): { lastSeq: number; bytes: number; segments: number } {
  const layout = new Layout(o.root);
  const out = new Segments(layout.events, o.segmentBytes, o.archiveSegments ?? false);
  const start = Date.now() - (o.endsAgoMs ?? 60_000) - o.events * o.stepMs;
  const state = emptyState(o.threadTtl);
  const store = ThreadStore.open(layout.threadStore, (t) => process.stderr.write(`${t}\n`));
  state.threads.cold = store; // as the daemon folds: memory keeps the last minutes of threads
  const every = o.snapshotEvery ?? 10_000;
  const done: DoneRule = { after: o.doneAfter ?? 7 * 86_400_000, max: o.doneMax ?? 1000 };
  let due = every;
  const g = syntheticEvents({
    rng: mulberry32(o.seed),
    agents: o.agents,
    start,
    stepMs: o.stepMs,
    textBytes: o.textBytes,
  });
  let seq = 0;
  for (const e of g) {
    e.seq = ++seq; // renumbered: the archiving's events come between the generator's
    out.add(`${JSON.stringify(e)}\n`);
    if (seq < (o.foldFrom ?? 0)) continue; // old history, written only
    applyToState(state, e);
    if (state.lastSeq >= o.events) break;
    if (state.lastSeq % 500 === 0) store.flush(); // as the daemon's commits do (each also expires idle threads)
    if (state.lastSeq >= due) {
      archiveBoard(state, layout, done, out);
      due = state.lastSeq - (state.lastSeq % every) + every;
    }
    seq = state.lastSeq;
  }
  archiveBoard(state, layout, done, out);
  out.close();
  store.close();
  if (o.snapshot !== false) writeSnapshot(layout.snapshots, state, { segment: segName(out.n), offset: out.size });
  return { lastSeq: state.lastSeq, bytes: out.bytes, segments: out.n };
}
