/**
 * Watchers are hints: the reconciliation sweep (runtime/decide/scan-plan.ts) finds a file no
 * watcher reported, within its bound. For an org of at most SWEEP_FLOOR folders the bound is
 * one scan_interval; for larger ones SWEEP_MS (one minute), both far above what these waits allow.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeOrg, message } from '../../support/org.js';
import { waitFor } from '../../support/events.js';

const delivered = (o: ReturnType<typeof makeOrg>, agent: string, slug: string) => () =>
  o.ls('workspaces', agent, 'inbox').find((n) => n.endsWith(`-${slug}.md`));

describe('the full sweep finds what no watcher reported', () => {
  it('with the watcher disabled (watch: false), files dropped in every mailbox are all found within the bound', async () => {
    const agents = Array.from({ length: 12 }, (_, i) => `a${i}`);
    const org = makeOrg(agents, 'watch: false\nscan_interval: 500ms\n');
    await org.start();
    expect(org.stderr).toMatch(/watch: false: scanning every 500ms/);
    // One drop per outbox and one into an inbox: a scan that listed only a slice would leave some behind.
    agents.forEach((a, i) =>
      org.drop(a, `s${i}.md`, message({ to: agents[(i + 1) % agents.length]!, subject: `swept ${i}` })),
    );
    org.drop('a3', 'by-hand.md', message({ subject: 'swept by hand' }), 'inbox');
    for (let i = 0; i < agents.length; i++)
      await waitFor(
        delivered(org, agents[(i + 1) % agents.length]!, `swept-${i}`),
        `the drop in ${agents[i]}'s outbox`,
        10_000,
      );
    await waitFor(delivered(org, 'a3', 'swept-by-hand'), 'the drop in an inbox', 10_000);
    for (const a of agents) expect(org.ls('workspaces', a, 'outbox')).toEqual([]);
  });

  it('an event lost to an inotify queue overflow (watches healthy) is made up by the sweep', async () => {
    const max = Number(fs.readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8'));
    const org = makeOrg(['maya', 'oliver', 'legal'], 'scan_interval: 500ms\n');
    await org.start();
    const pid = org.daemon!.pid!;
    // Stop the daemon, flood oliver's outbox with more creations than the kernel queues (ignored
    // dotfiles), then drop into maya's outbox: its event comes after the overflow and is dropped
    // by the kernel, and no event names maya's outbox. Only a listing of it can find the file.
    process.kill(pid, 'SIGSTOP');
    try {
      const flood = org.outbox('oliver');
      for (let i = 0; i < max + 1000; i++) fs.closeSync(fs.openSync(path.join(flood, `.flood-${i}`), 'wx'));
      org.drop('maya', 'lost-event.md', message({ to: 'legal', subject: 'after the overflow' }));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor(delivered(org, 'legal', 'after-the-overflow'), 'the file whose event was lost', 10_000);
    expect(org.ls('workspaces', 'maya', 'outbox')).toEqual([]);
    expect(org.daemon?.exitCode).toBeNull();
  });
});
