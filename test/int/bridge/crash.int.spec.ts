/**
 * A flood both ways across the bridge while the test kill -9s either daemon and the NATS server
 * at seeded random points (MAILROOM_TEST_SEED replays a run): in the end every message is in
 * its recipient's inbox exactly once, and each side's log accepted each id once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventsOf, sleep, waitFor } from '../../support/events.js';
import { readMail, fm } from '../../support/mail.js';
import { makeOrg, message, type Org } from '../../support/org.js';
import { bridgeYaml, startNats, stopAllNats } from '../../support/nats.js';
import { seeded } from '../../support/random.js';

afterEach(stopAllNats);

const N = 150;

function subjects(o: Org, agent: string): string[] {
  return readMail(o, agent).map((m) => fm(m.text, 'subject')!);
}

describe('the bridge under crashes', () => {
  it('loses and duplicates nothing when either daemon or the server is killed -9 during a flood', async () => {
    const rng = seeded('bridge-crash');
    const server = await startNats();
    const acme = makeOrg(['legal', 'ceo'], bridgeYaml(server, 'acme', ['beta'], 'messages_per_minute: 100000\n'));
    const beta = makeOrg(['maya', 'oliver'], bridgeYaml(server, 'beta', ['acme'], 'messages_per_minute: 100000\n'));
    await acme.start();
    await beta.start();
    const crashes = ['beta', 'acme', 'server'] as const;
    let sent = 0;
    while (sent < N) {
      const chunk = Math.min(N - sent, rng.int(5, 30));
      for (let i = 0; i < chunk; i++, sent++) {
        beta.drop('maya', `b${sent}.md`, message({ to: 'legal@acme', subject: `from-beta-${sent}` }));
        acme.drop('ceo', `a${sent}.md`, message({ to: 'oliver@beta', subject: `from-acme-${sent}` }));
      }
      await sleep(rng.int(0, 150));
      const victim = rng.pick(crashes);
      if (victim === 'server') {
        await server.kill9();
        await sleep(rng.int(0, 300));
        await server.start();
      } else {
        const o = victim === 'beta' ? beta : acme;
        await o.kill9();
        await sleep(rng.int(0, 200));
        await o.start();
      }
    }
    const all = (prefix: string) => Array.from({ length: N }, (_, i) => `${prefix}-${i}`).sort();
    await waitFor(
      () => subjects(acme, 'legal').length >= N && subjects(beta, 'oliver').length >= N,
      'every message across',
      60_000,
    );
    await sleep(2500); // longer than ack_wait: a repeat, if any, would have arrived
    expect(subjects(acme, 'legal').sort()).toEqual(all('from-beta'));
    expect(subjects(beta, 'oliver').sort()).toEqual(all('from-acme'));
    for (const o of [acme, beta]) {
      const ids = eventsOf(o, 'message.accepted').map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(eventsOf(o, 'message.rejected')).toEqual([]);
    }
    await waitFor(
      () => beta.ls('bus', 'spool').length === 0 && acme.ls('bus', 'spool').length === 0,
      'both spools empty',
    );
    await beta.stop();
    await acme.stop();
  });
});
