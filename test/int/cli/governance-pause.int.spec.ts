/**
 * What `pause` and `approve` say to a person: a second `pause` of a paused agent says so and
 * sends nothing (it used to send another pause and say "`mailroom audit` will show it"); an id
 * that is not a held message's whole id is refused saying a whole id is needed.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mailroom } from '../../support/cli.js';
import { makeOrg } from '../../support/org.js';
import { waitFor } from '../../support/events.js';

describe('pause and approve, as the operator sees them', () => {
  it('a second pause says the agent is already paused and sends nothing; approve wants a whole held id', async () => {
    const o = makeOrg(['maya', 'legal']);
    await o.start();
    const first = mailroom(['pause', 'legal', '--root', o.root]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('legal paused');
    const pauses = () => o.events().filter((e) => e.type === 'agent.paused').length;
    expect(pauses()).toBe(1);
    // The pause is for the daemon alone: logged as delivered to no one, nothing left in the spool or an inbox.
    const ctl = o.events().find((e) => e.type === 'message.accepted' && e.kind === 'pause')!;
    await waitFor(() => o.ls('bus', 'spool').length === 0 || null, 'the spool emptied');
    expect(o.events().find((e) => e.type === 'message.delivered' && e.id === ctl.id)?.to).toEqual([]);
    expect(o.ls('workspaces', 'legal', 'inbox')).toEqual([]);

    const second = mailroom(['pause', 'legal', '--root', o.root]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^legal is already paused \(since .*\); `mailroom resume legal` ends it\n$/);
    expect(fs.readdirSync(o.outbox('operator'))).toEqual([]);
    expect(pauses()).toBe(1);

    const r = mailroom(['approve', 'abcd', '--root', o.root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no message held for approval has the id "abcd"; give its whole 12-character id/);
    await o.stop();
  });
});
