/**
 * Strings as numbers, for the compact tables of the fold (thread-index.ts).
 *   - A message id as mailroom makes them (12 characters of [0-9a-z]) packs into two 32-bit
 *     numbers: each half of 6 base-36 digits is below 36^6 < 2^32. No table, no memory.
 *   - Any other string (an odd id written by hand, a thread from another org, a sender's name)
 *     is interned in a Pool: `hi` is ODD and `lo` its index in the pool. The pool counts the
 *     references to each name and frees one when the last goes, so it holds only what the
 *     tables hold.
 * Pure; no I/O.
 */

/** `hi` of a code that is a pool index, not a packed id (packed halves are below 36^6). */
export const ODD = 0xffff_ffff;

const ID_RE = /^[0-9a-z]{12}$/;

function half(s: string, from: number): number {
  let x = 0;
  for (let i = from; i < from + 6; i++) {
    const c = s.charCodeAt(i);
    x = x * 36 + (c <= 57 ? c - 48 : c - 87);
  }
  return x;
}

/** The two halves of a packed id, or null when `s` is not one. */
export function packId(s: string): [number, number] | null {
  return ID_RE.test(s) ? [half(s, 0), half(s, 6)] : null;
}

export function unpackId(hi: number, lo: number): string {
  return hi.toString(36).padStart(6, '0') + lo.toString(36).padStart(6, '0');
}

/** Interned names with reference counts. */
export class Pool {
  private readonly names: Array<string | null> = [];
  private readonly refs: number[] = [];
  private readonly free: number[] = [];
  private readonly index = new Map<string, number>();

  /** The index of `name`, or -1 when the pool does not hold it. */
  find(name: string): number {
    return this.index.get(name) ?? -1;
  }

  name(i: number): string {
    return this.names[i]!;
  }

  /** Take a reference to `name` (interning it if new); returns its index. */
  retain(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.free.pop() ?? this.names.length;
      this.names[i] = name;
      this.refs[i] = 0;
      this.index.set(name, i);
    }
    this.refs[i]!++;
    return i;
  }

  retainIndex(i: number): void {
    this.refs[i]!++;
  }

  /** Drop a reference; the name is freed with the last. */
  release(i: number): void {
    if (--this.refs[i]! > 0) return;
    this.index.delete(this.names[i]!);
    this.names[i] = null;
    this.free.push(i);
  }

  get size(): number {
    return this.index.size;
  }
}

/** A string as a code [hi, lo]: packed when it is an id, else interned (taking a reference). */
export function retainCode(pool: Pool, s: string): [number, number] {
  return packId(s) ?? [ODD, pool.retain(s)];
}

/** The code of `s` without taking a reference; null when it is odd and not in the pool. */
export function findCode(pool: Pool, s: string): [number, number] | null {
  const packed = packId(s);
  if (packed) return packed;
  const i = pool.find(s);
  return i === -1 ? null : [ODD, i];
}

export function releaseCode(pool: Pool, hi: number, lo: number): void {
  if (hi === ODD) pool.release(lo);
}

export function codeString(pool: Pool, hi: number, lo: number): string {
  return hi === ODD ? pool.name(lo) : unpackId(hi, lo);
}
