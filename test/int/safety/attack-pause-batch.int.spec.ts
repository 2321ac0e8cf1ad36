/**
 * A circuit breaker attacked by one batch: an agent puts 40 tasks in its outbox at once, past
 * tasks_per_hour 5. A batch takes all its files before it decides any, and the breaker trips part
 * way through the deciding; the rest of the batch used to be accepted anyway (200 tasks past
 * tasks_per_hour 30 in one try). Now they wait in the spool until the agent is resumed, and a
 * resume decides them (and trips the breaker again): none lost, none twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { doctor, mailroom } from '../../support/cli.js';
import { eventsOf, waitFor } from '../../support/events.js';
import { makeOrg, type Org } from '../../support/org.js';

let o: Org;
afterAll(async () => {
  await o?.cleanup();
});

const N = 40;

describe('a breaker tripped inside one batch', () => {
  it('decides nothing more from the paused agent; the rest waits in the spool for its resume', async () => {
    // settle: 0ms: the tasks are written in place while the daemon is down, so one batch takes them all.
    o = makeOrg(['flood', 'boss'], 'tasks_per_hour: 5\nsettle: 0ms\n');
    for (let i = 0; i < N; i++)
      fs.writeFileSync(
        path.join(o.outbox('flood'), `t${i}.md`),
        `---\nto: boss\nkind: task\nsubject: t ${i}\n---\nx\n`,
      );
    await o.start();
    const tasks = () => eventsOf(o, 'message.accepted').filter((e) => e.from === 'flood' && e.kind === 'task');
    const waiting = () => o.ls('bus', 'spool').length + o.ls('workspaces', 'flood', 'outbox').length;
    await waitFor(() => eventsOf(o, 'agent.paused').length === 1 && tasks().length + waiting() === N, 'the pause');
    expect(tasks(), 'tasks accepted before the pause').toHaveLength(5);
    expect(o.ls('workspaces', 'boss', 'inbox')).toHaveLength(5);
    // doctor says why the spool holds files: their sender is paused.
    expect(o.ls('bus', 'spool').length, 'files of the pausing batch kept in the spool').toBeGreaterThan(0);
    const spool = JSON.parse(doctor(o).raw).findings.find((f: { check: string }) => f.check === 'spool');
    expect(spool.detail).toMatch(/\d+ of them waiting for their sender's resume .*mailroom resume <agent>/);

    expect(mailroom(['resume', 'flood', '--root', o.root]).code).toBe(0);
    await waitFor(
      () => eventsOf(o, 'agent.paused').length === 2 && tasks().length + waiting() === N,
      'the second pause',
    );
    const origins = tasks().map((e) => e.origin);
    expect(origins, 'tasks accepted after the resume as well').toHaveLength(10);
    expect(new Set(origins).size).toBe(10);
    expect(o.daemon!.exitCode).toBeNull();
  }, 60_000);
});
