/**
 * Recovery at start-up: finish whatever a crash interrupted, using the log as the record of
 * what was decided.
 *   - a rejection whose original did not reach bus/deadletter/ yet: moved there now
 *   - accepted, not yet delivered: delivered again (a repeat finds the copies by name)
 *   - staging files of finished messages, spool files of delivered ones: removed
 *   - spool files never decided: returned, to be decided like new mail
 */
import fs from 'node:fs';
import path from 'node:path';
import { deadLetter } from '../../bus/store/deadletter.js';
import { parseSpoolName, spoolName, unlinkQuiet } from '../../bus/store/spool.js';
import type { Layout } from '../../workspaces/layout.js';
import type { Logger } from '../logger.js';
import type { BusState } from '../state/state.js';

export interface RecoveryDeps {
  layout: Layout;
  state: BusState;
  agents: string[];
  logger: Logger;
  /** Deliver what is accepted but undelivered, without starting runs; returns how many. */
  redeliver: () => number;
}

/** Returns the spool files that were never decided. */
export function recover(d: RecoveryDeps): string[] {
  moveRejected(d);
  const recovered = d.redeliver();
  if (recovered) d.logger.info(`recovered ${recovered} message(s) accepted before a stop but not yet delivered`);
  return removeDebris(d);
}

function moveRejected({ layout, state, agents }: RecoveryDeps): void {
  const exists = (p: string) => fs.lstatSync(p, { throwIfNoEntry: false }) ?? null;
  for (const r of state.rejected.values()) {
    if (r.source !== 'outbox') continue;
    const spooled = path.join(layout.spool, spoolName(r.id, r.from, r.origin));
    if (exists(spooled)) deadLetter(layout.deadletter, spooled, r, `workspaces/${r.from}/outbox/`);
  }
  for (const r of state.rejected.values()) {
    if (r.source !== 'inbox' || r.originIno === undefined) continue;
    // A person's drop rejected in place: move it if that very file is still there.
    for (const agent of agents) {
      const p = path.join(layout.inbox(agent), r.origin);
      if (exists(p)?.ino === r.originIno) deadLetter(layout.deadletter, p, r, `workspaces/${agent}/inbox/`);
    }
  }
}

function removeDebris({ layout, state, logger }: RecoveryDeps): string[] {
  for (const name of fs.readdirSync(layout.staging)) {
    const id = name.split('.')[0]!;
    if (!state.undelivered.has(id)) unlinkQuiet(path.join(layout.staging, name));
  }
  const undecided: string[] = [];
  for (const name of fs.readdirSync(layout.spool)) {
    const sp = parseSpoolName(name);
    const p = path.join(layout.spool, name);
    if (!sp) {
      logger.warn(`bus/spool/${name} is not a spool file of mailroom's; it is left alone`);
      continue;
    }
    if (state.threads.byId.has(sp.id)) unlinkQuiet(p);
    else if (!state.rejected.has(sp.id)) undecided.push(p);
  }
  return undecided;
}
