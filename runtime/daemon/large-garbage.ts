/**
 * Garbage of large messages, collected before it piles up. A message over ~128 KB is read,
 * stamped and logged as strings that V8 puts in its large-object space, which only a full
 * collection frees; V8 lets that space grow to several times the live heap first (after a
 * collection at 46 MB it let it reach 183 MB), so 130 messages of 1 MB taken after a restart
 * peaked at 250 MB RSS. After every LARGE_GC_BYTES of large messages the daemon asks for a
 * full collection itself (a few ms at the daemon's heap sizes); small mail never does.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * A batch takes files until they hold this many bytes; the rest wait for the next batch. 80
 * messages of 1 MB in one batch peaked at 520 MB RSS: each is read, stamped, logged as a line
 * and written in one buffer with the whole batch.
 */
export const BATCH_BYTES = 8 * 1_048_576;

/** A message at least this large counts (V8's large objects start near 128 KB). */
export const LARGE_MESSAGE = 128 * 1024;
/** A full collection after this many bytes of large messages. */
export const LARGE_GC_BYTES = 8 * 1_048_576;

/** Pure: the bytes counted after `size`, and whether to collect now. */
export function countLarge(
  counted: number,
  size: number,
  every = LARGE_GC_BYTES,
): { counted: number; collect: boolean } {
  if (size < LARGE_MESSAGE) return { counted, collect: false };
  const next = counted + size;
  return next >= every ? { counted: 0, collect: true } : { counted: next, collect: false };
}

/** The gc() function (the flag set at run time, as `node --expose-gc` would), or null if refused. */
function exposeGc(): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

export class LargeGarbage {
  private counted = 0;
  private due = false;
  private gc: (() => void) | null | undefined;

  /** A message of `size` bytes was taken. */
  add(size: number): void {
    const r = countLarge(this.counted, size);
    this.counted = r.counted;
    this.due ||= r.collect;
  }

  /** Between batches (what the last ones read is garbage by then): collect if due. */
  collectIfDue(): void {
    if (!this.due) return;
    this.due = false;
    this.gc ??= exposeGc();
    this.gc?.();
  }
}
