/** The leak rule of setup.ts can fail: a process left in an org is found (by cwd or by argv) and ended; the org's own daemon is not a leak. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { waitFor } from './events.js';
import { makeOrg } from './org.js';
import { alive, leftovers } from './processes.js';

describe('processes left behind in a test org', () => {
  it('are found by cwd or argv, not counting the running daemon, and ended by cleanup', async () => {
    const org = makeOrg(['maya']);
    await org.start();
    expect(await leftovers(org, 0)).toEqual([]);
    const byCwd = spawn('sleep', ['60'], { cwd: org.p('workspaces', 'maya'), stdio: 'ignore' });
    // One process naming the org in its command line, with no child (a shell's forked child
    // carries the shell's command line until it execs, and could be seen as a third).
    const byArgv = spawn('sleep', ['60'], { argv0: `sleep-for-${org.root}`, stdio: 'ignore' });
    const pids = [byCwd.pid!, byArgv.pid!];
    await waitFor(async () => {
      const left = await leftovers(org, 0);
      return pids.every((p) => left.some((l) => l.pid === p));
    }, 'both processes seen as left behind');
    const leaked = await org.cleanup();
    expect(leaked.map((p) => p.pid).sort()).toEqual([...pids].sort());
    expect(pids.filter(alive)).toEqual([]);
  });
});
