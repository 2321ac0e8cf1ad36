/**
 * The page's read model from the org's files, through the same views `status` and `board`
 * use (runtime/views/inspect.ts). Reads only; works whether or not a daemon runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isIgnoredName } from '../../bus/names.js';
import type { Layout } from '../../workspaces/layout.js';
import { loadConfigOrLastGood, loadState, orgStatus } from '../views/inspect.js';
import { pageModel, type PageModel } from './model.js';

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
  const { events, state } = loadState(layout);
  const status = orgStatus(layout, config, events, state, now, configStatus);
  return pageModel({ status, state, events, config, held: held(layout), now });
}
