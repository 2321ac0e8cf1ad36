/**
 * Creating an org and its agents' workspaces: the mailboxes and drafts/. Every directory the
 * daemon watches exists before it is watched (a directory created while being read can lose
 * events).
 */
import { DRAFTS_DIR, MAILBOX_DIRS, OPERATOR } from '../bus/vocabulary.js';
import fs from 'node:fs';
import type { Layout } from './layout.js';

export function ensureWorkspace(layout: Layout, agent: string): boolean {
  let created = false;
  for (const box of MAILBOX_DIRS) {
    const dir = `${layout.workspace(agent)}/${box}`;
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      created = true;
    }
  }
  // drafts/ (never watched, never taken) is made too, also in orgs made before it existed,
  // without counting as a new workspace.
  fs.mkdirSync(`${layout.workspace(agent)}/${DRAFTS_DIR}`, { recursive: true, mode: 0o700 });
  return created;
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
      fs.chmodSync(layout.workspace(agent), 0o700); // a workspace is its agent's alone
    } catch (err) {
      if (!onProblem) throw err;
      onProblem(agent, err as Error);
    }
  }
  return created;
}
