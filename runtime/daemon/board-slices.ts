/**
 * How a large board is rendered beside the mail (board-writer.ts): off a copy of the board, in
 * steps of a few hundred tasks or lines, run in slices of about SLICE_MS, mail first. Before each
 * slice the render waits while mail is in flight (a batch running or due, or a file's readiness
 * check under way), at most MAIL_FIRST_MS, so a message's hops through the event loop (its event,
 * the look, the check a turn later, the take) do not each queue behind a slice: a message meets
 * at most the one slice under way when it arrives. Before, a message needed three or four turns
 * of the loop during a render, each with a slice of 8-15 ms in it, and waited 50-80 ms (10,000
 * open tasks). Each piece of text is written as it is made (BOARD.md and board.json to temp
 * files in bus/staging/, renamed into place at the end unless a newer render was written
 * meanwhile; each brief to its file), so the render holds no megabytes of text: what survives
 * the young generation's collections is what makes them slow.
 */
import fs from 'node:fs';
import { busyBriefSteps, type BriefFacts } from '../../board/brief.js';
import type { Board } from '../../board/fold.js';
import type { DoneRule } from '../../board/done.js';
import { boardJsonFileChunks, boardMdChunks, type Scores } from '../../board/render.js';
import { boardScoreSteps } from '../../board/score.js';
import { unlinkQuiet } from '../../bus/store/spool.js';

/** A slice of rendering (or of writing briefs) lasts about this long before mail may go first. */
export const SLICE_MS = 4;
/** A slice waits for mail in flight at most this long: under a flood of mail the board still moves on. */
export const MAIL_FIRST_MS = 50;

export interface Pace {
  /** Mail is in flight (the daemon's loop has a batch running or due, or a readiness check is under way). */
  mailPending: () => boolean;
  /** A newer render was written meanwhile: stop working on this one. */
  superseded: () => boolean;
  /** Time spent rendering so far, waits left out (ms). */
  ms: number;
}

/** Thrown at a slice's end when the render was superseded. */
export class Superseded extends Error {
  constructor() {
    super('superseded by a newer render');
  }
}

/** Run `steps` (a generator that pauses where a slice may end) to its end, mail going first every SLICE_MS (yieldToMail); the time spent is added to `pace.ms`. */
export async function runSliced(steps: Iterable<unknown>, pace: Pace): Promise<void> {
  let since = performance.now();
  for (const _ of steps) {
    if (performance.now() - since < SLICE_MS) continue;
    pace.ms += performance.now() - since;
    await yieldToMail(pace);
    since = performance.now();
  }
  pace.ms += performance.now() - since;
}

/** A turn of the event loop, then more while mail is in flight (at most MAIL_FIRST_MS); throws Superseded. */
export async function yieldToMail(pace: Pace): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
  const until = performance.now() + MAIL_FIRST_MS;
  while (pace.mailPending() && performance.now() < until) await new Promise<void>((r) => setTimeout(r, 1));
  if (pace.superseded()) throw new Superseded();
}

/** Where a render's pieces go as they are made. */
export interface RenderSinks {
  md: (piece: string) => void;
  json: (piece: string) => void;
  /** The brief of an agent with an open task. */
  brief: (agent: string, text: string) => void;
}

/** A render of `board`: BOARD.md, board.json (in pieces) and the busy briefs, in steps (runSliced pauses between them). */
export function* renderSteps(board: Board, facts: BriefFacts, done: DoneRule, to: RenderSinks): Generator<void> {
  const scores: Scores = new Map(); // once for both files
  yield* boardScoreSteps(board, scores);
  for (const piece of boardMdChunks(board, { done, scores })) yield to.md(piece);
  for (const piece of boardJsonFileChunks(board, done, scores)) yield to.json(piece);
  for (const brief of busyBriefSteps(board, facts)) yield brief ? to.brief(brief[0], brief[1]) : undefined;
}

/**
 * A file written in pieces to a temp file (in bus/staging/), with the mode the target has (as
 * write-file-atomic keeps it), then renamed over the target, or dropped.
 */
export class StagedFile {
  private fd: number | null;
  private readonly mode: number | undefined;

  constructor(
    private readonly tmp: string,
    private readonly target: string,
  ) {
    this.mode = fs.statSync(target, { throwIfNoEntry: false })?.mode;
    this.fd = fs.openSync(tmp, 'w', this.mode ?? 0o666);
    try {
      if (this.mode !== undefined) fs.fchmodSync(this.fd, this.mode & 0o7777); // past the umask, as the file was
    } catch (err) {
      this.discard();
      throw err;
    }
  }

  write(piece: string): void {
    fs.writeFileSync(this.fd!, piece); // from where the last piece ended
  }

  /** Rename it over the target. */
  commit(): void {
    fs.closeSync(this.fd!);
    this.fd = null;
    fs.renameSync(this.tmp, this.target);
  }

  /** Drop it, unless committed (for a finally). */
  discard(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
    try {
      unlinkQuiet(this.tmp);
    } catch {
      /* a temp file left in bus/staging/ is removed at the next start */
    }
  }
}

/**
 * What a render reads of the board, copied (each task shallowly: the fold replaces a task's
 * arrays and last message, it does not change them), so that the board the daemon goes on
 * folding meanwhile cannot tear a sliced render. The per-message maps are not read.
 */
export function renderCopy(board: Board): Board {
  return {
    ...board,
    tasks: board.tasks.map((t) => ({ ...t })),
    archived: { ...board.archived },
    costs: structuredClone(board.costs),
    threadTask: {},
    messageTask: {},
  };
}
