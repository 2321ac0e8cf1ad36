/**
 * Outside review: a jailed handler sent `due: &x [*x]`, a YAML alias inside its own anchor. The
 * daemon threw while recording it ("Converting circular structure to JSON"), so the file stayed
 * in the outbox, neither taken nor dead-lettered, with a warning at every scan. It must be
 * rejected like any bad front matter: dead-lettered with the reason, bounced, and the outbox
 * left empty, while the rest of the org's mail flows.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../support/events.js';
import { requireBwrap, skipJail } from '../../support/jail.js';
import { makeOrg, message } from '../../support/org.js';

const ATTACK = String.raw`
import os
for name, fm in [('list.md', 'due: &x [*x]'), ('map.md', 'subject: &m { a: *m }')]:
    with open('outbox/.' + name, 'w') as f: f.write('---\nto: boss\n' + fm + '\n---\nx\n')
    os.rename('outbox/.' + name, 'outbox/' + name)
`;

describe.skipIf(skipJail)('a jailed handler sending YAML that refers to itself', () => {
  it('is dead-lettered and bounced, never left in the outbox to be retried at every scan', async () => {
    requireBwrap();
    const o = makeOrg(['boss', 'evil', 'victim']);
    fs.writeFileSync(o.p('workspaces', 'evil', 'attack.py'), ATTACK);
    fs.writeFileSync(
      o.p('mailroom.yaml'),
      'agents:\n  boss: {}\n  victim: {}\n  evil: { command: "python3 ./attack.py", max_attempts: 1 }\ngroups: {}\nscan_interval: 200ms\n',
    );
    await o.start();
    o.drop('boss', 'go.md', message({ to: 'evil', subject: 'go' }));
    const rejected = await waitFor(() => {
      const r = o.events().filter((e) => e.type === 'message.rejected' && e.from === 'evil');
      return r.length === 2 ? r : null;
    }, 'both files rejected');
    for (const r of rejected) expect(JSON.stringify(r)).toMatch(/refers to the node that holds it/);
    // A rejection is logged before its file moves to the dead letters: wait for the move.
    await waitFor(
      () => o.ls('workspaces', 'evil', 'outbox').filter((n) => !n.startsWith('.')).length === 0 || null,
      'the outbox emptied',
    );
    await waitFor(
      () => o.ls('workspaces', 'evil', 'inbox').filter((n) => n.includes('bounced')).length === 2 || null,
      'two bounces to evil',
    );
    await sleep(600); // three scans: none of them warns about the files again
    expect(o.stderr).not.toMatch(/could not take|circular/);
    o.drop('boss', 'after.md', message({ to: 'victim', subject: 'after' }));
    await waitFor(
      () => o.ls('workspaces', 'victim', 'inbox').some((n) => n.endsWith('-after.md')),
      "boss's mail to victim",
    );
  });
});
