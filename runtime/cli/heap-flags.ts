/**
 * The V8 settings of each command, set at run time (v8.setFlagsFromString) before the command
 * loads anything. V8 sizes its heap for throughput by default: its young generation grows from
 * 2 MB to 32 MB of garbage room (16 MB semi-spaces, doubled) as soon as much survives a scavenge,
 * and shrinks again only when allocation slows; RSS follows it in steps of 8-17 MB.
 *   - The one-shot read commands favour memory over speed: `--optimize-for-size` (smaller heap
 *     growth) and a young generation that never grows (README, "Long histories").
 *   - The daemon keeps V8's speed settings but not the growth: under steady traffic (README,
 *     "Steady traffic") its young generation held 17-34 MB of an RSS of 85-120 MB while its live
 *     heap was 15-19 MB; pinned, the young generation stays at 2 MB and the daemon's RSS at
 *     80-90 MB, for about the same CPU time.
 * `--max-semi-space-size` would be the other way, but V8 reads it only when the heap is made, so
 * it would need a flag on node's command line; a growth factor of 1 is read at every scavenge.
 */

/** The commands that load the folded state once, print and exit. */
export const ONE_SHOT_READERS: readonly string[] = ['status', 'board', 'doctor', 'show', 'log', 'why'];
export const SMALL_HEAP = '--optimize-for-size --semi-space-growth-factor=1';
/** The daemon (`start`): a young generation that never grows. */
export const DAEMON_HEAP = '--semi-space-growth-factor=1';

/** The V8 flags for `command`, or null to keep V8's defaults. */
export function heapFlags(command: string): string | null {
  if (ONE_SHOT_READERS.includes(command)) return SMALL_HEAP;
  if (command === 'start') return DAEMON_HEAP;
  return null;
}
