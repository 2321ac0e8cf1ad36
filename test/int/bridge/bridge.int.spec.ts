/**
 * Two orgs on one machine, two daemons, one `nats-server -js` of the test's own: a message and
 * a task cross exactly once and show on both boards, the task's updates travel back, mail to an
 * unknown agent over there comes back as a bounce, and mail to an org that is not a peer is
 * refused at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { doctor, mailroom, statusJson } from '../../support/cli.js';
import { eventsOf, waitEvent, waitFor } from '../../support/events.js';
import { fm, readMail } from '../../support/mail.js';
import { makeOrg, message, type Org } from '../../support/org.js';
import { bridgeYaml, startNats, stopAllNats, type NatsServer } from '../../support/nats.js';

afterEach(stopAllNats);

function board(o: Org): Array<Record<string, any>> {
  const r = mailroom(['board', '--json', '--root', o.root]);
  return JSON.parse(r.stdout).tasks;
}

async function twoOrgs(server: NatsServer): Promise<{ beta: Org; acme: Org }> {
  const acme = makeOrg(['legal', 'ceo'], bridgeYaml(server, 'acme', ['beta']));
  const beta = makeOrg(['maya', 'oliver'], bridgeYaml(server, 'beta', ['acme']));
  await acme.start();
  await beta.start();
  return { beta, acme };
}

describe('the bridge between two orgs', () => {
  it('carries a message and a task across exactly once; the task is on both boards and its updates travel back', async () => {
    const server = await startNats();
    const { beta, acme } = await twoOrgs(server);
    beta.drop('maya', 'hello.md', message({ to: '[legal@acme, oliver]', subject: 'Hello from beta' }));
    const fwd = await waitEvent(beta, 'message.forwarded');
    expect(fwd).toMatchObject({ org: 'acme', to: ['legal@acme'], duplicate: false });
    await waitFor(() => readMail(acme, 'legal').length === 1, 'the message in legal@acme');
    const [copy] = readMail(acme, 'legal');
    expect(fm(copy!.text, 'from')).toBe('maya@beta');
    expect(fm(copy!.text, 'id')).toBe(fwd.id);
    expect(readMail(beta, 'oliver')).toHaveLength(1);

    beta.drop('maya', 'task.md', message({ to: 'legal@acme', kind: 'task', subject: 'Review the contract' }));
    await waitFor(() => board(acme).length === 1, "the task on acme's board");
    expect(board(beta)).toMatchObject([{ id: 'T-1', owner: 'legal@acme', creator: 'maya', status: 'open' }]);
    expect(board(acme)).toMatchObject([{ id: 'T-1', owner: 'legal', creator: 'maya@beta', status: 'open' }]);

    acme.drop('legal', 'claim.md', message({ task: 'T-1', status: 'in_progress' }));
    await waitFor(() => board(beta)[0]?.status === 'in_progress', "the update on beta's board");
    acme.drop('legal', 'done.md', message({ task: 'T-1', status: 'done' }));
    await waitFor(() => board(beta)[0]?.status === 'done', 'done on beta');
    expect(board(acme)[0]!.status).toBe('done');
    const updates = readMail(beta, 'maya').filter((m) => fm(m.text, 'task') === 'T-1');
    expect(updates.map((m) => fm(m.text, 'from'))).toEqual(['legal@acme', 'legal@acme']);

    // Exactly once: every id accepted once on each side, every forward once.
    for (const o of [beta, acme]) {
      const ids = eventsOf(o, 'message.accepted').map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(eventsOf(beta, 'message.forwarded')).toHaveLength(2);
    expect(readMail(acme, 'legal')).toHaveLength(2);
    await beta.stop();
    await acme.stop();
  });

  it('bounces mail to an unknown agent of the other org back over the bridge, and refuses an org that is not a peer', async () => {
    const server = await startNats();
    const { beta, acme } = await twoOrgs(server);
    beta.drop('maya', 'nobody.md', message({ to: 'nobody@acme', subject: 'Anyone there' }));
    const rejected = await waitEvent(acme, 'message.rejected');
    expect(rejected).toMatchObject({ from: 'maya@beta', source: 'bridge' });
    await waitFor(
      () => readMail(beta, 'maya').some((m) => fm(m.text, 'from') === 'mailroom@acme'),
      'the bounce in maya@beta',
    );
    const bounce = readMail(beta, 'maya').find((m) => fm(m.text, 'from') === 'mailroom@acme')!;
    expect(bounce.text).toContain('nobody');
    expect(acme.ls('bus', 'deadletter').length).toBe(2);

    beta.drop('maya', 'stranger.md', message({ to: 'x@gamma', subject: 'To a stranger' }));
    const local = await waitEvent(beta, 'message.rejected');
    expect(local.reason).toContain('not one of this org');
    expect(eventsOf(beta, 'message.forwarded')).toHaveLength(1); // only the first went out
    await beta.stop();
    await acme.stop();
  });

  it('keeps outgoing mail while the server is down ("waiting for the bridge"), works locally, and sends it when the server is back', async () => {
    const server = await startNats();
    const { beta, acme } = await twoOrgs(server);
    await server.stop();
    beta.drop('maya', 'later.md', message({ to: 'legal@acme', subject: 'While down' }));
    const accepted = await waitEvent(beta, 'message.accepted', (e) => e.subject === 'While down');
    beta.drop('maya', 'local.md', message({ to: 'oliver', subject: 'Local still works' }));
    await waitFor(() => readMail(beta, 'oliver').length === 1, 'local delivery while the server is down');
    const status = mailroom(['status', '--root', beta.root]);
    expect(status.stdout).toContain('waiting for the bridge');
    expect(mailroom(['why', accepted.id, '--root', beta.root]).stdout).toContain('waiting for the bridge');
    expect(beta.ls('bus', 'spool')).toHaveLength(1);
    expect(doctor(beta).problems.map((p) => p.check)).toContain('bridge');
    await server.start();
    await waitFor(() => readMail(acme, 'legal').length === 1, 'the message after the server came back', 30_000);
    await waitFor(() => beta.ls('bus', 'spool').length === 0, 'the spool emptied');
    await waitFor(() => statusJson(beta).bridge?.server?.connected === true, 'status: connected');
    expect(statusJson(beta).bridge).toMatchObject({
      org: 'beta',
      outgoing: { waiting: 0 },
      server: { stream: true, lag: 0 },
    });
    expect(doctor(beta).problems).toEqual([]);
    await beta.stop();
    await acme.stop();
  });
});
