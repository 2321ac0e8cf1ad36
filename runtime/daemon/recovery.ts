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
import { deadLetter, keptName, writeReason } from '../../bus/store/deadletter.js';
import { parseSpoolName, spoolName, unlinkQuiet } from '../../bus/store/spool.js';
import { Dir, Refused } from '../../workspaces/hostile-fs.js';
import type { Layout } from '../../workspaces/layout.js';
import type { MessageRejected } from '../../bus/events.js';
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

function moveRejected({ layout, state, agents, logger }: RecoveryDeps): void {
  const exists = (p: string) => fs.lstatSync(p, { throwIfNoEntry: false }) ?? null;
  // Moved, but killed before its reason was written: the reason alone is written now.
  const reasonMissing = (r: MessageRejected) => {
    const kept = path.join(layout.deadletter, keptName(r.id, r.origin));
    return exists(kept) !== null && exists(`${kept}.reason.md`) === null;
  };
  for (const r of state.rejected.values()) {
    if (r.source !== 'outbox') continue;
    const spooled = path.join(layout.spool, spoolName(r.id, r.from, r.origin));
    if (exists(spooled)) deadLetter(layout.deadletter, spooled, r, `workspaces/${r.from}/outbox/`);
    else if (reasonMissing(r)) writeReason(layout.deadletter, r, `workspaces/${r.from}/outbox/`);
  }
  const drops = [...state.rejected.values()].filter((r) => r.source === 'inbox' && r.originIno !== undefined);
  if (drops.length === 0) return;
  for (const agent of agents) {
    // A person's drop rejected in place: move it if that very file is still there, through the inbox's descriptor.
    const inbox = layout.inbox(agent);
    const box = openMailbox(inbox, logger);
    if (!box) continue;
    try {
      for (const r of drops) {
        if (r.origin.includes('/') || r.origin === '.' || r.origin === '..') continue; // never a plain name: nothing of it in an inbox
        const ref = box.at(r.origin);
        if (exists(ref)?.ino === r.originIno) deadLetter(layout.deadletter, ref, r, `workspaces/${agent}/inbox/`);
        else if (reasonMissing(r)) writeReason(layout.deadletter, r, `workspaces/${agent}/inbox/`);
      }
    } finally {
      box.close();
    }
  }
}

/** An inbox through its descriptor, or null (said) when it is a link or not a folder. */
function openMailbox(dir: string, logger: Logger): Dir | null {
  try {
    return Dir.open(dir, dir);
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    if (err.kind !== 'missing') logger.warn(`recovery skips ${dir}: ${err.message}`);
    return null;
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
    if (state.threads.has(sp.id)) {
      if (!state.forwarding.has(sp.id)) unlinkQuiet(p); // else: it waits for the bridge
    } else if (!state.rejected.has(sp.id)) undecided.push(p);
  }
  return undecided;
}
