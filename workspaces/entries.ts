/**
 * A folder's entry names as the daemon lists them: as text (cheap strings from the kernel's
 * UTF-8), and by their raw bytes only when a name did not decode (a name that is not UTF-8 is
 * taken by its bytes: bus/names.ts rawCandidate). At 300,000 names in inboxes, listing every
 * name as a Buffer cost seconds of start-up in allocations and garbage collection.
 */
import { escapeRawName, rawCandidate } from '../bus/names.js';

/** A name decoded with a replacement character: maybe not UTF-8 (or a real U+FFFD), so listed again by its bytes. */
export const mangled = (name: string) => name.includes('\uFFFD');

/** A folder's entry names: as text (`text`: UTF-8 decoded), with `raw` bytes when some name is not UTF-8. */
export class Entries {
  readonly text: string[];
  constructor(
    readonly raw: Buffer[] | null,
    text?: string[],
  ) {
    this.text = text ?? (raw ?? []).map((r) => r.toString('utf8'));
  }

  /** The i-th name as a candidate (bus/names.ts rawCandidate: a name that is not UTF-8 by its bytes). */
  candidate(i: number): string {
    return this.raw ? rawCandidate(this.raw[i]!) : this.text[i]!;
  }

  /** The i-th name as shown to people (escaped where it is not UTF-8). */
  shown(i: number): string {
    return this.raw ? escapeRawName(this.raw[i]!) : this.text[i]!;
  }
}
