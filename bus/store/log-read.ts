/**
 * Reading the event log without holding it: segments are streamed in chunks, line by line, so
 * memory follows the longest line, not the length of the history. Archived segments
 * (bus/archive/<n>.jsonl.gz, written by `mailroom compact`) are read through gunzip; where a
 * segment exists both live and archived (a compaction cut short), the live one is read.
 *
 * - readEvents(dir, {from, contains, onEvent}): every event from a position (a segment and a
 *   byte offset, as a snapshot records) onward. With `contains`, a line that does not contain
 *   that text is not JSON-parsed (how `show <id>` scans old segments cheaply).
 * - A line that is not an event is LogCorrupt, except as the last line of the last segment (a
 *   torn write): that is skipped and reported in the result, so the writer can cut it.
 * - tailEvents(dir, n) (log-tail.ts): the last n events, reading segments from the newest back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { isBusEvent, type BusEvent } from '../events.js';
import { LogCorrupt, segments } from './log.js';

export const ARCHIVE_RE = /^(\d{6})\.jsonl\.gz$/;

export interface Position {
  segment: string;
  offset: number;
}

export interface SegmentRef {
  /** 000001.jsonl */
  name: string;
  file: string;
  archived: boolean;
}

/** bus/archive/, beside bus/events/. */
export function archiveDir(eventsDir: string): string {
  return path.join(path.dirname(eventsDir), 'archive');
}

export function archivedName(segment: string): string {
  return `${segment}.gz`;
}

/** Every segment, archived or live, oldest first (a live one wins over its archived copy). */
export function allSegments(eventsDir: string): SegmentRef[] {
  const live = segments(eventsDir);
  const byName = new Map<string, SegmentRef>();
  let archived: string[] = [];
  try {
    archived = fs.readdirSync(archiveDir(eventsDir)).filter((n) => ARCHIVE_RE.test(n));
  } catch {
    /* no archive yet */
  }
  for (const a of archived)
    byName.set(a.slice(0, -3), { name: a.slice(0, -3), file: path.join(archiveDir(eventsDir), a), archived: true });
  for (const l of live) byName.set(l, { name: l, file: path.join(eventsDir, l), archived: false });
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export interface ReadOptions {
  from?: Position | null;
  /** Parse only lines containing this text. */
  contains?: string;
  /** May return a promise (a reader waiting for its output to drain): it is awaited. */
  onEvent: (e: BusEvent) => void | Promise<void>;
  /** Stop early when this returns true (checked per event). */
  done?: () => boolean;
}

export interface ReadResult {
  /** The last live segment and its length without a torn last line (the writer cuts the rest). */
  end: Position | null;
  torn: { segment: string; droppedBytes: number } | null;
}

/**
 * A segment's bytes from `offset`, chunk by chunk. A live segment is read into one buffer, reused
 * for every chunk (the caller copies what it keeps), so scanning a long log leaves no megabytes of
 * garbage behind; an archived one is gunzipped as a stream.
 */
async function* chunks(ref: SegmentRef, offset: number): AsyncGenerator<Buffer> {
  if (!ref.archived) {
    const fd = fs.openSync(ref.file, 'r');
    const buf = Buffer.allocUnsafe(1 << 20);
    try {
      for (let at = offset, n; (n = fs.readSync(fd, buf, 0, buf.length, at)) > 0; at += n) yield buf.subarray(0, n);
    } finally {
      fs.closeSync(fd);
    }
    return;
  }
  const stream = fs.createReadStream(ref.file).pipe(createGunzip());
  let skip = offset;
  for await (const c of stream as AsyncIterable<Buffer>) {
    if (skip >= c.length) {
      skip -= c.length;
      continue;
    }
    yield skip ? c.subarray(skip) : c;
    skip = 0;
  }
}

export const damaged = (file: string, at: number) =>
  new LogCorrupt(
    `${file}: byte ${at} holds a line that is not an event; the log is damaged there. Move the segment aside and run \`mailroom doctor\``,
  );

/** A line that is not an event, and where it is (bytes into the segment). */
interface Bad {
  at: number;
  bytes: number;
}

/** The lines of one segment as they are read: decoded, checked, passed on (see readSegment). */
class SegmentLines {
  /** Bytes into the segment of the next unread line. */
  pos: number;
  bad = null as Bad | null;
  stopped = false;
  private readonly needle: Buffer | null;

  constructor(
    private readonly file: string,
    offset: number,
    private readonly o: ReadOptions,
  ) {
    this.pos = offset;
    this.needle = o.contains === undefined ? null : Buffer.from(o.contains);
  }

  /** One whole line, buf[start, end) ('\n' at end), at `at` bytes into the segment. */
  private async one(buf: Buffer, start: number, end: number, at: number): Promise<void> {
    if (this.bad) throw damaged(this.file, this.bad.at);
    let value: unknown;
    try {
      value = JSON.parse(buf.toString('utf8', start, end));
    } catch {
      value = undefined;
    }
    if (!isBusEvent(value)) this.bad = { at, bytes: end - start + 1 };
    else if (this.o.done?.()) this.stopped = true;
    else {
      const wait = this.o.onEvent(value);
      if (wait) await wait;
    }
  }

  /** The whole lines of buf[from, to) (to: just after a '\n'); buf[from] is `pos` bytes into the segment. */
  async lines(buf: Buffer, from: number, to: number): Promise<void> {
    if (this.bad) throw damaged(this.file, this.bad.at);
    const { needle } = this;
    if (needle) {
      for (let i = buf.indexOf(needle, from); i !== -1 && i < to && !this.stopped; ) {
        const start = Math.max(from, buf.lastIndexOf(10, i) + 1);
        const end = buf.indexOf(10, i);
        await this.one(buf, start, end, this.pos + start - from);
        i = buf.indexOf(needle, end + 1);
      }
    } else {
      for (let start = from; start < to && !this.stopped; ) {
        const end = buf.indexOf(10, start);
        await this.one(buf, start, end, this.pos + start - from);
        start = end + 1;
      }
    }
    if (!this.bad && !this.stopped) this.pos += to - from;
  }
}

/**
 * Stream one segment's lines from `offset`. Returns `good`, the end of its last whole, valid
 * line, and `size`, the end of the bytes read: they differ only in the last segment, by a torn
 * tail (an unterminated line, or a last line that is not an event). Lines are decoded one by one
 * from the bytes read; with `contains`, the bytes are searched and only the lines holding it are
 * decoded at all (how `show` scans a long log without garbage).
 */
export async function readSegment(
  ref: SegmentRef,
  offset: number,
  last: boolean,
  o: ReadOptions,
): Promise<{ good: number; size: number }> {
  const r = new SegmentLines(ref.file, offset, o);
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks(ref, offset)) {
    let from = 0;
    if (carry.length) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      const first = Buffer.concat([carry, chunk.subarray(0, nl + 1)]);
      await r.lines(first, 0, first.length);
      from = nl + 1;
    }
    const lastNl = chunk.lastIndexOf(10);
    if (lastNl >= from && !r.stopped) await r.lines(chunk, from, lastNl + 1);
    if (r.stopped) return { good: r.pos, size: r.pos };
    carry = Buffer.from(chunk.subarray(Math.max(from, lastNl + 1)));
  }
  const { bad } = r;
  if (bad && (!last || carry.length)) throw damaged(ref.file, bad.at);
  if (carry.length && !last)
    throw new LogCorrupt(`${ref.file}: the last line is not terminated (a torn write); start the daemon to repair it`);
  const good = bad ? bad.at : r.pos;
  return { good, size: good + (bad ? bad.bytes : 0) + carry.length };
}

