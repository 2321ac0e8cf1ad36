/**
 * A hash map from a code (two 32-bit numbers, codes.ts) to a 32-bit value, in typed arrays:
 * open addressing with linear probing, deletion by backward shift (no tombstones), doubling at
 * half full. About 26 bytes an entry, against ~80 for a Map of strings to numbers, and no
 * object per entry for the collector to trace. Iteration order is the table's: callers that
 * need a stable order sort. Pure; no I/O.
 */

const MIN_CAPACITY = 64;
/** Grow past this share of slots used (linear probing stays short below ~0.75 with a mixed hash). */
const MAX_LOAD = 0.7;

/** fmix32 of murmur3 over both halves: packed ids are random already, pool indexes are not. */
function mix(hi: number, lo: number): number {
  let h = Math.imul(hi, 0x9e3779b1) ^ lo;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class CodeMap {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private val: Uint32Array;
  private used: Uint8Array;
  private mask: number;
  size = 0;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap * MAX_LOAD < capacity + 1) cap *= 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.val = new Uint32Array(cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  /** The slot holding the key, or the empty slot where it would go. */
  private slot(hi: number, lo: number): number {
    let i = mix(hi, lo) & this.mask;
    while (this.used[i] && (this.hi[i] !== hi || this.lo[i] !== lo)) i = (i + 1) & this.mask;
    return i;
  }

  get(hi: number, lo: number): number | undefined {
    const i = this.slot(hi, lo);
    return this.used[i] ? this.val[i] : undefined;
  }

  has(hi: number, lo: number): boolean {
    return this.used[this.slot(hi, lo)] === 1;
  }

  /** Set the value; returns true when the key is new. */
  set(hi: number, lo: number, value: number): boolean {
    let i = this.slot(hi, lo);
    if (this.used[i]) {
      this.val[i] = value;
      return false;
    }
    if (this.size + 1 > (this.mask + 1) * MAX_LOAD) {
      this.grow();
      i = this.slot(hi, lo);
    }
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.val[i] = value;
    this.used[i] = 1;
    this.size++;
    return true;
  }

  /** Remove the key; returns true when it was there. */
  delete(hi: number, lo: number): boolean {
    let i = this.slot(hi, lo);
    if (!this.used[i]) return false;
    // Backward shift: pull later entries of the probe run into the gap when their home allows it.
    for (let j = (i + 1) & this.mask; this.used[j]; j = (j + 1) & this.mask) {
      const home = mix(this.hi[j]!, this.lo[j]!) & this.mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (between) continue;
      this.hi[i] = this.hi[j]!;
      this.lo[i] = this.lo[j]!;
      this.val[i] = this.val[j]!;
      i = j;
    }
    this.used[i] = 0;
    this.size--;
    return true;
  }

  /** Every entry as [hi, lo, value], in table order. */
  *entries(): Generator<[number, number, number]> {
    for (let i = 0; i <= this.mask; i++) if (this.used[i]) yield [this.hi[i]!, this.lo[i]!, this.val[i]!];
  }

  /** Every entry into three columns, in table order. */
  columns(): { hi: Uint32Array; lo: Uint32Array; val: Uint32Array } {
    const out = { hi: new Uint32Array(this.size), lo: new Uint32Array(this.size), val: new Uint32Array(this.size) };
    let k = 0;
    for (let i = 0; i <= this.mask; i++) {
      if (!this.used[i]) continue;
      out.hi[k] = this.hi[i]!;
      out.lo[k] = this.lo[i]!;
      out.val[k++] = this.val[i]!;
    }
    return out;
  }

  private grow(): void {
    const { hi, lo, val, used } = this;
    const cap = (this.mask + 1) * 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.val = new Uint32Array(cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < used.length; i++) {
      if (!used[i]) continue;
      const s = this.slot(hi[i]!, lo[i]!);
      this.hi[s] = hi[i]!;
      this.lo[s] = lo[i]!;
      this.val[s] = val[i]!;
      this.used[s] = 1;
    }
  }
}
