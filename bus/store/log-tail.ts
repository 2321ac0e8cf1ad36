/**
 * The last events of the log, for `log --tail`: the newest live segment is read backwards in
 * chunks, only as far as needed; an archived one (gzip, log-read.ts) is streamed forwards.
 */
import fs from 'node:fs';
import { isBusEvent, type BusEvent } from '../events.js';
import { allSegments, damaged, readSegment } from './log-read.js';

const TAIL_CHUNK = 256 * 1024;

/**
 * The last `n` events of a live segment that `keep` accepts, reading it backwards in chunks (so
 * `log --tail` costs what it prints, not the segment). A torn last line is skipped; any other
 * line that is not an event is damage.
 */
function tailOfLive(file: string, n: number, keep: (e: BusEvent) => boolean): BusEvent[] {
  const fd = fs.openSync(file, 'r');
  const newestFirst: BusEvent[] = [];
  try {
    let end = fs.fstatSync(fd).size;
    const lastByte = Buffer.alloc(1);
    if (end > 0) fs.readSync(fd, lastByte, 0, 1, end - 1);
    const unterminated = end > 0 && lastByte[0] !== 10;
    if (!unterminated && end > 0) end--; // read up to the last '\n', not past it
    let rest: Buffer = Buffer.alloc(0); // the end part of a line whose beginning is not read yet
    let newest = true; // the last line: torn (unterminated, or not an event) is tolerated there
    while (end > 0 && newestFirst.length < n) {
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
          if (keep(value) && newestFirst.push(value) >= n) break;
        } else if (!newest) throw damaged(file, start + nl + 1);
        newest = false;
        stop = nl;
        if (nl === -1) break;
      }
      rest = Buffer.from(buf.subarray(0, Math.max(0, stop)));
      end = start;
    }
  } finally {
    fs.closeSync(fd);
  }
  return newestFirst.reverse();
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
