/**
 * The board on disk: BOARD.md and board.json at the root, and each agent's BRIEF.md, rendered
 * after a commit that changed the board. BRIEF.md sits in the agent's own workspace, where a
 * handler could make it a link to a secret, so it is written under bus/ and renamed over
 * whatever is there (a rename replaces a link; write-file-atomic would write through it).
 */
import fs from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { BusEvent } from '../../bus/events.js';
import { unlinkQuiet } from '../../bus/store/spool.js';
import type { Board } from '../../board/fold.js';
import { renderBrief, type BriefFacts } from '../../board/brief.js';
import { renderBoardJson, renderBoardMd } from '../../board/render.js';
import type { Layout } from '../../workspaces/layout.js';
import type { Logger } from '../logger.js';

/** Does this event change what the board or a brief shows (tasks, their last messages, approvals, the costs of a run)? */
export function changesBoard(e: BusEvent, board: Board): boolean {
  return (
    (e.type === 'message.accepted' && (e.task !== undefined || board.threadTask[e.thread] !== undefined)) ||
    e.type.startsWith('approval.') ||
    ((e.type === 'handler.succeeded' || e.type === 'handler.failed') && e.usage !== undefined)
  );
}

export class BoardWriter {
  private dirty = true;
  private readonly briefs = new Map<string, string>();

  constructor(
    private readonly layout: Layout,
    private readonly logger: Logger,
  ) {}

  /** Render at the next render(). */
  touch(): void {
    this.dirty = true;
  }

  render(board: Board, agents: string[], facts: BriefFacts): void {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      writeFileAtomic.sync(this.layout.boardMd, renderBoardMd(board), { fsync: false });
      writeFileAtomic.sync(this.layout.boardJson, renderBoardJson(board), { fsync: false });
      for (const agent of agents) this.writeBrief(agent, renderBrief(board, agent, facts));
    } catch (err) {
      this.dirty = true;
      this.logger.warn(
        `could not render the board (BOARD.md, board.json): ${(err as Error).message}; it is rendered again after the next commit`,
      );
    }
  }

  private writeBrief(agent: string, text: string): void {
    if (this.briefs.get(agent) === text) return;
    this.briefs.set(agent, text);
    const tmp = path.join(this.layout.staging, `brief.${agent}.${process.pid}.tmp`);
    try {
      fs.writeFileSync(tmp, text, { mode: 0o600 });
      fs.renameSync(tmp, this.layout.brief(agent));
    } catch (err) {
      unlinkQuiet(tmp);
      this.logger.warn(
        `could not write workspaces/${agent}/BRIEF.md for ${agent} (${(err as Error).message}); it is written again when the board changes`,
      );
    }
  }
}
