/**
 * What the daemon does around the journal's commits: the board is marked dirty as events are
 * staged and rendered after each commit, finished tasks go to the board archive, and a resumed
 * agent's outbox (left as it was while it was paused) is taken at once.
 */
import type { BusEvent } from '../../bus/events.js';
import type { BusState } from '../state/state.js';
import { archiveHooks, type BoardArchive } from './board-archive.js';
import { type BoardWriter, changesBoard } from './board-writer.js';
import type { Layout } from '../../workspaces/layout.js';
import { boardDone, type OrgConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { Journal, type JournalHooks } from './journal.js';
import { ThreadStore } from './thread-store.js';

export interface HookDeps {
  layout: Layout;
  logger: Logger;
  config: () => OrgConfig;
  board: BoardWriter;
  archive: BoardArchive;
  /** The folded state; undefined while the journal is still being opened (replay). */
  state: () => BusState | undefined;
  render: () => void;
  /** Look at the mailboxes now (a scan), not at the next scan_interval. */
  scanNow: () => void;
  failed: (err: Error) => void;
  now: () => string;
}

/** The daemon's journal: the snapshot and the log after it replayed, with the hooks below. */
export function openJournal(d: HookDeps): Promise<Journal> {
  const { snapshotEvery, segmentBytes, threadTtl } = d.config();
  return Journal.open(d.layout.events, d.logger, journalHooks(d), d.now(), {
    snapshots: d.layout.snapshots,
    snapshotEvery,
    segmentBytes,
    threadTtl,
    cold: ThreadStore.open(d.layout.threadStore, (t) => d.logger.warn(t)),
  });
}

function journalHooks(d: HookDeps): JournalHooks {
  return {
    staged: (e: BusEvent) => {
      const state = d.state();
      if (state === undefined || changesBoard(e, state.board)) d.board.touch();
    },
    committed: (events: readonly BusEvent[]) => {
      d.archive.add(events);
      d.render();
      if (events.some((e) => e.type === 'agent.resumed')) d.scanNow();
    },
    ...archiveHooks(d.archive, () => boardDone(d.config()), d.now),
    failed: d.failed,
  };
}