/** Every event from `from` (or the beginning) onward, archived segments included. */
export async function readEvents(eventsDir: string, o: ReadOptions): Promise<ReadResult> {
  const all = allSegments(eventsDir);
  const lastLive = all.filter((s) => !s.archived).at(-1)?.name;
  let result: ReadResult = { end: null, torn: null };
  for (const ref of all) {
    if (o.from && ref.name < o.from.segment) continue;
    const offset = o.from && ref.name === o.from.segment ? o.from.offset : 0;
    const last = ref.name === lastLive;
    const { good, size } = await readSegment(ref, offset, last, o);
    if (last)
      result = {
        end: { segment: ref.name, offset: good },
        torn: size > good ? { segment: ref.name, droppedBytes: size - good } : null,
      };
    if (o.done?.()) break;
  }
  return result;
}

/**
 * The events whose line mentions `needle` (a message id), reading segments from the newest back
 * and stopping after the segment where `first` matched (the event that starts the story: later
 * ones are all in newer segments). Only lines containing the needle are JSON-parsed. In log order.
 */
export async function eventsMentioning(
  eventsDir: string,
  needle: string,
  first: (e: BusEvent) => boolean,
): Promise<BusEvent[]> {
  const all = allSegments(eventsDir);
  const lastLive = all.filter((s) => !s.archived).at(-1)?.name;
  const out: BusEvent[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    let found = false;
    const here: BusEvent[] = [];
    await readSegment(all[i]!, 0, all[i]!.name === lastLive, {
      contains: needle,
      onEvent: (e) => {
        here.push(e);
        if (first(e)) found = true;
      },
    });
    out.unshift(...here);
    if (found) break;
  }
  return out;
}
