/**
 * reply_to after a message left the daemon's memory: it keeps the last few minutes of threads
 * (thread-index.ts) and the rest of thread_ttl in .mailroom/threads.db. Black-box: the first
 * daemon runs on a clock 30 minutes behind (libfaketime, test/support/faketime.ts) and accepts
 * a question; the next ones run on the real clock, so the question is 30 minutes old, past the
 * 10 minutes memory holds, well within thread_ttl (7 days). A reply naming it is accepted in its
 * thread after a clean stop (whose snapshot no longer holds it: only the file does) and after a
 * kill -9.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { kill9, startDaemon, stopClean } from '../../support/daemon.js';
import { waitEvent } from '../../support/events.js';
import { LIBFAKETIME, fakeClock, requireFaketime } from '../../support/faketime.js';
import { makeOrg, message } from '../../support/org.js';

requireFaketime('thread-tier.int.spec', 'the THREAD TIER TEST');

/** Is message `id` in the tier on disk? */
function inFile(root: string, id: string): boolean {
  const db = new Database(path.join(root, '.mailroom', 'threads.db'), { readonly: true });
  try {
    return db.prepare('SELECT 1 FROM messages WHERE id = ?').get(id) !== undefined;
  } finally {
    db.close();
  }
}

describe.skipIf(!LIBFAKETIME)('reply_to past the memory window', () => {
  it('accepts a reply to a 30-minute-old message in its thread, after a clean stop and after kill -9', async () => {
    const o = makeOrg(['ann', 'bob']);
    await startDaemon(o, { env: { ...process.env, ...fakeClock(-1800) } });
    o.drop('ann', 'q.md', message({ to: 'bob', subject: 'Old question' }));
    const q = await waitEvent(o, 'message.accepted', (e) => e.subject === 'Old question');
    await stopClean(o);

    let n = 0;
    const reply = async () => {
      const subject = `Answer ${++n}`;
      o.drop('bob', `r${n}.md`, message({ to: 'ann', reply_to: q.id, subject }));
      return waitEvent(o, 'message.accepted', (e) => e.subject === subject);
    };
    await startDaemon(o); // the real clock: the question leaves memory at the first event
    expect(await reply()).toMatchObject({ thread: q.thread, hops: q.hops + 1 });
    await stopClean(o);
    expect(inFile(o.root, q.id)).toBe(true);

    await startDaemon(o);
    expect(await reply()).toMatchObject({ thread: q.thread, hops: q.hops + 1 });
    await kill9(o);
    await startDaemon(o);
    expect(await reply()).toMatchObject({ thread: q.thread, hops: q.hops + 1 });
    expect(o.events().filter((e) => e.type === 'message.rejected')).toEqual([]);
    await stopClean(o);
  }, 60_000);
});
