/**
 * Seeded traffic for the thread index's model tests (unit/runtime/thread-index, int/bus/thread-store):
 * message by message, a reply (four in ten) to one of the last `reach` messages while reply_to
 * still knows it, else a new thread.
 */
import type { ThreadInfo } from '../../runtime/decide/accept.js';

/** The thread entry of message number `i` (id `id`), given the ids so far and what reply_to knows now. */
export function seededMessage(
  rng: () => number,
  i: number,
  id: string,
  ids: readonly string[],
  reach: number,
  known: (id: string) => ThreadInfo | undefined,
): ThreadInfo {
  const named =
    ids.length && rng() < 0.4 ? ids[ids.length - 1 - Math.floor(rng() * Math.min(ids.length, reach))]! : null;
  const parent = named ? known(named) : undefined;
  return { thread: parent ? parent.thread : id, hops: parent ? 1 : 0, from: ['ann', 'bob', 'x@elsewhere'][i % 3]! };
}
