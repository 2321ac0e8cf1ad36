/**
 * The messages `reply_to:` may still name, compactly: per message its thread, hop count and
 * sender; per thread its last activity. Columns of typed arrays (codes.ts packs an id into two
 * 32-bit numbers) in a FIFO queue, with two CodeMaps (id -> position, thread -> last activity,
 * in seconds): about 50 bytes a message instead of ~200 for a Map of objects, and a snapshot
 * section that is a few binary columns, not hundreds of thousands of JSON strings.
 *
 * Forgetting (forget.ts states the rule): the queue holds messages roughly oldest first, each
 * with `seen`, a time its thread was known active (its acceptance, or the activity found when it
 * was last moved). A sweep looks at the front: while that entry's `seen` is older than the ttl,
 * it is forgotten (its thread idle: with the thread's activity) or moved to the back with the
 * activity found (its thread lives on); an entry seen within the ttl stops the sweep, since its
 * thread cannot be idle yet. So a message is looked at about once per ttl, not once per event.
 * `get` applies the ttl exactly, so what is swept late is never answered. Every operation is
 * O(1) amortised.
 *
 * With a second tier attached (`cold`, cold-threads.ts: the daemon's is on disk), memory holds
 * only the last few minutes (hotWindow): the sweep moves every entry older than that to the tier,
 * and its thread's activity once that is as old, instead of keeping them for the whole ttl. A
 * lookup looks in memory first, then in the tier; the answer is the same either way.
 *
 * The snapshot form (serialise) is canonical: the queue in order, names (odd ids, senders) numbered
 * by first appearance, activity sorted by code; so folding a snapshot and the tail gives the same
 * text as folding the whole log, whatever each table's internal layout. Binary columns are
 * little-endian (the byte order of every machine Node runs on here). Pure; no I/O.
 */
import { CodeMap } from './code-map.js';
import { codeString, findCode, ODD, Pool, releaseCode, retainCode } from './codes.js';
import type { ThreadInfo } from '../decide/accept.js';
import { hotWindow, type ColdThreads } from './cold-threads.js';

/**
 * The snapshot section of the index: `meta` (JSON) and `columns`, the little-endian bytes of its
 * columns back to back: u32 id hi, id lo, thread hi, thread lo, from (a name), seen per message;
 * u32 thread hi, lo, last activity per thread; u16 hops per message.
 */
export interface ThreadsMeta {
  /** Odd ids and senders, by first appearance. */
  names: string[];
  messages: number;
  threads: number;
}

const MIN = 1024;
const MAX_HOPS = 0xffff;

const capacity = (n: number) => {
  let cap = MIN;
  while (cap < n * 2) cap *= 2;
  return cap;
};

export class ThreadIndex {
  private readonly pool = new Pool();
  private keyHi: Uint32Array;
  private keyLo: Uint32Array;
  private thHi: Uint32Array;
  private thLo: Uint32Array;
  private hops: Uint16Array;
  private from: Uint32Array;
  /** When the entry's thread was known active (s). */
  private seen: Uint32Array;
  private head = 0;
  private tail = 0;
  private readonly byId: CodeMap;
  /** thread -> last activity (s). */
  private readonly active: CodeMap;
  /** Where entries go after hotWindow (null: kept in memory for the whole ttl). */
  cold: ColdThreads | null = null;

  /** Sized for `messages` and `threads` (both grow as needed). */
  constructor(messages = 0, threads = 0) {
    const cap = capacity(messages);
    [this.keyHi, this.keyLo, this.thHi, this.thLo, this.from, this.seen] = [1, 2, 3, 4, 5, 6].map(
      () => new Uint32Array(cap),
    ) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    this.hops = new Uint16Array(cap);
    this.byId = new CodeMap(messages);
    this.active = new CodeMap(threads);
  }

  /** Messages held (some may be of idle threads the sweep has not reached yet). */
  get size(): number {
    return this.tail - this.head;
  }

  get threads(): number {
    return this.active.size;
  }

  private position(id: string): number | undefined {
    const code = findCode(this.pool, id);
    return code ? this.byId.get(code[0], code[1]) : undefined;
  }

  /** Is message `id` held (accepted, and its thread not forgotten)? */
  has(id: string): boolean {
    return this.position(id) !== undefined || this.cold?.get(id) !== undefined;
  }

  /** A thread's last activity (s): in memory, else in the second tier. */
  private lastActivity(thread: string): number | undefined {
    const code = findCode(this.pool, thread);
    return (code ? this.active.get(code[0], code[1]) : undefined) ?? this.cold?.activity(thread);
  }

  private infoAt(p: number): ThreadInfo {
    return {
      thread: codeString(this.pool, this.thHi[p]!, this.thLo[p]!),
      hops: this.hops[p]!,
      from: this.pool.name(this.from[p]!),
    };
  }

  /** Message `id`'s entry, whatever its thread's age. */
  info(id: string): ThreadInfo | undefined {
    const p = this.position(id);
    return p === undefined ? this.cold?.get(id) : this.infoAt(p);
  }

