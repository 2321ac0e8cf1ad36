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
 * - tailEvents(dir, n): the last n events, reading segments from the newest back.
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

async function* chunks(ref: SegmentRef, offset: number): AsyncGenerator<Buffer> {
  const stream = ref.archived
    ? fs.createReadStream(ref.file).pipe(createGunzip())
    : fs.createReadStream(ref.file, { start: offset, highWaterMark: 1 << 20 });
  let skip = ref.archived ? offset : 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    if (skip >= c.length) {
      skip -= c.length;
      continue;
    }
    yield skip ? c.subarray(skip) : c;
    skip = 0;
  }
}

const damaged = (file: string, at: number) =>
  new LogCorrupt(
    `${file}: byte ${at} holds a line that is not an event; the log is damaged there. Move the segment aside and run \`mailroom doctor\``,
  );

/**
 * Stream one segment's lines from `offset`. Returns `good`, the end of its last whole, valid
 * line, and `size`, the end of the bytes read: they differ only in the last segment, by a torn
 * tail (an unterminated line, or a last line that is not an event).
 */
async function readSegment(
  ref: SegmentRef,
  offset: number,
  last: boolean,
  o: ReadOptions,
): Promise<{ good: number; size: number }> {
  let carry: Buffer = Buffer.alloc(0);
  let pos = offset;
  let bad = null as { at: number; bytes: number } | null;
  for await (const chunk of chunks(ref, offset)) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const lastNl = buf.lastIndexOf(10);
    if (lastNl === -1) {
      carry = buf;
      continue;
    }
    if (bad) throw damaged(ref.file, bad.at);
    const text = buf.toString('utf8', 0, lastNl + 1);
    carry = buf.subarray(lastNl + 1);
    let start = 0;
    while (start < text.length) {
      const nl = text.indexOf('\n', start);
      const line = text.slice(start, nl);
      if (bad) throw damaged(ref.file, bad.at);
      if (o.contains === undefined || line.includes(o.contains)) {
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          value = undefined;
        }
        if (isBusEvent(value)) {
          if (o.done?.()) return { good: pos, size: pos };
          const wait = o.onEvent(value);
          if (wait) await wait;
        } else bad = { at: pos + Buffer.byteLength(text.slice(0, start)), bytes: Buffer.byteLength(line) + 1 };
      }
      start = nl + 1;
    }
    if (!bad) pos += lastNl + 1;
  }
  if (bad && (!last || carry.length)) throw damaged(ref.file, bad.at);
  if (carry.length && !last)
    throw new LogCorrupt(`${ref.file}: the last line is not terminated (a torn write); start the daemon to repair it`);
  const good = bad ? bad.at : pos;
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

/** The last `n` events (of those `keep` accepts; all if fewer), reading segments from the newest back. */
export async function tailEvents(
  eventsDir: string,
  n: number,
  keep: (e: BusEvent) => boolean = () => true,
): Promise<BusEvent[]> {
  const all = allSegments(eventsDir);
  const lastLive = all.filter((s) => !s.archived).at(-1)?.name;
  let out: BusEvent[] = [];
  for (let i = all.length - 1; i >= 0 && out.length < n; i--) {
    const ring: BusEvent[] = [];
    await readSegment(all[i]!, 0, all[i]!.name === lastLive, {
      onEvent: (e) => {
        if (!keep(e)) return;
        ring.push(e);
        if (ring.length > n) ring.shift();
      },
    });
    out = [...ring, ...out].slice(-n);
  }
  return out;
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
