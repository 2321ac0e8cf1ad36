/**
 * The last events of the log, for `log --tail` and the page: the newest live segment is read
 * backwards in chunks, only as far as needed; an archived one (gzip, log-read.ts) is streamed
 * forwards.
 */
import fs from 'node:fs';
import { isBusEvent, type BusEvent } from '../events.js';
import { allSegments, damaged, readSegment } from './log-read.js';

const TAIL_CHUNK = 256 * 1024;

/**
 * The events of a live segment newest first, reading it backwards in chunks, while `more` (given
 * each event) returns true: so `log --tail` and the page cost what they use, not the segment. A
 * torn last line is skipped; any other line that is not an event is damage. False when `more`
 * stopped the reading, true when the segment's first event was reached.
 */
function backwardsInLive(file: string, more: (e: BusEvent) => boolean): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    let end = fs.fstatSync(fd).size;
    const lastByte = Buffer.alloc(1);
    if (end > 0) fs.readSync(fd, lastByte, 0, 1, end - 1);
    const unterminated = end > 0 && lastByte[0] !== 10;
    if (!unterminated && end > 0) end--; // read up to the last '\n', not past it
    let rest: Buffer = Buffer.alloc(0); // the end part of a line whose beginning is not read yet
    let newest = true; // the last line: torn (unterminated, or not an event) is tolerated there
    while (end > 0) {
      const start = Math.max(0, end - TAIL_CHUNK);
      const buf = Buffer.alloc(end - start + rest.length);
      fs.readSync(fd, buf, 0, end - start, start);
      rest.copy(buf, end - start);
      let stop = buf.length;
      for (;;) {
        const nl = stop > 0 ? buf.lastIndexOf(10, stop - 1) : -1;
        if (nl === -1 && start > 0) break;
        const torn = newest && unterminated;
        const line = torn ? '' : buf.toString('utf8', nl + 1, stop);
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          value = undefined;
        }
        if (isBusEvent(value)) {
          if (!more(value)) return false;
        } else if (!newest) throw damaged(file, start + nl + 1);
        newest = false;
        stop = nl;
        if (nl === -1) break;
      }
      rest = Buffer.from(buf.subarray(0, Math.max(0, stop)));
      end = start;
    }
    return true;
  } finally {
    fs.closeSync(fd);
  }
}

/** The last `n` events of a live segment that `keep` accepts. */
function tailOfLive(file: string, n: number, keep: (e: BusEvent) => boolean): BusEvent[] {
  const newestFirst: BusEvent[] = [];
  if (n > 0) backwardsInLive(file, (e) => !keep(e) || newestFirst.push(e) < n);
  return newestFirst.reverse();
}

/**
 * The live segments' events newest first (bus/events/ only: archived segments are not read),
 * while `more` returns true. Synchronous, for the page's model (runtime/serve/recent.ts). True
 * when it reached the first live event (so `more` saw every live event).
 */
export function eventsBackwards(eventsDir: string, more: (e: BusEvent) => boolean): boolean {
  const live = allSegments(eventsDir).filter((s) => !s.archived);
  for (let i = live.length - 1; i >= 0; i--) if (!backwardsInLive(live[i]!.file, more)) return false;
  return true;
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
    const ref = all[i]!;
    if (!ref.archived) {
      out = [...tailOfLive(ref.file, n - out.length, keep), ...out];
      continue;
    }
    const ring: BusEvent[] = [];
    await readSegment(ref, 0, ref.name === lastLive, {
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
