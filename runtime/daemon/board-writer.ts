/**
 * The board on disk: BOARD.md and board.json at the root and each agent's BRIEF.md (the monthly
 * archive is board-archive.ts's, written as tasks leave the fold), rendered after a commit that changed
 * the board. A small board (under IMMEDIATE_TASKS tasks: a render of a few ms) is rendered at
 * once, so the board of a batch is on disk when its mail is; a large one is coalesced off the delivery path: at
 * most once per gap of ten times its own cost (at least RENDER_GAP_MS, so a few times a second
 * and never more than a tenth of the loop), by a timer that renders what changed meanwhile off a
 * copy of the board, in slices that let mail in flight go first, each piece written as it is
 * made (board-slices.ts); and whole at a clean stop (settle, then flush). Which BRIEF.md files
 * a render writes, and how: brief-files.ts.
 */
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { BusEvent } from '../../bus/events.js';
import type { Board } from '../../board/fold.js';
import { busyBriefsOneByOne, type BriefFacts } from '../../board/brief.js';
import { SHOW_ALL, type DoneRule } from '../../board/done.js';
import { renderBoardJson, renderBoardMd } from '../../board/render.js';
import type { Layout } from '../../workspaces/layout.js';
import type { Logger } from '../logger.js';
import { renderCopy, renderSteps, runSliced, StagedFile, Superseded, type Pace } from './board-slices.js';
import { BriefFiles } from './brief-files.js';

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

type Rendering = { board: Board; agents: readonly string[]; facts: BriefFacts; done: DoneRule };

export class BoardWriter {
  private dirty = true;
  private readonly briefs: BriefFiles;
  private renderedAt = 0;
  /** The time the last sliced render spent rendering and writing (ms): the next waits ten times as long, so rendering stays under a tenth of the loop. */
  private cost = 0;
  private timer: NodeJS.Timeout | null = null;
  private last: Rendering | null = null;
  /** A sliced render under way. */
  private slicing: Promise<void> | null = null;
  /** Bumped by every render and by settle(): a sliced one that finds it moved writes nothing more. */
  private generation = 0;

  /** `mailPending`: mail is in flight, so a slice of a large board's render waits (board-slices.ts). */
  constructor(
    private readonly layout: Layout,
    private readonly logger: Logger,
    private readonly mailPending: () => boolean = () => false,
  ) {
    this.briefs = new BriefFiles(layout, logger);
  }

  /** Render at the next render(). */
  touch(): void {
    this.dirty = true;
  }

  /**
   * Render if the board changed: a small board now; a large one (10,000 tasks: 200-300 ms of
   * rendering, which held up every message behind it) by a timer, at most every RENDER_GAP_MS,
   * in slices off a copy of the board, mail going first.
   */
  render(board: Board, agents: readonly string[], facts: BriefFacts, done: DoneRule = SHOW_ALL): void {
    this.last = { board, agents, facts, done };
    if (!this.dirty || this.timer || this.slicing) return;
    if (board.tasks.length < IMMEDIATE_TASKS) return this.flush();
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.slicing = this.renderSliced().finally(() => {
          this.slicing = null;
          const last = this.last;
          if (this.dirty && last) this.render(last.board, last.agents, last.facts, last.done);
        });
      },
      Math.max(0, this.renderedAt + Math.max(RENDER_GAP_MS, 10 * this.cost) - Date.now()),
    );
    this.timer.unref();
  }

  /**
   * Before the flush of a clean stop: no render is due any more, and a sliced one under way is
   * given up (it renames nothing after this; its temp files are removed) and waited for.
   */
  async settle(): Promise<void> {
    this.generation++;
    do {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      await this.slicing;
    } while (this.slicing || this.timer);
  }

  /** Render now, whole, if anything changed (small boards, and a clean stop). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if ((!this.dirty && !this.slicing) || !this.last) return; // a sliced render under way is superseded
    const { board, agents, facts, done } = this.last;
    this.dirty = false;
    this.generation++;
    try {
      writeFileAtomic.sync(this.layout.boardMd, renderBoardMd(board, { done }), { fsync: false });
      writeFileAtomic.sync(this.layout.boardJson, renderBoardJson(board, done), { fsync: false });
      this.briefs.begin(agents);
      for (const [agent, text] of busyBriefsOneByOne(board, facts)) this.briefs.busy(agent, text);
      for (const _ of this.briefs.idle());
      this.renderedAt = Date.now();
    } catch (err) {
      this.briefs.abandon();
      this.failed(err);
    }
  }

  /** A render of the board as it is now, off a copy, in slices, each piece written as it is made (board-slices.ts). */
  private async renderSliced(): Promise<void> {
    if (!this.dirty || !this.last) return;
    const { board, agents, facts, done } = this.last;
    this.dirty = false;
    const generation = ++this.generation;
    const pace: Pace = { mailPending: this.mailPending, superseded: () => generation !== this.generation, ms: 0 };
    const staged = (p: string) => new StagedFile(path.join(this.layout.staging, `board.${path.basename(p)}.tmp`), p);
    let md: StagedFile | null = null;
    let json: StagedFile | null = null;
    try {
      const copy = renderCopy(board);
      const held = Object.fromEntries(Object.entries(facts.held).map(([k, h]) => [k, { ...h }]));
      md = staged(this.layout.boardMd);
      json = staged(this.layout.boardJson);
      const to = { md: md.write.bind(md), json: json.write.bind(json), brief: this.briefs.busy.bind(this.briefs) };
      this.briefs.begin(agents);
      await runSliced(renderSteps(copy, { held, parent: { ...facts.parent } }, done, to), pace);
      md.commit();
      json.commit();
      await runSliced(this.briefs.idle(), pace);
      this.renderedAt = Date.now();
      this.cost = pace.ms;
    } catch (err) {
      this.briefs.abandon();
      if (err instanceof Superseded)
        this.dirty = true; // the flush that superseded it renders what it left
      else this.failed(err);
    } finally {
      md?.discard();
      json?.discard();
    }
  }

  private failed(err: unknown): void {
    this.dirty = true;
    this.logger.warn(
      `could not render the board (BOARD.md, board.json): ${(err as Error).message}; it is rendered again after the next commit`,
    );
  }
}
