/**
 * The board's monthly archive on disk (board/archive.ts says what and when): every committed
 * `board.archived` event is appended to board/archive/<YYYY-MM>.md and <YYYY-MM>.jsonl, once,
 * and fsynced before the journal may write a snapshot past it (`done`).
 *
 * Once, across a crash: the .jsonl line of an event (written last, with the event's seq) marks
 * it done; an event whose .md rows are there but whose .jsonl line is not (a crash between the
 * two writes) gets only its .jsonl line. After a crash, start-up replays the events after the
 * newest snapshot, and the snapshot is never written before the rows are on disk, so an event
 * whose rows never reached the files is replayed and written then.
 * `readArchivedTasks` reads the .jsonl files back for `board --json --all`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ArchivedTask, BoardArchived, BusEvent } from '../../bus/events.js';
import { archiveEvents, archiveHeader, archiveLine, archiveRows, byMonth } from '../../board/archive.js';
import type { DoneRule } from '../../board/done.js';
import type { BusState } from '../state/state.js';
import type { Layout } from '../../workspaces/layout.js';
import type { Logger } from '../logger.js';

const TAIL = 64 * 1024;

/** The last line of a file (without its newline), or null if it is empty or missing. */
function lastLine(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    for (let want = TAIL; ; want *= 2) {
      const start = Math.max(0, size - want);
      const buf = Buffer.alloc(size - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      const text = buf.toString('utf8').replace(/\n$/, '');
      const nl = text.lastIndexOf('\n');
      if (nl !== -1 || start === 0) return text.slice(nl + 1) || null;
    }
  } finally {
    fs.closeSync(fd);
  }
}

function endsWith(file: string, text: string): boolean {
  const want = Buffer.from(text);
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (size < want.length) return false;
      const buf = Buffer.alloc(want.length);
      fs.readSync(fd, buf, 0, buf.length, size - want.length);
      return buf.equals(want);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

function append(file: string, text: string): void {
  const fd = fs.openSync(file, 'a', 0o644);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const jsonlOf = (layout: Layout, month: string) => path.join(layout.boardArchive, `${month}.jsonl`);

/** Append one event's tasks to their month files, unless they are there already. */
export function appendArchived(layout: Layout, e: BoardArchived): void {
  fs.mkdirSync(layout.boardArchive, { recursive: true });
  for (const [month, tasks] of byMonth(e.tasks)) {
    const jsonl = jsonlOf(layout, month);
    const last = lastLine(jsonl);
    if (last !== null && (JSON.parse(last) as { seq: number }).seq >= e.seq) continue;
    const md = layout.boardArchiveMonth(month);
    const rows = archiveRows(tasks);
    if (!fs.existsSync(md)) append(md, archiveHeader(month) + rows);
    else if (!endsWith(md, rows)) append(md, rows);
    append(jsonl, archiveLine(e.seq, tasks));
  }
}

/** Every archived task in the .jsonl files (for `board --json --all`). */
export function readArchivedTasks(layout: Layout): ArchivedTask[] {
  let names: string[];
  try {
    names = fs.readdirSync(layout.boardArchive).filter((n) => /^\d{4}-\d{2}\.jsonl$/.test(n));
  } catch {
    return [];
  }
  const out: ArchivedTask[] = [];
  for (const n of names.sort()) {
    for (const line of fs.readFileSync(path.join(layout.boardArchive, n), 'utf8').split('\n')) {
      if (line) out.push(...(JSON.parse(line) as { tasks: ArchivedTask[] }).tasks);
    }
  }
  return out;
}

/** The daemon's side: committed (and, at start-up, replayed) board.archived events written to the files. */
export class BoardArchive {
  private readonly pending: BoardArchived[] = [];

  constructor(
    private readonly layout: Layout,
    private readonly logger: Logger,
  ) {}

  /** Note the board.archived events among these and write what is pending. */
  add(events: readonly BusEvent[]): void {
    for (const e of events) if (e.type === 'board.archived') this.pending.push(e);
    if (this.pending.length) this.write();
  }

  /** Every event's rows are on disk (a snapshot may be written past them). */
  get done(): boolean {
    return this.pending.length === 0;
  }

  write(): void {
    while (this.pending.length) {
      try {
        appendArchived(this.layout, this.pending[0]!);
        this.pending.shift();
      } catch (err) {
        this.logger.warn(
          `could not write board/archive/ (${(err as Error).message}); tried again after the next commit, and no snapshot is written until it is`,
        );
        return;
      }
    }
  }
}

/** The journal's hooks for the archive: replayed events written, the archiving before a snapshot, no snapshot past rows not on disk. */
export function archiveHooks(archive: BoardArchive, done: () => DoneRule, now: () => string) {
  return {
    replayed: (e: BusEvent) => archive.add([e]),
    beforeSnapshot: (s: BusState) => archiveEvents(s.board, done(), now()),
    snapshotReady: () => archive.done,
  };
}
