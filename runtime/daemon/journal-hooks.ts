/**
 * What the daemon does around the journal's commits: the board is marked dirty as events are
 * staged and rendered after each commit, finished tasks go to the board archive, and a resumed
 * agent's outbox (left as it was while it was paused) is taken at once.
 */
import type { BusEvent } from '../../bus/events.js';
import type { BusState } from '../state/state.js';
import { archiveHooks, type BoardArchive } from './board-archive.js';
import { type BoardWriter, changesBoard } from './board-writer.js';
import type { JournalHooks } from './journal.js';

export interface HookDeps {
  board: BoardWriter;
  archive: BoardArchive;
  /** The folded state; undefined while the journal is still being opened (replay). */
  state: () => BusState | undefined;
  render: () => void;
  /** Look at the mailboxes now (a scan), not at the next scan_interval. */
  scanNow: () => void;
  failed: (err: Error) => void;
  boardDoneAfter: () => number;
  now: () => string;
}

export function journalHooks(d: HookDeps): JournalHooks {
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
    ...archiveHooks(d.archive, d.boardDoneAfter, d.now),
    failed: d.failed,
  };
}
