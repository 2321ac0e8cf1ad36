/**
 * Fair intake (issue 10 item 6), measured by delivery ORDER, not the clock: a flood of 2,000
 * messages from one agent waits in its outbox, and one message from another agent waits in
 * its own; the other agent's message is delivered before most of the flood (a batch holds at
 * most a fair share per sender). And names that are not UTF-8 (item 5): taken by their bytes,
 * shown escaped in the log, never left unseen.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../support/events.js';
import { eventsOf, waitEvent } from '../../support/events.js';
import { makeOrg, org } from '../../support/org.js';

describe('fair intake', () => {
  it("one agent's flood of 2,000 does not hold back another agent's single message", async () => {
    // settle: 0ms: the flood is written in place just before the start; this test is about fairness, not about waiting for writers.
    const o = makeOrg(['flood', 'single', 'boss'], 'settle: 0ms\n');
    // The flood is written first (the scan lists flood's outbox before single's), all while the daemon is down.
    const n = 2000;
    for (let i = 0; i < n; i++)
      fs.writeFileSync(
        path.join(o.outbox('flood'), `m${String(i).padStart(5, '0')}.md`),
        `---\nto: boss\nsubject: flood ${i}\n---\nx\n`,
      );
    o.drop('single', 'one.md', '---\nto: boss\nsubject: the single one\n---\nurgent enough\n');
    await o.start();
    const single = await waitEvent(
      o,
      'message.delivered',
      (e) => e.to.includes('boss') && eventsOf(o, 'message.accepted').some((a) => a.id === e.id && a.from === 'single'),
      "single's message",
      60_000,
    );
    const floodBefore = eventsOf(o, 'message.delivered').filter((e) => e.seq < single.seq).length;
    expect(floodBefore, 'flood messages delivered before the single one').toBeLessThan(n / 10);
  }, 180_000);
});

describe('names that are not UTF-8', () => {
  it('are taken by their raw bytes (or dead-lettered), shown escaped, never left in the outbox', async () => {
    const o = org(['maya', 'legal']);
    await o.start();
    const good = Buffer.concat([
      Buffer.from(path.join(o.outbox('maya'), 'r')),
      Buffer.from([0xe9]),
      Buffer.from('sum\xe9'.slice(0, 3)),
      Buffer.from('.md'),
    ]);
    const bad = Buffer.concat([
      Buffer.from(path.join(o.outbox('maya'), 'bad')),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('.md'),
    ]);
    fs.writeFileSync(good, '---\nto: legal\nsubject: latin-1 name\n---\nhello\n');
    fs.writeFileSync(bad, '---\nto: nobody-here\n---\nbroken\n');
    const accepted = await waitEvent(
      o,
      'message.accepted',
      (e) => e.subject === 'latin-1 name',
      'the latin-1 named message',
      30_000,
    );
    expect(accepted.origin).toBe('r\\xe9sum.md');
    await waitFor(
      () => o.ls('workspaces', 'legal', 'inbox').find((x) => x.endsWith('-latin-1-name.md')),
      'its delivery',
    );
    const rejected = await waitEvent(
      o,
      'message.rejected',
      (e) => e.origin === 'bad\\xff\\xfe.md',
      'the rejection of the bad one',
      30_000,
    );
    expect(fs.existsSync(o.p(rejected.kept))).toBe(true);
    expect(fs.readdirSync(o.outbox('maya'), { encoding: 'buffer' })).toEqual([]);
    expect(o.daemon!.exitCode).toBeNull();
  }, 60_000);
});
