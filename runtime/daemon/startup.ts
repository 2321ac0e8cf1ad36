/**
 * Start-up checks over queued files: a file in an inbox whose name has the shape of a
 * delivered message (`<rank>-<word>-<time>-...`) but a priority or rank that is not
 * canonical means some other component wrote names the daemon does not recognise (the
 * `-urgent.md` vs `-P1.md` failure). Start-up stops and names each such file. The same one
 * listing of every mailbox, made before anything is watched, seeds the unread index, hands what
 * is there to take to intake and stamps each mailbox, so the first scan only checks it (scan-plan.ts).
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

/** A mailbox's entries, through its descriptor (a link planted as a mailbox is never listed), or null. */
function listDir(dir: string): Entries | null {
  try {
    return Dir.with(dir, dir, (d) => d.listEntries());
  } catch {
    return null;
  }
}

export function checkQueuedNames(layout: Layout, agents: readonly string[]): string[] {
  const problems: string[] = [];
  for (const agent of agents) {
    const entries = listDir(layout.inbox(agent));
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
  /** Files in the agents' inboxes that are not delivered copies (a person's drops) and in the outboxes, for intake. */
  candidates: string[];
  /** The times of each watched mailbox listed with nothing to take, taken just before its listing. */
  stamps: Map<string, Stamp>;
}

/**
 * At start-up, before anything is watched: list every mailbox the daemon watches or reads once
 * (the agents' inboxes and outboxes, the operator's inbox and outbox). A queued file with a
 * non-canonical name refuses the start (throws, naming each). A mailbox that cannot be listed,
 * or holds something to take, is left to the first scan too (which says what is wrong with it,
 * or looks again at what is still being written).
 */
export function listMailboxesAtStart(layout: Layout, agents: readonly string[], index: UnreadIndex): StartListing {
  const problems: string[] = [];
  const out: StartListing = { candidates: [], stamps: new Map() };
  const list = (dir: string, take: (entries: Entries) => string[]) => {
    const st = lstatOrNull(dir);
    const at = Date.now();
    const entries = listDir(dir);
    if (!st || !entries) return;
    const found = take(entries);
    for (const name of found) out.candidates.push(`${dir}/${name}`);
    if (found.length === 0) out.stamps.set(dir, { ctimeMs: st.ctimeMs, mtimeMs: st.mtimeMs, at });
  };
  for (const agent of [...agents, OPERATOR]) {
    list(layout.inbox(agent), (entries) => {
      index.listed(agent, entries.text); // the delivered copies: each name parsed once, here
      const found: string[] = [];
      for (let i = 0; i < entries.text.length; i++) {
        if (index.has(agent, entries.text[i]!)) continue;
        const shown = entries.shown(i);
        const problem = nameProblem(agent, shown);
        if (problem) problems.push(problem);
        else if (!isIgnoredName(shown)) found.push(entries.candidate(i));
      }
      return agent === OPERATOR ? [] : found; // the operator's inbox is not watched: nothing in it is taken
    });
    list(layout.outbox(agent), takeable);
  }
  if (problems.length) throw new Error(`queued files with non-canonical names:\n  - ${problems.join('\n  - ')}`);
  return out;
}

/** Every entry of an outbox that is not an ignored name, to take. */
function takeable(entries: Entries): string[] {
  const found: string[] = [];
  for (let i = 0; i < entries.text.length; i++) if (!isIgnoredName(entries.shown(i))) found.push(entries.candidate(i));
  return found;
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
