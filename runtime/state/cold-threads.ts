/**
 * The thread index's second tier: the messages `reply_to:` may still name that no event has
 * touched for the last few minutes (HOT_S). The index (thread-index.ts) keeps the recent ones in
 * memory and moves the older ones here, so the daemon's memory holds minutes of mail however
 * busy the org and however long `thread_ttl`: at a steady 50 msgs/s, a week of threads is 30
 * million messages, gigabytes in memory. The daemon's tier is on disk (SQLite,
 * runtime/daemon/thread-store.ts); this one, in memory, is for tests and tools.
 *
 * A tier holds facts that never change once true (message id -> its thread, hops, sender) and
 * each thread's last activity, which only grows: writing one twice, or one the index still
 * holds, changes nothing. So a crash that replays the log after the newest snapshot, or a
 * commit undone after a failed write, may write again what is there; the index always looks in
 * memory first. Expiry follows thread_ttl: a thread idle past it goes with its messages, at the
 * tier's pace; the index applies the ttl exactly to what it answers. Pure; no I/O.
 */
import type { ThreadInfo } from '../decide/accept.js';

/** How long a message stays in memory after its thread was last known active (s): at most this. */
export const HOT_S = 600;

/** The memory window for a `thread_ttl` of `ttlS` seconds: HOT_S, or half a shorter ttl. */
export function hotWindow(ttlS: number): number {
  return Math.max(1, Math.min(HOT_S, Math.floor(ttlS / 2)));
}

export interface ColdThreads {
  /** A message of the index, leaving memory. */
  put(id: string, info: ThreadInfo): void;
  /** A thread's last activity (s), leaving memory (an older one than held changes nothing). */
  touch(thread: string, lastS: number): void;
  get(id: string): ThreadInfo | undefined;
  /** A thread's last activity (s) as held here. */
  activity(thread: string): number | undefined;
  /** Threads idle since before `cutoffS` may go, with their messages (at the tier's own pace). */
  expire(cutoffS: number): void;
}

/** The tier in memory: three maps (tests, tools). */
export class MemoryColdThreads implements ColdThreads {
  readonly messages = new Map<string, ThreadInfo>();
  readonly threads = new Map<string, number>();
  private readonly byThread = new Map<string, Set<string>>();

  put(id: string, info: ThreadInfo): void {
    this.messages.set(id, { ...info });
    let ids = this.byThread.get(info.thread);
    if (!ids) this.byThread.set(info.thread, (ids = new Set()));
    ids.add(id);
  }

  touch(thread: string, lastS: number): void {
    const held = this.threads.get(thread);
    if (held === undefined || lastS > held) this.threads.set(thread, lastS);
  }

  get(id: string): ThreadInfo | undefined {
    const info = this.messages.get(id);
    return info && { ...info };
  }

  activity(thread: string): number | undefined {
    return this.threads.get(thread);
  }

  expire(cutoffS: number): void {
    for (const [thread, last] of this.threads) {
      if (last >= cutoffS) continue;
      this.threads.delete(thread);
      for (const id of this.byThread.get(thread) ?? []) this.messages.delete(id);
      this.byThread.delete(thread);
    }
  }
}
