/**
 * The page's read model from the org's files, through the same views `status` and `board`
 * use (runtime/views/inspect.ts): the state from the newest snapshot and the log after it, and
 * the newest events read backwards as far as the charts need (recent.ts), never the whole log.
 * Reads only; works whether or not a daemon runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isIgnoredName } from '../../bus/names.js';
import type { Layout } from '../../workspaces/layout.js';
import { eventsBackwards } from '../../bus/store/log-tail.js';
import { foldOnSync, loadFoldedSyncAt } from '../daemon/snapshots.js';
import type { LogPosition } from '../state/snapshot.js';
import type { BusState } from '../state/state.js';
import { ThreadIndex } from '../state/thread-index.js';
import { loadConfigOrLastGood, orgStatus } from '../views/inspect.js';
import { pageModel, type PageModel } from './model.js';
import { recentCollector, runtimeBefore } from './recent.js';

/** bus/held/: approvals held for a decision (governance adds it; absent until then). */
export function heldDir(layout: Layout): string {
  return path.join(layout.bus, 'held');
}

function held(layout: Layout): string[] {
  try {
    return fs
      .readdirSync(heldDir(layout))
      .filter((n) => !isIgnoredName(n))
      .sort();
  } catch {
    return [];
  }
}

/**
 * The folded state kept between two reads of a page server: the first read loads the newest
 * snapshot and the events after it, later ones fold only the events logged since (a state
 * loaded afresh is the same, the fold being deterministic), so a refresh neither parses the
 * snapshot again nor leaves its garbage. Loaded afresh when the log does not continue where the
 * last read stopped (a segment archived by `mailroom compact`; its last bytes changed: a batch
 * the daemon could not commit was cut back and its seqs given again) or thread_ttl changed. The
 * threads are emptied after each fold: the page never looks at them, and they would grow.
 */
export class FoldedState {
  private state: BusState | null = null;
  private position: LogPosition | null = null;
  /** The log's last bytes before `position`, as read then. */
  private mark: string | null = null;
  /** How many times the state was loaded afresh (the rest were folds of the new events). */
  loads = 0;

  read(layout: Layout, threadTtl: number): BusState {
    const same = this.position !== null && bytesBefore(layout.events, this.position) === this.mark;
    if (this.state && this.position && same && this.state.threadTtl === threadTtl) {
      try {
        this.position = foldOnSync(layout.events, this.state, this.position);
        this.state.threads = new ThreadIndex();
        this.mark = bytesBefore(layout.events, this.position);
        return this.state;
      } catch {
        this.state = null; // folded part way: load afresh
      }
    }
    this.state = null;
    this.loads++;
    const loaded = loadFoldedSyncAt(layout.snapshots, layout.events, threadTtl, { threads: false });
    loaded.state.threads = new ThreadIndex();
    [this.state, this.position] = [loaded.state, loaded.position];
    this.mark = loaded.position && bytesBefore(layout.events, loaded.position);
    return loaded.state;
  }
}

/** Up to 256 bytes of the live segment before `p` (null when it is not there). */
function bytesBefore(eventsDir: string, p: LogPosition): string | null {
  const start = Math.max(0, p.offset - 256);
  const buf = Buffer.alloc(p.offset - start);
  try {
    const fd = fs.openSync(path.join(eventsDir, p.segment), 'r');
    try {
      return fs.readSync(fd, buf, 0, buf.length, start) === buf.length ? buf.toString('latin1') : null;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** The page's model now; `folded` keeps the state for the next read (a page server passes its own). */
export function readModel(layout: Layout, now: number, folded = new FoldedState()): PageModel {
  const { config, status: configStatus } = loadConfigOrLastGood(layout);
  // The state from the newest snapshot and the tail (archived segments too); the recent events
  // (the charts' window, the latest alerts) from the newest live segments, read backwards.
  const state = folded.read(layout, config.threadTtl);
  const collect = recentCollector(now, state.lastSeq);
  eventsBackwards(layout.events, collect.more);
  const { events, since } = collect.result();
  const status = orgStatus(layout, config, state, now, configStatus);
  const runtime = runtimeBefore(events, state.runtime);
  return pageModel({ status, state, events, config, held: held(layout), now, from: { runtime, since } });
}
