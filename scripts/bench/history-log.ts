/**
 * Write a synthetic history into an org (bus/events/ segments of `segmentBytes`, and the
 * snapshot the daemon would have written last), fast: events come from synthetic.ts, lines are
 * written in 4 MB chunks, the fold runs as they go. Used by `npm run bench -- --history` and by
 * the long-history test. Returns the last seq and the bytes written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeSnapshot } from '../../runtime/daemon/snapshots.js';
import { applyToState, emptyState } from '../../runtime/state/state.js';
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
  /** Write the snapshot a daemon would have written (default true). */
  snapshot?: boolean;
  /** The history ends this long before now (default 1 minute). */
  endsAgoMs?: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function writeHistory(o: HistoryOptions): { lastSeq: number; bytes: number; segments: number } {
  const dir = path.join(o.root, 'bus', 'events');
  fs.mkdirSync(dir, { recursive: true });
  const start = Date.now() - (o.endsAgoMs ?? 60_000) - o.events * o.stepMs;
  const state = emptyState(o.threadTtl);
  let segNo = 1;
  let segSize = 0;
  let bytes = 0;
  let fd = fs.openSync(path.join(dir, '000001.jsonl'), 'w', 0o600);
  let chunk: string[] = [];
  let chunkBytes = 0;
  const flush = () => {
    if (!chunk.length) return;
    const buf = Buffer.from(chunk.join(''));
    fs.writeSync(fd, buf);
    segSize += buf.length;
    bytes += buf.length;
    chunk = [];
    chunkBytes = 0;
  };
  let n = 0;
  for (const e of syntheticEvents({
    rng: mulberry32(o.seed),
    agents: o.agents,
    start,
    stepMs: o.stepMs,
    textBytes: o.textBytes,
  })) {
    if (segSize + chunkBytes >= o.segmentBytes) {
      flush();
      fs.closeSync(fd);
      segNo++;
      segSize = 0;
      fd = fs.openSync(path.join(dir, `${String(segNo).padStart(6, '0')}.jsonl`), 'w', 0o600);
    }
    const line = `${JSON.stringify(e)}\n`;
    chunk.push(line);
    chunkBytes += line.length;
    if (chunkBytes >= 4 << 20) flush();
    applyToState(state, e);
    if (++n >= o.events) break;
  }
  flush();
  fs.closeSync(fd);
  if (o.snapshot !== false)
    writeSnapshot(path.join(o.root, '.mailroom', 'snapshots'), state, {
      segment: `${String(segNo).padStart(6, '0')}.jsonl`,
      offset: segSize,
    });
  return { lastSeq: state.lastSeq, bytes, segments: segNo };
}
