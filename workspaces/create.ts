/**
 * Creating an org and its agents' workspaces: the mailboxes and drafts/. Every directory the
 * daemon watches exists before it is watched (a directory created while being read can lose
 * events).
 */
import { DRAFTS_DIR, MAILBOX_DIRS, OPERATOR } from '../bus/vocabulary.js';
import fs from 'node:fs';
import type { Layout } from './layout.js';

/**
 * Make what is missing of `agent`'s workspace; true when a mailbox had to be made. One listing
 * of the workspace tells what is there (at 10,000 agents, a start-up's check of every folder
 * one by one, and a chmod of each workspace, were a tenth of its cost); an entry that is there
 * counts as there as before (a link to a folder too), and anything else is made as before.
 */
export function ensureWorkspace(layout: Layout, agent: string): boolean {
  const ws = layout.workspace(agent);
  const there = entriesOf(ws);
  const exists = (name: string) => {
    const d = there.get(name);
    return d !== undefined && (!d.isSymbolicLink() || fs.existsSync(`${ws}/${name}`));
  };
  let created = false;
  for (const box of MAILBOX_DIRS) {
    if (!exists(box)) {
      fs.mkdirSync(`${ws}/${box}`, { recursive: true, mode: 0o700 });
      created = true;
    }
  }
  // drafts/ (never watched, never taken) is made too, also in orgs made before it existed,
  // without counting as a new workspace.
  if (!there.get(DRAFTS_DIR)?.isDirectory()) fs.mkdirSync(`${ws}/${DRAFTS_DIR}`, { recursive: true, mode: 0o700 });
  return created;
}

function entriesOf(dir: string): Map<string, fs.Dirent> {
  try {
    return new Map(fs.readdirSync(dir, { withFileTypes: true }).map((d) => [d.name, d]));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
}

/**
 * The bus folders (a failure throws: they are mailroom's own) and each agent's workspace. With
 * `onProblem`, a workspace that cannot be made (its handler planted a link loop where a mailbox
 * belongs) is said there and the others go on; without it, it throws.
 */
export function ensureOrgDirs(
  layout: Layout,
  agents: readonly string[],
  onProblem?: (agent: string, err: Error) => void,
): string[] {
  for (const dir of [
    layout.events,
    layout.spool,
    layout.staging,
    layout.deadletter,
    layout.attachments,
    layout.board,
    layout.private,
  ]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  fs.chmodSync(layout.private, 0o700);
  const created: string[] = [];
  for (const agent of [...agents, OPERATOR]) {
    try {
      if (ensureWorkspace(layout, agent)) created.push(agent);
      const ws = layout.workspace(agent);
      if ((fs.statSync(ws).mode & 0o777) !== 0o700) fs.chmodSync(ws, 0o700); // a workspace is its agent's alone
    } catch (err) {
      if (!onProblem) throw err;
      onProblem(agent, err as Error);
    }
  }
  return created;
}
