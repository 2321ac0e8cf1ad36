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
import { loadFoldedSync } from '../daemon/snapshots.js';
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

export function readModel(layout: Layout, now: number): PageModel {
  const { config, status: configStatus } = loadConfigOrLastGood(layout);
  // The state from the newest snapshot and the tail (archived segments too); the recent events
  // (the charts' window, the latest alerts) from the newest live segments, read backwards.
  const state = loadFoldedSync(layout.snapshots, layout.events, config.threadTtl, { threads: false });
  const collect = recentCollector(now, state.lastSeq);
  eventsBackwards(layout.events, collect.more);
  const { events, since } = collect.result();
  const status = orgStatus(layout, config, state, now, configStatus);
  const runtime = runtimeBefore(events, state.runtime);
  return pageModel({ status, state, events, config, held: held(layout), now, from: { runtime, since } });
}
