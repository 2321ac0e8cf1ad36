import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { heapFlags, SMALL_HEAP } from '../../../runtime/cli/heap-flags.js';

describe('heapFlags: the V8 settings of each command', () => {
  it.each([
    ['status', SMALL_HEAP],
    ['board', SMALL_HEAP],
    ['doctor', SMALL_HEAP],
    ['show', SMALL_HEAP],
    ['log', SMALL_HEAP],
    ['why', SMALL_HEAP],
    ['start', null],
    ['serve', SMALL_HEAP],
    ['send', null],
    ['init', null],
    ['compact', null],
  ])('%s -> %s', (command, flags) => {
    expect(heapFlags(command)).toBe(flags);
  });
});

/**
 * The flags are set at run time, after V8 made its heap: a flag V8 reads only then would be
 * silently ignored (`--max-semi-space-size` is, at run time). A child process keeps a ring of 200,000 live
 * objects (much survives each scavenge, which is what makes V8 grow its young generation) and
 * prints the largest young generation it saw.
 */
const RING = `
const v8 = require('node:v8');
if (process.env.FLAGS) v8.setFlagsFromString(process.env.FLAGS);
const ring = new Array(200000); let k = 0, max = 0;
for (let round = 0; round < 60; round++) {
  for (let i = 0; i < 10000; i++) ring[k++ % ring.length] = { a: 'x' + k, b: [k] };
  max = Math.max(max, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
}
process.stdout.write(String(max));
`;

function youngGeneration(flags: string | null): number {
  const r = spawnSync(process.execPath, ['-e', RING], {
    encoding: 'utf8',
    env: { ...process.env, FLAGS: flags ?? '' },
  });
  if (r.status !== 0) throw new Error(`the child failed: ${r.stderr}`);
  return Number(r.stdout) / 1e6;
}

describe("the readers' setting works when set at run time", () => {
  it('V8 grows the young generation past 8 MB by default, and keeps it at ~2 MB with SMALL_HEAP', () => {
    expect(youngGeneration(null)).toBeGreaterThan(8);
    expect(youngGeneration(SMALL_HEAP)).toBeLessThan(4.5);
    expect(youngGeneration('--max-semi-space-size=2')).toBeGreaterThan(8); // read only when the heap is made
  });
});