  /** Message `id`'s entry, unless its thread has been idle longer than `ttlS` at `nowS`. */
  get(id: string, nowS: number, ttlS: number): ThreadInfo | undefined {
    const info = this.info(id);
    if (info === undefined) return undefined;
    const last = this.lastActivity(info.thread);
    return last !== undefined && last >= nowS - ttlS ? info : undefined;
  }

  /** Record message `id` (accepted at `nowS`) and its thread's activity. */
  note(id: string, info: ThreadInfo, nowS: number): void {
    let p = this.position(id);
    if (p === undefined) {
      const [hi, lo] = retainCode(this.pool, id);
      p = this.push(hi, lo);
      this.byId.set(hi, lo, p);
      this.seen[p] = nowS;
    } else {
      releaseCode(this.pool, this.thHi[p]!, this.thLo[p]!);
      this.pool.release(this.from[p]!);
    }
    const [th, tl] = retainCode(this.pool, info.thread);
    this.thHi[p] = th;
    this.thLo[p] = tl;
    this.hops[p] = Math.min(Math.max(0, info.hops), MAX_HOPS);
    this.from[p] = this.pool.retain(info.from);
    if (this.active.set(th, tl, nowS) && th === ODD) this.pool.retainIndex(tl);
    // A reply renews a thread the tier may hold (with older messages): it must not expire there meanwhile.
    if (this.cold && info.thread !== id) this.cold.touch(info.thread, nowS);
  }

  /** Up to `steps` steps of forgetting: the oldest messages whose thread is idle past the ttl go. */
  sweep(nowS: number, ttlS: number, steps: number): void {
    if (this.cold) return this.spill(this.cold, nowS, ttlS, steps);
    const cutoff = nowS - ttlS;
    for (; steps > 0 && this.head < this.tail && this.seen[this.head]! < cutoff; steps--) {
      const p = this.head++;
      const [hi, lo, th, tl] = [this.keyHi[p]!, this.keyLo[p]!, this.thHi[p]!, this.thLo[p]!];
      const last = this.active.get(th, tl);
      if (last !== undefined && last >= cutoff) {
        const [hops, from] = [this.hops[p]!, this.from[p]!];
        const q = this.push(hi, lo);
        [this.thHi[q], this.thLo[q], this.hops[q], this.from[q], this.seen[q]] = [th, tl, hops, from, last];
        this.byId.set(hi, lo, q);
        continue;
      }
      this.byId.delete(hi, lo);
      releaseCode(this.pool, hi, lo);
      releaseCode(this.pool, th, tl);
      this.pool.release(this.from[p]!);
      if (last !== undefined && this.active.delete(th, tl)) releaseCode(this.pool, th, tl);
    }
  }

  /**
   * The sweep with a second tier: entries older than the hot window go to it (unless their
   * thread is idle past the ttl already), and their thread's activity with the thread's last entry.
   */
  private spill(cold: ColdThreads, nowS: number, ttlS: number, steps: number): void {
    const [idle, cut] = [nowS - ttlS, nowS - hotWindow(ttlS)];
    cold.expire(idle);
    for (; steps > 0 && this.head < this.tail && this.seen[this.head]! < cut; steps--) {
      const p = this.head++;
      const [hi, lo, th, tl] = [this.keyHi[p]!, this.keyLo[p]!, this.thHi[p]!, this.thLo[p]!];
      const last = this.active.get(th, tl);
      const thread = codeString(this.pool, th, tl);
      if ((last ?? cold.activity(thread) ?? idle - 1) >= idle) cold.put(codeString(this.pool, hi, lo), this.infoAt(p));
      if (last !== undefined && last < cut) {
        cold.touch(thread, last);
        if (this.active.delete(th, tl)) releaseCode(this.pool, th, tl);
      }
      this.byId.delete(hi, lo);
      releaseCode(this.pool, hi, lo);
      releaseCode(this.pool, th, tl);
      this.pool.release(this.from[p]!);
    }
  }

  /** Every held message in queue order (tests and tools). */
  *entries(): Generator<[string, ThreadInfo]> {
    for (let p = this.head; p < this.tail; p++)
      yield [codeString(this.pool, this.keyHi[p]!, this.keyLo[p]!), this.infoAt(p)];
  }

  /** A slot at the back of the queue (compacting or growing the columns first if full). */
  private push(hi: number, lo: number): number {
    if (this.tail === this.keyHi.length) this.resize();
    const q = this.tail++;
    this.keyHi[q] = hi;
    this.keyLo[q] = lo;
    return q;
  }

