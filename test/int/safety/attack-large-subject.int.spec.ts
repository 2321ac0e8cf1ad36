/**
 * A subject as large as a message may be (1 MB) used to be accepted, kept as a task's title on
 * the board, and written into board.json and the page's model at every refresh: 40 such tasks
 * took the daemon to 504 MB and the page's model to 60 MB. Now a subject over 10,000 characters
 * is bounced (kept in bus/deadletter/ with its reason) and the board never sees it.
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { eventsOf, waitFor } from '../../support/events.js';
import { makeOrg, type Org } from '../../support/org.js';

let o: Org;
afterAll(async () => {
  await o?.cleanup();
});

describe('a task with a subject of 1 MB', () => {
  it('is bounced with the reason and kept; board.json stays small', async () => {
    o = makeOrg(['flood', 'boss']);
    await o.start();
    const subject = `"<b>T</b>\\n${'s'.repeat(1_000_000)}"`;
    for (const n of [1, 2, 3]) o.drop('flood', `t${n}.md`, `---\nto: boss\nkind: task\nsubject: ${subject}\n---\nx\n`);
    o.drop('flood', 'ok.md', '---\nto: boss\nkind: task\nsubject: a short one\n---\nx\n');
    const rejected = await waitFor(() => {
      const r = eventsOf(o, 'message.rejected').filter((e) => e.from === 'flood');
      return r.length === 3 &&
        r.every((e) => fs.existsSync(o.p(e.kept))) &&
        eventsOf(o, 'message.accepted').some((e) => e.subject === 'a short one')
        ? r
        : null;
    }, 'the three rejections and the short task');
    for (const r of rejected) {
      expect(r.reason).toMatch(/subject: is 1000009 characters, over the limit of 10000/);
      expect(fs.statSync(o.p(r.kept)).size).toBeGreaterThan(1_000_000); // kept, untouched
    }
    await waitFor(() => fs.readFileSync(o.p('board', 'board.json'), 'utf8').includes('a short one'), 'the board');
    expect(fs.statSync(o.p('board', 'board.json')).size).toBeLessThan(10_000);
    expect(o.daemon!.exitCode).toBeNull();
  }, 30_000);
});
