/**
 * Alerts that scale: 50,000 unread messages in one inbox raise one alert per agent and priority
 * (with the count and the oldest), not one per message; the backlog read, the alert is cleared.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { derivedId, inboxName } from '../../../bus/names.js';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, type Org } from '../../support/org.js';
import { sleep } from '../../support/events.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
  org = undefined;
});

const N = 50_000;

describe('unread alerts scale with agents, not messages', () => {
  it('50,000 unread messages raise a handful of alerts, each with the count and the oldest', async () => {
    org = makeOrg(['maya', 'legal']);
    fs.writeFileSync(
      org.p('mailroom.yaml'),
      'agents: { maya: {}, legal: {} }\nscan_interval: 300ms\nstuck_after: { critical: 1s, high: 1s, normal: 1s, low: 1s }\n',
    );
    const inbox = org.inbox('legal');
    const t0 = Date.now() - 3_600_000;
    const priorities = ['high', 'normal'] as const;
    for (let i = 0; i < N; i++) {
      const priority = priorities[i % 2]!;
      fs.writeFileSync(
        path.join(
          inbox,
          inboxName({
            priority,
            sent: new Date(t0 + i).toISOString(),
            id: derivedId('unread-test', String(i)),
            subject: 'unread',
          }),
        ),
        'x',
      );
    }
    await org.start();
    const alerts = () => org!.events().filter((e) => e.type === 'alert.sent');
    await waitFor(() => alerts().length >= 2 || null, 'the alerts', 60_000);
    await sleep(1500); // a few more checks (every 300 ms): nothing new, the backlogs have not doubled
    const sent = alerts();
    expect(sent.map((e) => [e.agent, e.priority, e.count]).sort()).toEqual([
      ['legal', 'high', N / 2],
      ['legal', 'normal', N / 2],
    ]);
    expect(org.ls('workspaces', 'operator', 'inbox').filter((n) => n.includes('unread-for'))).toHaveLength(2);
    const text = org.read(
      'workspaces',
      'operator',
      'inbox',
      org.ls('workspaces', 'operator', 'inbox').find((n) => n.includes('unread-for'))!,
    );
    expect(text).toMatch(/legal\*\* has had 25000 messages of priority (high|normal) unread/);

    const status = JSON.parse(mailroom(['status', '--root', org.root, '--json']).stdout) as {
      backlogs: Array<{ agent: string; priority: string; count: number; alerted: boolean }>;
    };
    expect(status.backlogs.map((b) => [b.agent, b.priority, b.count, b.alerted])).toEqual([
      ['legal', 'high', N / 2, true],
      ['legal', 'normal', N / 2, true],
    ]);

    // Read (the inbox emptied): the standing alerts are cleared, and no new ones are sent.
    fs.rmSync(inbox, { recursive: true });
    fs.mkdirSync(inbox, { mode: 0o700 });
    await waitFor(
      () => org!.events().filter((e) => e.type === 'alert.cleared').length === 2 || null,
      'the alerts cleared',
      30_000,
    );
    expect(alerts()).toHaveLength(2);
  }, 180_000);
});
