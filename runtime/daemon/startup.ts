/**
 * Start-up checks over queued files: a file in an inbox whose name has the shape of a
 * delivered message (`<rank>-<word>-<time>-...`) but a priority or rank that is not
 * canonical means some other component wrote names the daemon does not recognise (the
 * `-urgent.md` vs `-P1.md` failure). Start-up stops and names each such file. The same one
 * listing of every inbox, made before anything is watched, seeds the unread index, hands a
 * person's drops to intake and stamps each inbox, so the first scan only checks it (scan-plan.ts).
 * And the handlers that run without the jail, said at start-up.
 */
import fs from 'node:fs';
import { OPERATOR } from '../../bus/vocabulary.js';
import { allowedPriorities } from '../../bus/priority.js';
import { isIgnoredName, parseInboxName } from '../../bus/names.js';
import type { Entries } from '../../workspaces/entries.js';
import { Dir } from '../../workspaces/hostile-fs.js';
import type { Layout } from '../../workspaces/layout.js';
import { jailFor } from '../../workspaces/jail.js';
import type { OrgConfig } from '../config/config.js';
import type { Stamp } from '../decide/scan-plan.js';
import type { UnreadIndex } from './unread-index.js';

const SHAPE = /^(\d+)-([A-Za-z0-9]+)-\d{8}T/;

/** The problem with a queued file's name (shown escaped), or null when it is canonical or not shaped like a delivered copy's. */
function nameProblem(agent: string, name: string): string | null {
  const m = SHAPE.exec(name);
  if (!m || parseInboxName(name)) return null;
  return `workspaces/${agent}/inbox/${name}: the name says rank ${m[1]} priority "${m[2]}", which is not canonical (allowed values: ${allowedPriorities()}, ranked 0-3 in that order). Rename it, or move it to an outbox to send it again.`;
}

/** An inbox's entries, through its descriptor (a link planted as an inbox is never listed), or null. */
function listInbox(layout: Layout, agent: string): Entries | null {
  try {
    return Dir.with(layout.inbox(agent), layout.inbox(agent), (d) => d.listEntries());
  } catch {
    return null;
  }
}

export function checkQueuedNames(layout: Layout, agents: readonly string[]): string[] {
  const problems: string[] = [];
  for (const agent of agents) {
    const entries = listInbox(layout, agent);
    for (let i = 0; i < (entries?.text.length ?? 0); i++) {
      const problem = nameProblem(agent, entries!.shown(i));
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null; // a workspace that is not a folder: the first scan says what is wrong
  }
}

export interface StartListing {
  /** Files in the agents' inboxes that are not delivered copies (a person's drops), for intake. */
  candidates: string[];
  /** Each listed agent inbox's times, taken just before its listing. */
  stamps: Map<string, Stamp>;
}

/**
 * At start-up, before anything is watched: list every inbox once (the agents' and the
 * operator's). A queued file with a non-canonical name refuses the start (throws, naming each).
 * An inbox that cannot be listed is left to the first scan, which says what is wrong with it.
 */
export function listInboxesAtStart(layout: Layout, agents: readonly string[], index: UnreadIndex): StartListing {
  const problems: string[] = [];
  const out: StartListing = { candidates: [], stamps: new Map() };
  for (const agent of [...agents, OPERATOR]) {
    const dir = layout.inbox(agent);
    const st = lstatOrNull(dir);
    const at = Date.now();
    const entries = listInbox(layout, agent);
    if (!st || !entries) continue;
    index.listed(agent, entries.text); // the delivered copies: each name parsed once, here
    for (let i = 0; i < entries.text.length; i++) {
      if (index.has(agent, entries.text[i]!)) continue;
      const shown = entries.shown(i);
      const problem = nameProblem(agent, shown);
      if (problem) problems.push(problem);
      else if (!isIgnoredName(shown) && agent !== OPERATOR) out.candidates.push(`${dir}/${entries.candidate(i)}`);
    }
    if (agent !== OPERATOR) out.stamps.set(dir, { ctimeMs: st.ctimeMs, mtimeMs: st.mtimeMs, at });
  }
  if (problems.length) throw new Error(`queued files with non-canonical names:\n  - ${problems.join('\n  - ')}`);
  return out;
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
