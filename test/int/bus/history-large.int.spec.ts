/**
 * Large messages and a short history: 40 messages of ~1 MB (600 events would never reach
 * snapshot_every) are all delivered once, though a batch takes only BATCH_BYTES of them at a
 * time; the log's bytes alone bring a snapshot (SNAPSHOT_BYTES), so a restart after kill -9
 * replays only the tail after it, and loses and duplicates nothing.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SNAPSHOT_BYTES } from '../../../runtime/daemon/journal.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, message, type Org } from '../../support/org.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
  org = undefined;
});

const N = 40;
const BODY = `${'All the figures of the quarter. '.repeat(32_000)}\n`; // ~1 MB

describe('a log of large messages', () => {
  it('delivers them all once in bounded batches, snapshots by bytes, and restarts from the tail', async () => {
    org = makeOrg(['maya', 'legal'], 'messages_per_minute: 10000\n');
    const o = org;
    await o.start();
    for (let i = 0; i < N; i++) o.drop('maya', `big-${i}.md`, message({ to: 'legal', subject: `big ${i}` }, BODY));
    const delivered = () => o.events().filter((e) => e.type === 'message.delivered');
    await waitFor(() => delivered().length === N, `${N} large messages delivered`, 60_000);
    const logBytes = fs
      .readdirSync(o.p('bus', 'events'))
      .reduce((n, f) => n + fs.statSync(o.p('bus', 'events', f)).size, 0);
    expect(logBytes).toBeGreaterThan(SNAPSHOT_BYTES);
    expect(o.events().length).toBeLessThan(200); // far from snapshot_every (10,000)
    await waitFor(() => fs.readdirSync(o.p('.mailroom', 'snapshots')).length > 0, 'a snapshot made by bytes');

    await o.kill9();
    await o.start();
    const started = o.events().filter((e) => e.type === 'daemon.started');
    expect(started).toHaveLength(2);
    const ids = delivered().map((e) => e.id);
    expect(new Set(ids).size).toBe(N);
    expect(ids).toHaveLength(N);
    expect(o.ls('workspaces', 'legal', 'inbox').filter((n) => n.endsWith('.md'))).toHaveLength(N);
  }, 120_000);
});
