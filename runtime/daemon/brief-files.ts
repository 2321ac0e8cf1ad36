/**
 * Each agent's BRIEF.md on disk (board-writer.ts renders them). Only an agent with an open task
 * has a brief a board change can alter; every other agent's is the idle text. A render hands
 * over each busy brief as it is made (busy), then writes the idle ones that may have changed
 * (idle): everyone's when the list of agents changed or at the first render, else those who had
 * an open task at the last render and have none now (runtime/decide/briefs-to-render.ts). A
 * brief is written only when its text changed; the first time after a start, a BRIEF.md that is
 * a regular file already holding its text is left alone (compared, never read through a link
 * or a fifo): after a restart, 10,000 renames were 2-4 s of it.
 * BRIEF.md sits in the agent's own workspace, where a handler could make it a link to a secret,
 * so it is never written through: a temp file is created beside it `O_EXCL|O_NOFOLLOW` and
 * renamed over whatever is there (a rename replaces a link; write-file-atomic would write through it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { idleBrief } from '../../board/brief.js';
import { unlinkQuiet } from '../../bus/store/spool.js';
import { errCode, readRegular } from '../../workspaces/hostile-fs.js';
import type { Layout } from '../../workspaces/layout.js';
import { briefsToRender } from '../decide/briefs-to-render.js';
import type { Logger } from '../logger.js';

export class BriefFiles {
  /** The text last written (or found on disk) per agent. */
  private readonly written = new Map<string, string>();
  /** The list of agents of the last render that wrote every brief it had to (the daemon passes the same array while the agents are the same). */
  private done: readonly string[] | null = null;
  /** The render under way: its agents, as a set, and whether they are the last complete render's. */
  private agents: readonly string[] = [];
  private members: ReadonlySet<string> = new Set();
  private same = false;
  /** Who had an open task at the last complete render, and who has one in the render under way so far (a render given up leaves both). */
  private busyBefore = new Set<string>();
  private busyNow = new Set<string>();

  constructor(
    private readonly layout: Layout,
    private readonly logger: Logger,
  ) {}

  /** A render for `agents` begins. */
  begin(agents: readonly string[]): void {
    this.same = agents === this.done;
    if (agents !== this.agents) this.members = new Set(agents);
    this.agents = agents;
    this.busyNow = new Set();
  }

  /** The brief of `agent`, who has an open task: written now if `agent` is one of the org's and it changed. */
  busy(agent: string, text: string): void {
    this.busyNow.add(agent);
    if (this.members.has(agent)) this.write(agent, text);
  }

  /** Then the idle briefs that may have changed, one by one (a caller may pause between them); the render is complete at the end. */
  *idle(): Generator<void> {
    for (const agent of briefsToRender(this.agents, this.members, this.same, [], this.busyBefore))
      if (!this.busyNow.has(agent)) yield this.write(agent, idleBrief(agent));
    this.busyBefore = this.busyNow;
    this.done = this.agents;
  }

  /** A render given up midway: the next looks at everyone it may have written too. */
  abandon(): void {
    for (const agent of this.busyNow) this.busyBefore.add(agent);
  }

  private write(agent: string, text: string): void {
    if (this.written.get(agent) === text) return;
    const first = !this.written.has(agent);
    this.written.set(agent, text);
    if (first && briefOnDisk(this.layout.brief(agent), text)) return;
    try {
      writeBriefInPlace(this.layout.workspace(agent), text);
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
function writeBriefInPlace(workspace: string, text: string): void {
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
function briefOnDisk(p: string, text: string): boolean {
  const want = Buffer.from(text);
  try {
    return readRegular(p, want.length).bytes.equals(want);
  } catch {
    return false; // missing, a link, too long, unreadable: written (renamed over) as before
  }
}
