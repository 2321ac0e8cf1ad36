/**
 * The event log's lines, pure: which bytes of a segment are whole events, and the torn-tail
 * rule. A segment is JSON lines, each ending in '\n'. The last segment may end in a torn tail
 * (a write cut short by a crash): an unterminated last line, or a terminated last line that is
 * not an event. A torn tail is tolerated only where `allowTornTail` says so (the last segment);
 * anything else that is not an event is damage, reported with the byte where it starts.
 */
import { isBusEvent, type BusEvent } from '../events.js';

export class LogCorrupt extends Error {
  override name = 'LogCorrupt';
}

export interface ParsedLines {
  events: BusEvent[];
  /** Bytes (UTF-8) of the whole events at the start of `text`: where a torn tail begins. */
  goodBytes: number;
}

/** The events of one segment's text; throws LogCorrupt (naming `file`) on damage. */
export function parseLines(text: string, file: string, allowTornTail: boolean): ParsedLines {
  const events: BusEvent[] = [];
  let offset = 0;
  while (offset < text.length) {
    const nl = text.indexOf('\n', offset);
    if (nl === -1) {
      if (allowTornTail) break;
      throw new LogCorrupt(`${file}: the last line is not terminated (a torn write); start the daemon to repair it`);
    }
    const line = text.slice(offset, nl);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (!isBusEvent(value)) {
      if (allowTornTail && nl + 1 >= text.length) break;
      throw new LogCorrupt(
        `${file}: byte ${offset} holds a line that is not an event; the log is damaged there. Move the segment aside and run \`mailroom doctor\``,
      );
    }
    events.push(value);
    offset = nl + 1;
  }
  return { events, goodBytes: Buffer.byteLength(text.slice(0, offset)) };
}

/** True when a segment's text ends in an unterminated line (what `doctor` reports as torn). */
export function endsTorn(text: string): boolean {
  return text.length > 0 && !text.endsWith('\n');
}
