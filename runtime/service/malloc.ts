/**
 * The one malloc setting the daemon runs with on glibc. Pure.
 *
 * glibc's malloc starts by serving allocations of 128 KiB and more with their own mmap, but the
 * first time such a block is freed it raises that threshold to the block's size (up to 32 MB)
 * and no longer trims its main arena until twice that is free at its top. Node frees such
 * blocks all the time (file reads, Buffers, SQLite). Measured under steady traffic (README,
 * "Steady traffic"): with glibc's moving threshold the main arena (`[heap]`) grew from 4 to
 * 9 MB in the first 10 minutes and kept rising, with a live heap that did not; with the
 * threshold fixed it stayed at 5 MB, for the same CPU. Setting it also fixes the trim threshold
 * at glibc's 128 KiB default.
 *
 * glibc reads it from the environment once, when the process starts, so it cannot be set from
 * inside node: `bin/mailroom` (the `mailroom` command) and the systemd unit (service/unit.ts) put
 * it in the daemon's environment, and the daemon says at start-up when it runs without it.
 */

export const MALLOC_ENV = { name: 'MALLOC_MMAP_THRESHOLD_', value: '131072' } as const;

/** `env` with the setting added, unless a value is given (as bin/mailroom does): for a daemon spawned from node. */
export function withMalloc(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env[MALLOC_ENV.name] ? env : { ...env, [MALLOC_ENV.name]: MALLOC_ENV.value };
}

/**
 * A line for the daemon's start-up log when it runs on glibc without a fixed mmap threshold;
 * null when there is nothing to say (set, given as a glibc tunable, or not glibc at all).
 * Empty counts as not set.
 * `glibc` is the runtime glibc version (process.report's header), undefined elsewhere.
 */
export function mallocNote(
  env: Readonly<Record<string, string | undefined>>,
  glibc: string | undefined,
): string | null {
  if (glibc === undefined) return null;
  if (env[MALLOC_ENV.name]) return null; // empty is not set: glibc would read 0 and mmap every allocation
  if (/(^|:)glibc\.malloc\.mmap_threshold=/.test(env.GLIBC_TUNABLES ?? '')) return null;
  return (
    `glibc ${glibc}: ${MALLOC_ENV.name} is not set, so glibc's malloc moves its mmap threshold and its heap ` +
    `creeps up under steady traffic (README, "Steady traffic"). The \`mailroom\` command and the unit of ` +
    `\`mailroom service install\` set it; with node directly: ${MALLOC_ENV.name}=${MALLOC_ENV.value} node ... start`
  );
}
