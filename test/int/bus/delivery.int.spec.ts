/**
 * Delivery: a file dropped into an outbox arrives (canonical name, sent/ copy); a person's drop
 * into an inbox; scans that find what no watcher saw; the one-time alert about mail left unread
 * past stuck_after; a deleted workspace made again; a failed delivery retried until it heals.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeOrg, message, type Org } from '../../support/org.js';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';

let org: Org;

function configure(o: Org, extra: string): void {
  fs.writeFileSync(o.p('mailroom.yaml'), `agents:\n  maya: {}\n  oliver: {}\n  legal: {}\ngroups: {}\n${extra}`);
}

const delivered = (o: Org, agent: string, slug: string) => () =>
  o.ls('workspaces', agent, 'inbox').find((n) => n.endsWith(`-${slug}.md`));

describe('drop a file, it arrives', () => {
  it('delivers from an outbox to the inbox with a canonical name, and copies it to sent/', async () => {
    const org = makeOrg();
    await org.start();
    org.drop('maya', 'review.md', message({ to: 'legal', priority: 'high', subject: 'Review the agreement' }));
    const [name] = await waitFor(
      () => (org.ls('workspaces', 'legal', 'inbox').length ? org.ls('workspaces', 'legal', 'inbox') : null),
      'delivery to legal',
    );
    expect(name).toMatch(/^1-high-\d{8}T\d{6}\.\d{3}Z-[0-9a-z]{12}-review-the-agreement\.md$/);
    expect(org.read('workspaces', 'legal', 'inbox', name!)).toMatch(
      /^---\nid: [0-9a-z]{12}\nfrom: maya\nto: legal\npriority: high\n/,
    );
    await waitFor(() => org.ls('workspaces', 'maya', 'sent').includes(name!), 'the sent copy');
    expect(org.ls('workspaces', 'maya', 'outbox')).toEqual([]);
    expect(await org.stop()).toBe(0);
  });
});

describe('a file a person drops into an inbox', () => {
  it('is taken onto the bus from operator, renamed in place to the canonical name, and logged', async () => {
    org = makeOrg();
    await org.start();
    org.drop('legal', 'note-from-me.md', message({ subject: 'Call the bank', priority: 'high' }), 'inbox');
    const name = await waitFor(delivered(org, 'legal', 'call-the-bank'), 'the canonical name');
    expect(name).toMatch(/^1-high-/);
    // The copy is linked before the drop is removed: wait for the removal, then look.
    await waitFor(() => org.ls('workspaces', 'legal', 'inbox').length === 1 || null, 'the drop removed');
    expect(org.ls('workspaces', 'legal', 'inbox')).toEqual([name]);
    const text = org.read('workspaces', 'legal', 'inbox', name);
    expect(text).toMatch(/^---\nid: [0-9a-z]{12}\nfrom: operator\nto: legal\npriority: high\n/);
    const e = org.events().find((x) => x.type === 'message.accepted' && x.source === 'inbox');
    expect(e).toMatchObject({ from: 'operator', to: ['legal'], origin: 'note-from-me.md' });
    expect(mailroom(['show', e!.id, '--root', org.root]).stdout).toContain('Call the bank');
  });

  it('naming someone else in to: is refused and kept, not delivered', async () => {
    org = makeOrg();
    await org.start();
    org.drop('legal', 'misplaced.md', message({ to: 'maya', subject: 'wrong box' }), 'inbox');
    const e = await waitFor(
      () => org.events().find((x) => x.type === 'message.rejected' && x.origin === 'misplaced.md'),
      'the rejection',
    );
    expect(e.reason).toMatch(/dropped into legal's inbox but its to: names maya/);
    await waitFor(() => org.ls('bus', 'deadletter').includes(`${e.id}-misplaced.md`), 'the dead letter');
    expect(org.ls('workspaces', 'maya', 'inbox')).toEqual([]);
  });
});

describe('scans find what no watcher saw', () => {
  it('a file created while no daemon ran is delivered at start', async () => {
    org = makeOrg();
    org.drop('maya', 'while-down.md', message({ to: 'oliver', subject: 'while down' }));
    org.drop('legal', 'hand-drop.md', message({ subject: 'dropped while down' }), 'inbox');
    await org.start();
    await waitFor(delivered(org, 'oliver', 'while-down'), 'the outbox file written while no daemon ran');
    await waitFor(delivered(org, 'legal', 'dropped-while-down'), 'the inbox drop made while no daemon ran');
  });

  it('with watch: false, the scan alone delivers (every scan_interval)', async () => {
    org = makeOrg();
    configure(org, 'watch: false\nscan_interval: 300ms\n');
    await org.start();
    expect(org.stderr).toMatch(/watch: false: scanning every 300ms/);
    org.drop('maya', 'scanned.md', message({ to: 'legal', subject: 'found by a scan' }));
    await waitFor(delivered(org, 'legal', 'found-by-a-scan'), 'delivery by the scan');
    expect(org.ls('workspaces', 'maya', 'outbox')).toEqual([]);
  });
});

describe('unread mail past stuck_after', () => {
  it('alerts the operator once, naming agent, message and age; status and doctor show it', async () => {
    org = makeOrg();
    configure(org, 'scan_interval: 300ms\nstuck_after: { critical: 1s, high: 1s, normal: 1s, low: 1d }\n');
    await org.start();
    org.drop('maya', 'unread.md', message({ to: 'legal', subject: 'please read me' }));
    const name = await waitFor(delivered(org, 'legal', 'please-read-me'), 'delivery');
    const id = name.split('-')[3]!;
    const alert = await waitFor(
      () => org.ls('workspaces', 'operator', 'inbox').find((n) => n.includes('unread-for')),
      'the alert in the operator inbox',
      10_000,
    );
    const text = org.read('workspaces', 'operator', 'inbox', alert);
    expect(text).toContain(`legal has not read ${id}`);
    expect(text).toContain(`workspaces/legal/inbox/${name}`);
    expect(text).toMatch(/unread for \d+s/);
    // The alert's copy can be in the inbox a moment before its alert.sent is in the log.
    const alertEvent = await waitFor(() => org.events().find((e) => e.type === 'alert.sent'), 'alert.sent');
    expect(alertEvent).toMatchObject({ message: id, agent: 'legal' });

    const status = JSON.parse(mailroom(['status', '--root', org.root, '--json']).stdout);
    expect(JSON.stringify(status.stuck)).toContain(id);
    const human = mailroom(['status', '--root', org.root]).stdout;
    expect(human).toContain(id);
    const doctor = mailroom(['doctor', '--root', org.root]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/PROBLEM\s+unread mail:.*legal/);

    // Once: a second unread message is alerted by a later check, and the first still has one alert.
    org.drop('oliver', 'second.md', message({ to: 'maya', subject: 'second unread' }));
    const second = await waitFor(delivered(org, 'maya', 'second-unread'), 'the second delivery');
    const secondId = second.split('-')[3]!;
    await waitFor(
      () => org.events().find((e) => e.type === 'alert.sent' && e.message === secondId),
      'the alert about the second message',
      10_000,
    );
    expect(org.events().filter((e) => e.type === 'alert.sent' && e.message === id)).toHaveLength(1);
    // The alert's copy lands just after its event is committed: wait for it, then count exactly.
    await waitFor(
      () => org.ls('workspaces', 'operator', 'inbox').filter((n) => n.includes('unread-for')).length >= 2,
      'the second alert delivered',
    );
    expect(org.ls('workspaces', 'operator', 'inbox').filter((n) => n.includes('unread-for'))).toHaveLength(2);

    // Read (moved to done/): the problem goes away.
    fs.renameSync(org.p('workspaces', 'legal', 'inbox', name), org.p('workspaces', 'legal', 'done', name));
    fs.renameSync(org.p('workspaces', 'maya', 'inbox', second), org.p('workspaces', 'maya', 'done', second));
    const ok = mailroom(['doctor', '--root', org.root]);
    expect(ok.stdout).toMatch(/ok\s+unread mail/);
  });
});

describe('a workspace deleted while the daemon runs', () => {
  it('is made again (0700) at the next delivery to it, and its new outbox is watched', async () => {
    org = makeOrg();
    await org.start();
    fs.rmSync(org.p('workspaces', 'legal'), { recursive: true });
    org.drop('maya', 'to-gone.md', message({ to: 'legal', subject: 'to a deleted workspace' }));
    await waitFor(delivered(org, 'legal', 'to-a-deleted-workspace'), 'delivery into the recreated workspace');
    expect(fs.statSync(org.p('workspaces', 'legal')).mode & 0o777).toBe(0o700);
    await waitFor(
      () => /workspaces\/legal was missing \(deleted while the daemon ran\); created it again/.test(org.stderr),
      'the warning on stderr (read from a pipe)',
    );
    org.drop('legal', 'reply.md', message({ to: 'maya', subject: 'from the new outbox' }));
    await waitFor(delivered(org, 'maya', 'from-the-new-outbox'), 'delivery from the recreated outbox');
    expect(org.daemon?.exitCode).toBeNull();
  });
});

describe('a delivery that fails', () => {
  it('is retried at every scan and heals without a restart', async () => {
    org = makeOrg();
    configure(org, 'scan_interval: 300ms\n');
    await org.start();
    const inbox = org.p('workspaces', 'legal', 'inbox');
    fs.rmSync(inbox, { recursive: true });
    fs.writeFileSync(inbox, 'not a directory'); // nothing can be delivered into it
    org.drop('maya', 'blocked.md', message({ to: 'legal', subject: 'blocked for a while' }));
    await waitFor(
      () => /delivery step failed \(.*legal\/inbox is not a directory/.test(org.stderr),
      'the failed delivery',
    );
    const accepted = org.events().find((e) => e.type === 'message.accepted' && e.origin === 'blocked.md');
    expect(org.events().some((e) => e.type === 'message.delivered' && e.id === accepted!.id)).toBe(false);
    expect(JSON.parse(mailroom(['show', accepted!.id, '--root', org.root, '--json']).stdout)).toMatchObject({
      id: accepted!.id,
    }); // in the log meanwhile
    fs.rmSync(inbox);
    fs.mkdirSync(inbox, { mode: 0o700 });
    await waitFor(delivered(org, 'legal', 'blocked-for-a-while'), 'delivery at a later scan');
    // message.delivered is logged after the copy is in the inbox: wait for it, then check it is there once.
    await waitFor(() => org.events().some((e) => e.type === 'message.delivered' && e.id === accepted!.id), 'delivered');
    expect(org.events().filter((e) => e.type === 'message.delivered' && e.id === accepted!.id)).toHaveLength(1);
    expect(org.daemon?.exitCode).toBeNull();
  });
});
