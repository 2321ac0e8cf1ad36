/**
 * The board on disk: BOARD.md and board.json at the root and each agent's BRIEF.md (the monthly
 * archive is board-archive.ts's, written as tasks leave the fold), rendered after a commit that changed
 * the board. A small board (under IMMEDIATE_TASKS tasks: a render of a few ms) is rendered at
 * once, so the board of a batch is on disk when its mail is; a large one is coalesced off the delivery path: at
 * most once per gap of ten times its own cost (at least RENDER_GAP_MS, so a few times a second
 * and never more than a tenth of the loop), by a timer that renders what changed meanwhile, in
 * slices of SLICE_MS off a copy of the board, so that mail is taken and delivered between the
 * slices; and whole at a clean stop (flush). BRIEF.md sits in the agent's own workspace, where a
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
import { busyBriefs, busyBriefsOneByOne, idleBrief, type BriefFacts } from '../../board/brief.js';
import { SHOW_ALL, type DoneRule } from '../../board/done.js';
import { boardJsonFileChunks, boardMdChunks, renderBoardJson, renderBoardMd } from '../../board/render.js';
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
/** A large board is rendered in slices of about this long, the loop taking and delivering mail between them. */
export const SLICE_MS = 8;

type Rendering = { board: Board; agents: readonly string[]; facts: BriefFacts; done: DoneRule };

export class BoardWriter {
  private dirty = true;
  private readonly briefs = new Map<string, string>();
  private renderedAt = 0;
  /** The CPU time of the last render (ms): the next waits ten times as long, so rendering stays under a tenth of the loop. */
  private cost = 0;
  private timer: NodeJS.Timeout | null = null;
  private last: Rendering | null = null;
  /** A sliced render is under way. */
  private slicing = false;
  /** Bumped by every render: a sliced one that finds it moved (a flush meanwhile) writes nothing older. */
  private generation = 0;
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

  /**
   * Render if the board changed: a small board now; a large one (10,000 tasks: 200-300 ms of
   * rendering, which held up every message behind it) by a timer, at most every RENDER_GAP_MS,
   * in slices off a copy of the board, so mail goes on between the slices.
   */
  render(board: Board, agents: readonly string[], facts: BriefFacts, done: DoneRule = SHOW_ALL): void {
    this.last = { board, agents, facts, done };
    if (!this.dirty || this.timer || this.slicing) return;
    if (board.tasks.length < IMMEDIATE_TASKS) return this.flush();
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.renderSliced();
      },
      Math.max(0, this.renderedAt + Math.max(RENDER_GAP_MS, 10 * this.cost) - Date.now()),
    );
    this.timer.unref();
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
      this.write(renderBoardMd(board, { done }), renderBoardJson(board, done), agents, busyBriefs(board, facts));
    } catch (err) {
      this.failed(err);
    }
  }

  private async renderSliced(): Promise<void> {
    if (!this.dirty || !this.last) return;
    const { board, agents, facts, done } = this.last;
    this.dirty = false;
    this.slicing = true;
    const generation = ++this.generation;
    try {
      const busy = { ms: 0 };
      const copy = renderCopy(board);
      const held = Object.fromEntries(Object.entries(facts.held).map(([k, h]) => [k, { ...h }]));
      const f = { held, parent: { ...facts.parent } };
      const md = await sliced(boardMdChunks(copy, { done }), busy);
      const json = await sliced(boardJsonFileChunks(copy, done), busy);
      const briefs = new Map(await sliced(busyBriefsOneByOne(copy, f), busy));
      if (generation === this.generation) this.write(md.join(''), json.join(''), agents, briefs);
      this.cost = busy.ms;
    } catch (err) {
      this.failed(err);
    } finally {
      this.slicing = false;
      if (this.dirty && this.last) this.render(this.last.board, this.last.agents, this.last.facts, this.last.done);
    }
  }

  private write(md: string, json: string, agents: readonly string[], busy: Map<string, string>): void {
    writeFileAtomic.sync(this.layout.boardMd, md, { fsync: false });
    writeFileAtomic.sync(this.layout.boardJson, json, { fsync: false });
    this.writeBriefs(agents, busy);
    this.renderedAt = Date.now();
  }

  /** Each agent's BRIEF.md that may have changed: only those with an open task now or at the last render, once every one was written (briefs-to-render.ts). */
  private writeBriefs(agents: readonly string[], busy: Map<string, string>): void {
    const same = agents === this.agents;
    if (!same) this.members = new Set(agents);
    for (const agent of briefsToRender(agents, this.members, same, busy.keys(), this.busy))
      this.writeBrief(agent, busy.get(agent) ?? idleBrief(agent));
    this.agents = agents;
    this.busy = [...busy.keys()];
  }

  private failed(err: unknown): void {
    this.dirty = true;
    this.logger.warn(
      `could not render the board (BOARD.md, board.json): ${(err as Error).message}; it is rendered again after the next commit`,
    );
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

/**
 * What a render reads of the board, copied (each task shallowly: the fold replaces a task's
 * arrays and last message, it does not change them), so that the board the daemon goes on
 * folding meanwhile cannot tear a sliced render. The per-message maps are not read.
 */
function renderCopy(board: Board): Board {
  return {
    ...board,
    tasks: board.tasks.map((t) => ({ ...t })),
    archived: { ...board.archived },
    costs: structuredClone(board.costs),
    threadTask: {},
    messageTask: {},
  };
}

/** Every item of `items`, yielding to the event loop every SLICE_MS; the time spent is added to `busy.ms`. */
async function sliced<T>(items: Iterable<T>, busy: { ms: number }): Promise<T[]> {
  const out: T[] = [];
  let since = performance.now();
  for (const item of items) {
    out.push(item);
    if (performance.now() - since < SLICE_MS) continue;
    busy.ms += performance.now() - since;
    await new Promise<void>((r) => setImmediate(r));
    since = performance.now();
  }
  busy.ms += performance.now() - since;
  return out;
}
