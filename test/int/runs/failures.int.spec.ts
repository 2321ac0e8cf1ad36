/**
 * When handlers fail: a hanging one is killed at its timeout with its whole process group, an
 * exit 75 cools the whole lane for retry-after, and a handler that keeps failing ends in the
 * dead-letter folder with its stderr, and a bounce. Nothing is dropped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeOrg, message, type Org } from '../../support/org.js';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { alive } from '../../support/processes.js';
import { MOCK } from '../../support/runs.js';

let org: Org;

function configure(o: Org, yaml: string): void {
  fs.writeFileSync(o.p('mailroom.yaml'), `sandbox: none\n${yaml.replaceAll('$MOCK', MOCK)}`);
}

describe('timeouts', () => {
  it('kill the hanging handler and its grandchild; the run fails with "timeout after 1s"', async () => {
    org = makeOrg(['x']);
    configure(
      org,
      'kill_grace: 300ms\nagents:\n  hanger: { command: $MOCK, timeout: 1s, max_attempts: 1 }\n  boss: {}\n',
    );
    await org.start();
    org.drop('boss', 'h.md', message({ to: 'hanger', subject: 'hang please' }, 'mock: hang\n'));
    const pids = await waitFor(() => {
      const f = org.p('workspaces', 'hanger', 'hang.pids');
      return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split(' ').map(Number) : null;
    }, 'the handler and its grandchild to start');
    expect(pids.every(alive)).toBe(true);
    const failed = await waitFor(
      () => org.events().find((e) => e.type === 'handler.failed' && e.agent === 'hanger'),
      'the timeout',
      10_000,
    );
    expect(failed.reason).toBe('timeout after 1s');
    expect(failed.final).toBe(true);
    await waitFor(() => pids.every((p) => !alive(p)), 'the handler and the grandchild to be gone', 5_000);
    // max_attempts 1: dead-lettered and bounced.
    await waitFor(() => org.ls('bus', 'deadletter').some((n) => n.endsWith('.reason.md')), 'the dead letter');
    await waitFor(() => org.ls('workspaces', 'boss', 'inbox').length === 1, 'the bounce');
  });
});

describe('exit 75 (rate-limited)', () => {
  it('cools the whole lane for retry-after seconds, then retries', async () => {
    org = makeOrg(['x']);
    configure(
      org,
      'agents:\n  first: { command: $MOCK, lane: api }\n  second: { command: $MOCK, lane: api }\n  boss: {}\nlanes:\n  api: { concurrency: 1 }\n',
    );
    await org.start();
    // Both in one drop: first (critical) runs, second waits for the lane.
    fs.writeFileSync(
      path.join(org.outbox('boss'), '.a'),
      message(
        { to: 'first', priority: 'critical', subject: 'limited' },
        'mock: sleep 300\nmock: tempfail-once 3\nmock: silent\n',
      ),
    );
    fs.writeFileSync(
      path.join(org.outbox('boss'), '.b'),
      message({ to: 'second', subject: 'waits for the lane' }, 'mock: silent\n'),
    );
    fs.renameSync(path.join(org.outbox('boss'), '.a'), path.join(org.outbox('boss'), 'a.md'));
    fs.renameSync(path.join(org.outbox('boss'), '.b'), path.join(org.outbox('boss'), 'b.md'));

    const failed = await waitFor(
      () => org.events().find((e) => e.type === 'handler.failed' && e.agent === 'first'),
      'the exit 75',
    );
    expect(failed).toMatchObject({ exit_code: 75, tempfail: true, final: false });
    expect(failed.stderr).toContain('retry-after: 3');
    const until = Date.parse(failed.lane_cooling_until);
    expect(until - Date.parse(failed.time)).toBeGreaterThanOrEqual(2900);

    const s = JSON.parse(mailroom(['status', '--root', org.root, '--json']).stdout);
    expect(s.lanes.find((l: any) => l.name === 'api').cooling_until).toBe(failed.lane_cooling_until);
    expect(JSON.stringify(s.waiting)).toMatch(/cooling down until/);
    await waitFor(
      () => org.ls('workspaces', 'first', 'done').length === 1 && org.ls('workspaces', 'second', 'done').length === 1,
      'both handled',
      15_000,
    );
    const starts = org.events().filter((e) => e.type === 'handler.started');
    const afterFailure = starts.filter((e) => e.seq > failed.seq);
    expect(afterFailure.length).toBe(2); // second's run and first's retry
    for (const e of afterFailure) expect(Date.parse(e.time)).toBeGreaterThanOrEqual(until);
    expect(org.events().find((e) => e.type === 'handler.succeeded' && e.agent === 'first')?.attempt).toBe(2);
  });
});

describe('max attempts', () => {
  it('dead-letters the message with the handler stderr and bounces it to the sender', async () => {
    org = makeOrg(['x']);
    configure(org, 'agents:\n  broken: { command: $MOCK, max_attempts: 2, retry_backoff: 100ms }\n  boss: {}\n');
    await org.start();
    org.drop('boss', 'f.md', message({ to: 'broken', subject: 'will fail' }, 'mock: fail\n'));
    const final = await waitFor(
      () => org.events().find((e) => e.type === 'handler.failed' && e.final),
      'the final failure',
      10_000,
    );
    expect(
      org
        .events()
        .filter((e) => e.type === 'handler.failed' && e.agent === 'broken')
        .map((e) => e.attempt),
    ).toEqual([1, 2]);
    expect(final.reason).toBe('exit 1');
    const reason = await waitFor(
      () => org.ls('bus', 'deadletter').find((n) => n.endsWith('.reason.md')),
      'the reason file',
    );
    const text = org.read('bus', 'deadletter', reason);
    expect(text).toContain('failing on purpose (attempt 2)');
    expect(text).toMatch(/2 attempts|attempt 2/);
    const kept = reason.replace(/\.reason\.md$/, '');
    expect(org.read('bus', 'deadletter', kept)).toContain('mock: fail');
    const bounce = await waitFor(() => org.ls('workspaces', 'boss', 'inbox')[0], 'the bounce');
    expect(org.read('workspaces', 'boss', 'inbox', bounce)).toContain('failing on purpose');
    expect(org.ls('workspaces', 'broken', 'inbox')).toEqual([]);
    expect(org.ls('workspaces', 'broken', 'done')).toEqual([]);
  });
});

describe('an agent removed while its runs wait', () => {
  it('the daemon goes on: waiting runs are cancelled (mail stays in the inbox), the running one ends as a dead letter', async () => {
    org = makeOrg(['x']);
    // The run holds until the test says so (a gate file), so the removal lands while it runs, however slow the machine.
    const gate = path.join(org.tmp, 'go');
    configure(
      org,
      `agents:\n  boss: {}\n  slow: { command: "while [ ! -e ${gate} ]; do sleep 0.05; done; exit 3", max_attempts: 3 }\n`,
    );
    await org.start();
    for (const i of [1, 2, 3]) org.drop('boss', `m${i}.md`, message({ to: 'slow', subject: `job ${i}` }));
    await waitFor(() => org.events().some((e) => e.type === 'handler.started' && e.agent === 'slow'), 'the first run');
    await waitFor(
      () => org.events().filter((e) => e.type === 'handler.queued' && e.agent === 'slow').length === 3,
      'three queued runs',
    );
    const r = mailroom(['config', 'set', 'agents.slow', 'null', '--yes', '--root', org.root]);
    expect(r.code, r.stderr).toBe(0);
    const cancelled = await waitFor(() => {
      const c = org.events().filter((e) => e.type === 'handler.cancelled' && e.agent === 'slow');
      return c.length === 2 ? c : null;
    }, 'the waiting runs to be cancelled');
    expect(cancelled[0]!.reason).toMatch(
      /slow was removed from mailroom\.yaml; the message stays in workspaces\/slow\/inbox\//,
    );
    fs.writeFileSync(gate, '');
    const final = await waitFor(
      () => org.events().find((e) => e.type === 'handler.failed' && e.agent === 'slow'),
      'the running one to end',
    );
    expect(final.final).toBe(true);
    await waitFor(() => org.ls('workspaces', 'boss', 'inbox').length === 1, 'its bounce');
    expect(org.ls('workspaces', 'slow', 'inbox')).toHaveLength(2);
    expect(org.daemon?.exitCode).toBeNull();
    org.drop('boss', 'after.md', message({ to: 'operator', subject: 'still alive' }));
    await waitFor(
      () => org.ls('workspaces', 'operator', 'inbox').some((n) => n.endsWith('-still-alive.md')),
      'delivery afterwards',
    );
    expect(mailroom(['why', cancelled[0]!.id, '--root', org.root]).stdout).toMatch(
      /slow is no longer in mailroom\.yaml[\s\S]*not started: slow was removed from mailroom\.yaml/,
    );
    // A restart does not take the cancelled (never handled) mail for handled.
    expect(await org.stop()).toBe(0);
    await org.start();
    expect(org.ls('workspaces', 'slow', 'inbox')).toHaveLength(2);
    expect(org.ls('workspaces', 'slow', 'done')).toEqual([]);
  });
});
