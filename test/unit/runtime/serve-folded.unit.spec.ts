/**
 * The page server's folded state (runtime/serve/read.ts FoldedState): after the first read it
 * folds only the events logged since, and must equal a state loaded afresh (snapshot + tail), byte
 * for byte as a snapshot, through appends, a torn last line, a new segment, and a compaction that
 * archives the segment it had stopped in (then it loads afresh).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../../../bus/events.js';
import { loadFoldedSyncAt, writeSnapshot } from '../../../runtime/daemon/snapshots.js';
import { FoldedState } from '../../../runtime/serve/read.js';
import { snapshotBytes } from '../../../runtime/state/snapshot.js';
import { foldState, type BusState } from '../../../runtime/state/state.js';
import { ThreadIndex } from '../../../runtime/state/thread-index.js';
import { Layout } from '../../../workspaces/layout.js';
import { mulberry32 } from '../../../scripts/bench/history-log.js';
import { syntheticEvents } from '../../../scripts/bench/synthetic.js';

const TTL = 7 * 86_400_000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-serve-folded-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function history(n: number): BusEvent[] {
  const out: BusEvent[] = [];
  const gen = syntheticEvents({
    rng: mulberry32(5),
    agents: ['ann', 'bob', 'cfo'],
    start: Date.parse('2026-11-01T00:00:00Z'),
    stepMs: 2000,
    textBytes: 40,
  });
  for (const e of gen) if (out.push(e) >= n) break;
  return out;
}

const text = (es: BusEvent[]) => es.map((e) => `${JSON.stringify(e)}\n`).join('');
const POS = { segment: '000001.jsonl', offset: 0 };
/** A state as bytes (threads emptied: the page server keeps none). */
function bytes(s: BusState): string {
  s.threads = new ThreadIndex();
  return snapshotBytes(s, POS).toString('latin1');
}
/** What a fresh load (the newest snapshot, the tail) folds to now. */
const fresh = (layout: Layout) =>
  bytes(loadFoldedSyncAt(layout.snapshots, layout.events, TTL, { threads: false }).state);

describe('FoldedState', () => {
  const events = history(4000);
  const layout = new Layout(path.join(tmp, 'org'));
  const seg = (n: number) => path.join(layout.events, `00000${n}.jsonl`);
  fs.mkdirSync(layout.events, { recursive: true });
  const folded = new FoldedState();
  const read = () => bytes(folded.read(layout, TTL));

  it('first read: the snapshot and the tail after it', () => {
    fs.writeFileSync(seg(1), text(events.slice(0, 1000)));
    writeSnapshot(layout.snapshots, foldState(events.slice(0, 1000), TTL), {
      segment: '000001.jsonl',
      offset: fs.statSync(seg(1)).size,
    });
    fs.appendFileSync(seg(1), text(events.slice(1000, 1500)));
    expect(read()).toBe(fresh(layout));
    expect(folded.read(layout, TTL).lastSeq).toBe(events[1499]!.seq);
    expect(folded.loads).toBe(1);
  });
  it('then only what was appended, a torn last line left for later', () => {
    const torn = JSON.stringify(events[2000]).slice(0, 30);
    fs.appendFileSync(seg(1), text(events.slice(1500, 2000)) + torn);
    expect(read()).toBe(fresh(layout));
    expect(folded.read(layout, TTL).lastSeq).toBe(events[1999]!.seq);
    fs.appendFileSync(seg(1), `${JSON.stringify(events[2000]).slice(30)}\n`);
    fs.writeFileSync(seg(2), text(events.slice(2001, 2500))); // the log rotated
    expect(read()).toBe(fresh(layout));
    expect(folded.read(layout, TTL).lastSeq).toBe(events[2499]!.seq);
    expect(folded.loads).toBe(1); // no load afresh: only the new bytes were folded
  });
  it('after a compaction archived the segment it stopped in (000002), loads afresh', () => {
    fs.writeFileSync(seg(3), text(events.slice(2500, 3000)));
    writeSnapshot(layout.snapshots, foldState(events.slice(0, 3000), TTL), {
      segment: '000003.jsonl',
      offset: fs.statSync(seg(3)).size,
    });
    const archive = path.join(layout.bus, 'archive');
    fs.mkdirSync(archive, { recursive: true });
    for (const n of [1, 2]) {
      fs.writeFileSync(path.join(archive, `00000${n}.jsonl.gz`), gzipSync(fs.readFileSync(seg(n))));
      fs.rmSync(seg(n));
    }
    fs.appendFileSync(seg(3), text(events.slice(3000, 3500)));
    expect(read()).toBe(fresh(layout));
    expect(folded.read(layout, TTL).lastSeq).toBe(events[3499]!.seq);
    expect(folded.loads).toBe(2);
  });
  it('after a batch was cut back and its seqs given again (the same length), loads afresh', () => {
    const size = fs.statSync(seg(3)).size;
    const lines = text(events.slice(3000, 3500)).split('\n');
    // the daemon's batch (the last 2 events) read, then cut back and written again otherwise
    const last = `${lines.at(-2)}\n`;
    const other = last.replace(/"time":"[^"]*"/, (t) =>
      t.replace(/\d(?=\.\d{3}Z)/, (d) => String((Number(d) + 1) % 10)),
    );
    expect(other).not.toBe(last);
    expect(other.length).toBe(last.length);
    fs.truncateSync(seg(3), size - last.length);
    fs.appendFileSync(seg(3), other);
    expect(read()).toBe(fresh(layout));
    expect(folded.loads).toBe(3);
  });
  it('the state it keeps differs from a stale one (the test can fail)', () => {
    const before = read();
    fs.appendFileSync(seg(3), text(events.slice(3500, 4000)));
    expect(before).not.toBe(fresh(layout));
    expect(read()).toBe(fresh(layout));
  });
});
