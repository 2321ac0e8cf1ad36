/**
 * The daemon's wake-ups, set up: which folders are watched (every agent's outbox and inbox,
 * the operator's outbox), the watchers started (or scans only with `watch: false`), and the
 * workspaces made whole before they are watched. Split from daemon.ts to keep it short.
 */
import path from 'node:path';
import { OPERATOR } from '../../bus/vocabulary.js';
import { parseInboxName } from '../../bus/names.js';
import { formatDuration } from '../../bus/time.js';
import { ensureOrgDirs } from '../../workspaces/create.js';
import type { Layout } from '../../workspaces/layout.js';
import type { OrgConfig } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { UnreadIndex } from './unread-index.js';
import { type Listings, Wakeups, inotifyLimitProblem } from './watch.js';

export function watchedDirs(layout: Layout, config: OrgConfig): string[] {
  const agents = Object.keys(config.agents);
  return [...agents.flatMap((a) => [layout.outbox(a), layout.inbox(a)]), layout.outbox(OPERATOR)];
}

/** Create what is missing of every agent's workspace; a workspace that cannot be made whole is said, not fatal. */
export function ensureWorkspaces(layout: Layout, logger: Logger, config: OrgConfig): void {
  const problem = (agent: string, err: Error) =>
    logger.warn(
      `workspaces/${agent} could not be made whole (${err.message}); its mail waits until it is (\`mailroom doctor\` says how)`,
    );
  for (const a of ensureOrgDirs(layout, Object.keys(config.agents), problem)) logger.info(`created workspace for ${a}`);
}

/** The scans' listings of inboxes, told to the unread index (an inbox is `workspaces/<agent>/inbox`). */
export function indexListings(index: UnreadIndex): Listings {
  const agentOf = (dir: string) => (path.basename(dir) === 'inbox' ? path.basename(path.dirname(dir)) : null);
  return {
    listing: (dir) => {
      const agent = agentOf(dir);
      if (agent) index.listing(agent);
    },
    listed: (dir, names) => {
      const agent = agentOf(dir);
      if (agent) index.listed(agent, names);
    },
  };
}

/** One scan of the mailboxes: delivered copies (canonical names in an inbox) skipped before any other work, every listing told to the unread index. */
export function scanMailboxes(wakeups: Wakeups, intervalMs: number, index: UnreadIndex): Promise<string[]> {
  const delivered = (dir: string, name: string) => parseInboxName(name) !== null && path.basename(dir) === 'inbox';
  return wakeups.scan(delivered, intervalMs, indexListings(index));
}

export interface WakeupDeps {
  layout: Layout;
  logger: Logger;
  config: () => OrgConfig;
  onPath: (p: string, how: 'created' | 'written') => void;
  onBadDir: (dir: string) => void;
  /** A scan now (after a watcher error). */
  scan: () => void;
}

/** The wake-ups of the daemon, started: watchers on every watched folder, or scans only. */
export async function startWakeups(d: WakeupDeps): Promise<Wakeups> {
  const { layout, logger } = d;
  const config = d.config();
  const wakeups: Wakeups = new Wakeups({
    dirs: watchedDirs(layout, config),
    files: [layout.config],
    onPath: d.onPath,
    onBadDir: d.onBadDir,
    onNote: (note) => logger.warn(note),
    onError: (err) => {
      logger.warn(
        `watcher error: ${err.message}${wakeups.scanOnly ? `; falling back to scans every ${formatDuration(d.config().scanInterval)}: ${wakeups.scanOnly}` : ''}`,
      );
      d.scan();
    },
  });
  const limit = config.watch ? inotifyLimitProblem(wakeups.dirs.length + 16) : null;
  if (limit) logger.warn(limit);
  if (config.watch) await wakeups.start();
  else logger.info(`watch: false: scanning every ${formatDuration(config.scanInterval)} instead of watching`);
  return wakeups;
}
