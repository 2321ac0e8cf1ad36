/**
 * The V8 settings of each command, set at run time (v8.setFlagsFromString) before the command
 * loads anything. V8 sizes its heap for throughput by default: its young generation grows from
 * 2 MB to 32 MB of garbage room (16 MB semi-spaces, doubled) as soon as much survives a scavenge.
 *   - The one-shot read commands favour memory over speed: `--optimize-for-size` (smaller heap
 *     growth) and a young generation that never grows (README, "Long histories").
 *   - `serve` too: it loads the state once and then folds only the events logged since
 *     (runtime/serve/read.ts); with the defaults the page server kept 130-220 MB after its first
 *     refreshes.
 *   - The daemon (`start`) keeps the defaults. Pinning the daemon's young generation
 *     was measured under steady traffic (README, "Steady traffic"): RSS 80-95 MB instead of
 *     110-125 MB while the board held under ~2,000 tasks, but past that every render of BOARD.md
 *     and board.json outlived a 1 MB semi-space, went to the old generation as garbage, and RSS
 *     swung between 100 and 138 MB, for 6% more CPU. A young generation of a few MB would need
 *     `--max-semi-space-size` on node's command line: V8 reads it only when the heap is made.
 */

/** The commands that load the folded state once, print and exit; and the page server. */
export const SMALL_HEAP_COMMANDS: readonly string[] = ['status', 'board', 'doctor', 'show', 'log', 'why', 'serve'];
export const SMALL_HEAP = '--optimize-for-size --semi-space-growth-factor=1';

/** The V8 flags for `command`, or null to keep V8's defaults. */
export function heapFlags(command: string): string | null {
  return SMALL_HEAP_COMMANDS.includes(command) ? SMALL_HEAP : null;
}