  /** Move the queue to the front of columns of twice its size (at least MIN); positions change. */
  private resize(): void {
    const n = this.size;
    const cap = capacity(n);
    const move = <T extends Uint32Array | Uint16Array>(a: T, make: (c: number) => T): T => {
      const b = make(cap);
      b.set(a.subarray(this.head, this.tail));
      return b;
    };
    const u32 = (c: number) => new Uint32Array(c);
    this.keyHi = move(this.keyHi, u32);
    this.keyLo = move(this.keyLo, u32);
    this.thHi = move(this.thHi, u32);
    this.thLo = move(this.thLo, u32);
    this.from = move(this.from, u32);
    this.seen = move(this.seen, u32);
    this.hops = move(this.hops, (c) => new Uint16Array(c));
    this.head = 0;
    this.tail = n;
    for (let p = 0; p < n; p++) this.byId.set(this.keyHi[p]!, this.keyLo[p]!, p);
  }

  serialise(): { meta: ThreadsMeta; columns: Uint8Array } {
    const names: string[] = [];
    const canon = new Map<number, number>();
    const name = (i: number) => {
      let c = canon.get(i);
      if (c === undefined) canon.set(i, (c = names.push(this.pool.name(i)) - 1));
      return c;
    };
    const [n, a] = [this.size, this.active.columns()];
    const m = a.hi.length;
    const blob = new ArrayBuffer(4 * (6 * n + 3 * m) + 2 * n);
    const col = (k: number, len: number) => new Uint32Array(blob, 4 * k, len);
    const [keyHi, keyLo, thHi, thLo, from] = [0, n, 2 * n, 3 * n, 4 * n].map((k) => col(k, n)) as Uint32Array[];
    col(5 * n, n).set(this.seen.subarray(this.head, this.tail));
    for (let k = 0, p = this.head; k < n; k++, p++) {
      keyHi![k] = this.keyHi[p]!;
      keyLo![k] = this.keyHi[p] === ODD ? name(this.keyLo[p]!) : this.keyLo[p]!;
      thHi![k] = this.thHi[p]!;
      thLo![k] = this.thHi[p] === ODD ? name(this.thLo[p]!) : this.thLo[p]!;
      from![k] = name(this.from[p]!);
    }
    for (let k = 0; k < m; k++) if (a.hi[k] === ODD) a.lo[k] = name(a.lo[k]!);
    const order = new Uint32Array(m).map((_, k) => k);
    order.sort((x, y) => a.hi[x]! - a.hi[y]! || a.lo[x]! - a.lo[y]!);
    const [aHi, aLo, aS] = [6 * n, 6 * n + m, 6 * n + 2 * m].map((k) => col(k, m)) as Uint32Array[];
    order.forEach((x, k) => {
      [aHi![k], aLo![k], aS![k]] = [a.hi[x]!, a.lo[x]!, a.val[x]!];
    });
    new Uint16Array(blob, 4 * (6 * n + 3 * m), n).set(this.hops.subarray(this.head, this.tail));
    return { meta: { names, messages: n, threads: m }, columns: new Uint8Array(blob) };
  }

  /** The index a snapshot section describes; throws on columns that do not fit together. */
  static deserialise(j: ThreadsMeta, raw: Uint8Array): ThreadIndex {
    const { messages: n, threads: m } = j;
    if (!Number.isInteger(n) || !Number.isInteger(m) || raw.length !== 4 * (6 * n + 3 * m) + 2 * n)
      throw new Error(`the thread columns do not fit together (${n} messages, ${m} threads, ${raw.length} bytes)`);
    const blob = raw.byteOffset % 4 === 0 ? raw : new Uint8Array(raw); // typed arrays need aligned offsets (a copy has offset 0)
    const col = (k: number, len: number) => new Uint32Array(blob.buffer, blob.byteOffset + 4 * k, len);
    const t = new ThreadIndex(n, m);
    const names = j.names.map((s) => t.pool.retain(s)); // held until every reference is taken
    const odd = (hi: number, lo: number) => (hi === ODD ? (t.pool.retainIndex(names[lo]!), names[lo]!) : lo);
    t.keyHi.set(col(0, n));
    t.thHi.set(col(2 * n, n));
    t.seen.set(col(5 * n, n));
    t.hops.set(new Uint16Array(blob.buffer, blob.byteOffset + 4 * (6 * n + 3 * m), n));
    const [keyLo, thLo, from] = [col(n, n), col(3 * n, n), col(4 * n, n)];
    for (let p = 0; p < n; p++) {
      t.keyLo[p] = odd(t.keyHi[p]!, keyLo[p]!);
      t.thLo[p] = odd(t.thHi[p]!, thLo[p]!);
      t.from[p] = names[from[p]!]!;
      t.pool.retainIndex(t.from[p]!);
      t.byId.set(t.keyHi[p]!, t.keyLo[p]!, p);
    }
    t.tail = n;
    const [aHi, aLo, aS] = [col(6 * n, m), col(6 * n + m, m), col(6 * n + 2 * m, m)];
    for (let k = 0; k < m; k++) t.active.set(aHi[k]!, odd(aHi[k]!, aLo[k]!), aS[k]!);
    for (const i of names) t.pool.release(i);
    return t;
  }
}
