/**
 * Start-up checks over queued files: a file in an inbox whose name has the shape of a
 * delivered message (`<rank>-<word>-<time>-...`) but a priority or rank that is not
 * canonical means some other component wrote names the daemon does not recognise (the
 * `-urgent.md` vs `-P1.md` failure). Start-up stops and names each such file. And the
 * handlers that run without the jail, said at start-up.
 */
import { allowedPriorities } from '../../bus/priority.js';
import { escapeRawName, parseInboxName } from '../../bus/names.js';
import { Dir } from '../../workspaces/hostile-fs.js';
import type { Layout } from '../../workspaces/layout.js';
import { jailFor } from '../../workspaces/jail.js';
import type { OrgConfig } from '../config/config.js';
import type { Logger } from '../logger.js';

const SHAPE = /^(\d+)-([A-Za-z0-9]+)-\d{8}T/;

export function checkQueuedNames(layout: Layout, agents: readonly string[]): string[] {
  const problems: string[] = [];
  for (const agent of agents) {
    let names: string[];
    try {
      // Through the inbox's descriptor: a link planted as an inbox is never listed (nor stops the start).
      names = Dir.with(layout.inbox(agent), layout.inbox(agent), (d) => d.listRaw().map((n) => escapeRawName(n)));
    } catch {
      continue;
    }
    for (const name of names) {
      const m = SHAPE.exec(name);
      if (!m || parseInboxName(name)) continue;
      problems.push(
        `workspaces/${agent}/inbox/${name}: the name says rank ${m[1]} priority "${m[2]}", which is not canonical (allowed values: ${allowedPriorities()}, ranked 0-3 in that order). Rename it, or move it to an outbox to send it again.`,
      );
    }
  }
  return problems;
}

/** A warning for each handler that runs without the jail, saying why. */
export function unjailedHandlers(config: OrgConfig): string[] {
  const notes: string[] = [];
  for (const a of Object.values(config.agents)) {
    const jail = a.command ? jailFor(a) : null;
    if (jail?.refuse) notes.push(`agent ${a.name}'s handler will not run: ${jail.refuse}`);
    else if (jail && !jail.jailed) notes.push(`agent ${a.name}'s handler runs ${jail.note}`);
  }
  return notes;
}

/**
 * At start-up: a queued file whose name has a non-canonical priority refuses the start (throws);
 * any other trouble reading the inboxes (a handler's link, an unreadable folder) is a warning.
 */
export function refuseNonCanonicalNames(layout: Layout, agents: readonly string[], logger: Logger): void {
  let queued: string[];
  try {
    queued = checkQueuedNames(layout, agents);
  } catch (err) {
    return logger.warn(`could not check the names of queued files (${(err as Error).message}); starting anyway`);
  }
  if (queued.length) throw new Error(`queued files with non-canonical names:\n  - ${queued.join('\n  - ')}`);
}
