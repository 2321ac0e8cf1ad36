/**
 * The board on disk: BOARD.md and board.json at the root and each agent's BRIEF.md (the monthly
 * archive is board-archive.ts's, written as tasks leave the fold), rendered after a commit that changed
 * the board. A small board (under IMMEDIATE_TASKS tasks: a render of a few ms) is rendered at
 * once, so the board of a batch is on disk when its mail is; a large one is coalesced off the delivery path: at
 * most once per gap of ten times its own cost (at least RENDER_GAP_MS, so a few times a second
 * and never more than a tenth of the loop), by a timer that renders what changed meanwhile;
 * and at a clean stop (flush). BRIEF.md sits in the agent's own workspace, where a
 * handler could make it a link to a secret, so it is written under bus/ and renamed over
 * whatever is there (a rename replaces a link; write-file-atomic would write through it).
 * The first render after a start leaves a BRIEF.md alone that is a regular file already holding
 * its text (compared, never read through a link or a fifo). After it, a render looks only at the
 * briefs of agents with an open task now or at the last render (runtime/decide/briefs-to-render.ts):
 * at 10,000 agents, rendering every brief took 30-120 ms after each commit that changed the board.
 */
import fs from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { BusEvent } from '../../bus/events.js';
import { unlinkQuiet } from '../../bus/store/spool.js';
import type { Board } from '../../board/fold.js';
import { busyBriefs, idleBrief, type BriefFacts } from '../../board/brief.js';
import { renderBoardJson, renderBoardMd } from '../../board/render.js';
import { errCode, readRegular } from '../../workspaces/hostile-fs.js';
import type { Layout } from '../../workspaces/layout.js';
import { briefsToRender } from '../decide/briefs-to-render.js';
import type { Logger } from '../logger.js';

/** Does this event change what the board or a brief shows (tasks, their last messages, approvals, the costs of a run)? */
export function changesBoard(e: BusEvent, board: Board): boolean {
  return (
    (e.type === 'message.accepted' && (e.task !== undefined || board.threadTask[e.thread] !== undefined)) ||
    e.type.startsWith('approval.') ||
    ((e.type === 'handler.succeeded' || e.type === 'handler.failed') && e.usage !== undefined)
  );
}

/** A board with fewer tasks than this is rendered at once, every time. */
export const IMMEDIATE_TASKS = 1000;
/** Otherwise the board is rendered at most this often (a few times a second), or less. */
export const RENDER_GAP_MS = 250;

export class BoardWriter {
  private dirty = true;
  private readonly briefs = new Map<string, string>();
  private renderedAt = 0;
  /** How long the last render took (ms). */
  private cost = 0;
  private timer: NodeJS.Timeout | null = null;
  private last: { board: Board; agents: readonly string[]; facts: BriefFacts; doneAfter: number } | null = null;
  /** The list of agents of the last render (the daemon passes the same array while the config's agents are the same), and as a set. */
  private agents: readonly string[] | null = null;
  private members: ReadonlySet<string> = new Set();
  /** Who had an open task at the last render (busyBriefs' keys). */
  private busy: Iterable<string> = [];

  constructor(
    private readonly layout: Layout,
    private readonly logger: Logger,
  ) {}

  /** Render at the next render(). */
  touch(): void {
    this.dirty = true;
  }

  /** Render if the board changed: now if the last render is RENDER_GAP_MS old, else by a timer. */
  render(board: Board, agents: readonly string[], facts: BriefFacts, doneAfter = Infinity): void {
    this.last = { board, agents, facts, doneAfter };
    if (!this.dirty || this.timer) return;
    const wait =
      board.tasks.length < IMMEDIATE_TASKS ? 0 : this.renderedAt + Math.max(RENDER_GAP_MS, 10 * this.cost) - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, wait);
      this.timer.unref();
      return;
    }
    this.flush();
  }

  /** Render now if anything changed (the timer's work, and a clean stop's). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.dirty || !this.last) return;
    const { board, agents, facts, doneAfter } = this.last;
    this.dirty = false;
    const t0 = performance.now();
    try {
      writeFileAtomic.sync(this.layout.boardMd, renderBoardMd(board, { doneAfter }), { fsync: false });
      writeFileAtomic.sync(this.layout.boardJson, renderBoardJson(board, doneAfter), { fsync: false });
      this.writeBriefs(board, agents, facts);
      this.cost = performance.now() - t0;
      this.renderedAt = Date.now();
    } catch (err) {
      this.dirty = true;
      this.logger.warn(
        `could not render the board (BOARD.md, board.json): ${(err as Error).message}; it is rendered again after the next commit`,
      );
    }
  }

  /** Each agent's BRIEF.md that may have changed: only those with an open task now or at the last render, once every one was written (briefs-to-render.ts). */
  private writeBriefs(board: Board, agents: readonly string[], facts: BriefFacts): void {
    const same = agents === this.agents;
    if (!same) this.members = new Set(agents);
    const busy = busyBriefs(board, facts);
    for (const agent of briefsToRender(agents, this.members, same, busy.keys(), this.busy))
      this.writeBrief(agent, busy.get(agent) ?? idleBrief(agent));
    this.agents = agents;
    this.busy = [...busy.keys()];
  }

  private writeBrief(agent: string, text: string): void {
    if (this.briefs.get(agent) === text) return;
    const first = !this.briefs.has(agent);
    this.briefs.set(agent, text);
    if (first && onDisk(this.layout.brief(agent), text)) return; // after a restart: 10,000 renames were 2-4 s of it
    try {
      writeInPlace(this.layout.workspace(agent), text);
      return;
    } catch {
      /* a folder the handler made odd: the slower way below says what is wrong */
    }
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

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

/** The daemon's own temp file beside BRIEF.md (a dotfile: never mail, and the workspace root is not watched). */
const BRIEF_TMP = '.BRIEF.md.mailroom';

/**
 * Write BRIEF.md through a temp file in the workspace itself, renamed within the folder: a
 * sixth of the cost of a rename from bus/staging/ into the workspace (10,000 briefs: 0.5 s
 * instead of 3.3 s here). The temp file is created `O_EXCL|O_NOFOLLOW`, so nothing is written
 * through an entry the handler planted; the workspace folder itself sits in workspaces/, which
 * no handler can change, so its path is used as the staging rename used it.
 */
function writeInPlace(workspace: string, text: string): void {
  const tmp = `${workspace}/${BRIEF_TMP}`;
  const create = () => {
    const fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      fs.writeFileSync(fd, text);
    } finally {
      fs.closeSync(fd);
    }
  };
  try {
    create();
  } catch (err) {
    if (errCode(err) !== 'EEXIST') throw err;
    fs.unlinkSync(tmp); // left by a crash (or planted): an unlink never follows a link
    create();
  }
  fs.renameSync(tmp, `${workspace}/BRIEF.md`);
}

/** Whether the file at `p` already holds exactly `text` (read without following a link or blocking on a fifo). */
function onDisk(p: string, text: string): boolean {
  const want = Buffer.from(text);
  try {
    return readRegular(p, want.length).bytes.equals(want);
  } catch {
    return false; // missing, a link, too long, unreadable: written (renamed over) as before
  }
}
