/**
 * Unread alerts from the daemon's own index of what lies in each inbox (no inbox is listed at
 * every check): an alert is raised about copies the daemon delivered, renewed when the backlog
 * doubles, cleared once the copies move to done/; a file a person drops straight into an inbox
 * (a message to take, or a delivered copy put back by hand) is seen; a restart rebuilds the
 * index from the inboxes as they are, whatever happened to them while no daemon ran.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { derivedId, inboxName } from '../../../bus/names.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, message, type Org } from '../../support/org.js';

const CONFIG =
  'agents:\n  maya: {}\n  oliver: {}\n  legal: {}\ngroups: {}\nscan_interval: 300ms\nstuck_after: { critical: 1s, high: 1s, normal: 1s, low: 1d }\n';

function fresh(): Org {
  const o = makeOrg();
  fs.writeFileSync(o.p('mailroom.yaml'), CONFIG);
  return o;
}

const inboxCopy = (o: Org, agent: string, slug: string) => () =>
  o.ls('workspaces', agent, 'inbox').find((n) => n.endsWith(`-${slug}.md`));

const alertsOf = (o: Org, agent: string, priority: string) =>
  o.events().filter((e) => e.type === 'alert.sent' && e.agent === agent && e.priority === priority);
const clearsOf = (o: Org, agent: string, priority: string) =>
  o.events().filter((e) => e.type === 'alert.cleared' && e.agent === agent && e.priority === priority);

async function alerted(o: Org, agent: string, priority: string, count: number): Promise<void> {
  await waitFor(
    () => alertsOf(o, agent, priority).some((e) => e.count === count) || null,
    `an alert about ${count} ${priority} message(s) unread by ${agent}`,
  );
}

/** A delivered copy put in an inbox by hand (as if delivered an hour ago). */
function putCopy(o: Org, agent: string, priority: 'high' | 'normal', key: string): string {
  const name = inboxName({
    priority,
    sent: new Date(Date.now() - 3_600_000).toISOString(),
    id: derivedId('unread-index-test', key),
    subject: key,
  });
  fs.writeFileSync(o.p('workspaces', agent, 'inbox', name), message({ to: agent, subject: key }));
  return name;
}

function moveToDone(o: Org, agent: string, name: string): void {
  fs.renameSync(o.p('workspaces', agent, 'inbox', name), o.p('workspaces', agent, 'done', name));
}

describe('unread alerts from the daemon`s index of the inboxes', () => {
  it('raised about its own deliveries, renewed when the backlog doubles, cleared when the copies go to done/', async () => {
    const o = fresh();
    await o.start();
    o.drop('maya', 'one.md', message({ to: 'legal', priority: 'high', subject: 'first unread' }));
    const first = await waitFor(inboxCopy(o, 'legal', 'first-unread'), 'the first delivery');
    await alerted(o, 'legal', 'high', 1);
    o.drop('maya', 'two.md', message({ to: 'legal', priority: 'high', subject: 'second unread' }));
    const second = await waitFor(inboxCopy(o, 'legal', 'second-unread'), 'the second delivery');
    await alerted(o, 'legal', 'high', 2);
    expect(alertsOf(o, 'legal', 'high').map((e) => e.count)).toEqual([1, 2]);

    moveToDone(o, 'legal', first);
    moveToDone(o, 'legal', second);
    await waitFor(() => clearsOf(o, 'legal', 'high').length === 1 || null, 'the alert cleared');
    expect(alertsOf(o, 'legal', 'high')).toHaveLength(2);
    expect(await o.stop()).toBe(0);
  });

  it('a file a person drops into an inbox is taken as before and counted; so is a copy put back by hand', async () => {
    const o = fresh();
    await o.start();
    o.drop('legal', 'note-from-me.md', message({ subject: 'Call the bank', priority: 'high' }), 'inbox');
    const taken = await waitFor(inboxCopy(o, 'legal', 'call-the-bank'), 'the drop renamed in place');
    // The copy is made before the drop is removed: wait for both, not a listing between the two.
    await waitFor(() => o.ls('workspaces', 'legal', 'inbox').length === 1 || null, 'the drop itself gone');
    expect(o.ls('workspaces', 'legal', 'inbox')).toEqual([taken]);
    await alerted(o, 'legal', 'high', 1);
    expect(alertsOf(o, 'legal', 'high')[0]).toMatchObject({ message: taken.split('-')[3] });

    const back = putCopy(o, 'oliver', 'normal', 'put-back');
    await alerted(o, 'oliver', 'normal', 1);
    expect(alertsOf(o, 'oliver', 'normal')[0]).toMatchObject({ message: back.split('-')[3] });
    expect(await o.stop()).toBe(0);
  });

  it('a restart rebuilds the index from the inboxes as they are', async () => {
    const o = fresh();
    const gone = putCopy(o, 'oliver', 'normal', 'read-while-down');
    putCopy(o, 'legal', 'high', 'legal-1');
    await o.start();
    await alerted(o, 'oliver', 'normal', 1);
    await alerted(o, 'legal', 'high', 1);
    expect(await o.stop()).toBe(0);

    // While no daemon runs: oliver reads his mail, legal's backlog grows to 3, a person drops a note for maya.
    moveToDone(o, 'oliver', gone);
    putCopy(o, 'legal', 'high', 'legal-2');
    putCopy(o, 'legal', 'high', 'legal-3');
    o.drop('maya', 'hand-drop.md', message({ subject: 'dropped while down', priority: 'high' }), 'inbox');

    await o.start();
    await waitFor(() => clearsOf(o, 'oliver', 'normal').length === 1 || null, "oliver's alert cleared");
    await alerted(o, 'legal', 'high', 3);
    const dropped = await waitFor(inboxCopy(o, 'maya', 'dropped-while-down'), 'the drop taken at start');
    await alerted(o, 'maya', 'high', 1);
    expect(alertsOf(o, 'maya', 'high')[0]).toMatchObject({ message: dropped.split('-')[3] });
    expect(alertsOf(o, 'legal', 'high').map((e) => e.count)).toEqual([1, 3]);
    expect(alertsOf(o, 'oliver', 'normal')).toHaveLength(1);
    expect(await o.stop()).toBe(0);
  });
});
