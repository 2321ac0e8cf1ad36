/**
 * The append-only event log: JSON lines in numbered segments under bus/events/
 * (000001.jsonl, 000002.jsonl, ...). One writer (the daemon, which holds the org lock).
 *
 * - append(batch): one write() of whole lines, byte count checked, then one fdatasync: group
 *   commit. Nothing in a batch is acted on before append returns. A write or fdatasync that
 *   fails (a full disk) cuts the segment back to its last whole line and hands the batch's
 *   sequence numbers back, then throws LogWriteFailed: no half line is ever followed by
 *   another line, and no event of a failed batch is ever read back.
 * - open(): a torn last line (a crash mid-write) is truncated and the repair is reported, so
 *   the caller logs `log.repaired`.
 * - readLog(dir): replay for readers (CLI); tolerant of a torn tail, which it skips.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BusEvent, NewEvent } from '../events.js';
import { parseLines } from './log-lines.js';

export { LogCorrupt } from './log-lines.js';

const SEGMENT_RE = /^(\d{6})\.jsonl$/;
export const SEGMENT_BYTES = 64 * 1024 * 1024;

export function segments(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => SEGMENT_RE.test(n)).sort();
}

/** A commit that did not reach the disk whole; the log is as it was before it. */
export class LogWriteFailed extends Error {
  override name = 'LogWriteFailed';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Read every event (for readers that are not the writer). A torn tail is skipped. */
export function readLog(dir: string): BusEvent[] {
  const out: BusEvent[] = [];
  for (const seg of segments(dir)) {
    const text = fs.readFileSync(path.join(dir, seg), 'utf8');
    const { events } = parseLines(text, path.join(dir, seg), true);
    for (const e of events) out.push(e);
  }
  return out;
}

export interface Repair {
  segment: string;
  droppedBytes: number;
}

export class EventLog {
  private fd = -1;
  private segment = '';
  private size = 0;
  private nextSeq = 1;
  private staged: BusEvent[] = [];
  /** Set when a failed commit could not even be cut back: no write until the cut succeeds. */
  private cutTo: number | null = null;
  /** Set by open() when a torn tail was cut off. */
  repair: Repair | null = null;
  /** Bytes committed since this log was opened. */
  written = 0;

  constructor(
    readonly dir: string,
    private readonly segmentBytes = SEGMENT_BYTES,
  ) {}

  /**
   * Open for appending after the log was streamed (log-read.ts readEvents): cut the torn tail it
   * found (reported in `repair`), continue at `nextSeq` in `segment` (the last one).
   */
  openAfterRead(
    read: { end: { segment: string; offset: number } | null; torn: { segment: string; droppedBytes: number } | null },
    nextSeq: number,
    segment: string,
  ): void {
    fs.mkdirSync(this.dir, { recursive: true });
    if (read.torn && read.end) {
      fs.truncateSync(path.join(this.dir, read.end.segment), read.end.offset);
      this.repair = { segment: read.torn.segment, droppedBytes: read.torn.droppedBytes };
    }
    this.nextSeq = nextSeq;
    this.openSegment(segment);
  }

  /** Where the next event will be written (a snapshot records it as where its tail starts). */
  position(): { segment: string; offset: number } {
    return { segment: this.segment, offset: this.size };
  }

  /** Open for appending, repairing a torn tail; returns every event already in the log. */
  open(): BusEvent[] {
    fs.mkdirSync(this.dir, { recursive: true });
    const segs = segments(this.dir);
    const events: BusEvent[] = [];
    segs.forEach((seg, i) => {
      const file = path.join(this.dir, seg);
      const buf = fs.readFileSync(file);
      const isLast = i === segs.length - 1;
      const { events: evs, goodBytes } = parseLines(buf.toString('utf8'), file, isLast);
      for (const e of evs) events.push(e);
      if (isLast && goodBytes < buf.length) {
        fs.truncateSync(file, goodBytes);
        this.repair = { segment: seg, droppedBytes: buf.length - goodBytes };
      }
    });
    this.nextSeq = (events.at(-1)?.seq ?? 0) + 1;
    this.openSegment(segs.at(-1) ?? '000001.jsonl');
    return events;
  }

  private openSegment(name: string) {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.segment = name;
    this.fd = fs.openSync(path.join(this.dir, name), 'a', 0o600);
    this.size = fs.fstatSync(this.fd).size;
  }

  /** Give an event its sequence number and hold it for the next commit. Act on it only after commit(). */
  stage(e: NewEvent): BusEvent {
    const event = { seq: this.nextSeq++, ...e } as BusEvent;
    this.staged.push(event);
    return event;
  }

  /** Write every staged event with one write() and one fdatasync (group commit). Returns them. */
  commit(): BusEvent[] {
    const events = this.staged;
    if (events.length === 0) return events;
    if (this.fd < 0) throw new Error('event log is not open');
    this.staged = [];
    if (this.size >= this.segmentBytes) {
      const n = Number(SEGMENT_RE.exec(this.segment)![1]) + 1;
      this.openSegment(`${String(n).padStart(6, '0')}.jsonl`);
    }
    const bytes = Buffer.from(events.map((e) => JSON.stringify(e) + '\n').join(''));
    try {
      this.cutBack();
      let written = 0;
      while (written < bytes.length) written += fs.writeSync(this.fd, bytes, written, bytes.length - written);
      fs.fdatasyncSync(this.fd);
    } catch (err) {
      this.nextSeq = events[0]!.seq; // the numbers of a batch that is not in the log are given again
      this.cutTo = this.size;
      const cut = this.tryCutBack();
      const code = (err as NodeJS.ErrnoException).code;
      throw new LogWriteFailed(
        `could not write ${events.length} event(s) (${bytes.length} bytes) to bus/events/${this.segment}: ${(err as Error).message}; ${cut}`,
        code,
      );
    }
    this.size += bytes.length;
    this.written += bytes.length;
    return events;
  }

  /** Cut the segment back to the end of its last whole line, if a failed commit left more. */
  private cutBack(): void {
    if (this.cutTo === null) return;
    fs.ftruncateSync(this.fd, this.cutTo);
    this.cutTo = null;
  }

  private tryCutBack(): string {
    try {
      this.cutBack();
      return 'the log was cut back to its last whole line';
    } catch (err) {
      return `cutting the log back to its last whole line failed too (${(err as Error).message}); nothing is written until that cut succeeds`;
    }
  }

  /** stage() each, then commit(). */
  append(batch: NewEvent[]): BusEvent[] {
    for (const e of batch) this.stage(e);
    return this.commit();
  }

  close() {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}
