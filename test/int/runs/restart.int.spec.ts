/**
 * Restarts: `kill -9` of the daemon while a handler runs (the run is run again, the orphan it
 * left is killed first, finished runs are never run again, a queued run runs once), and
 * start-up stagger (runs queued at a restart start `startup_stagger` apart, not all at once),
 * also when the restart first has to finish a delivery a crash or failure interrupted, and for
 * mail found in the inbox of agents that became handlers while the daemon was down.
 * Counts come from the mock agent's own stamps (MOCK_STAMPS) and the event log; the spacing
 * from the log (not_before and handler.started), not from when the processes came up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { message, orgFromYaml, type Org } from '../../support/org.js';
import { eventsOf, waitFor } from '../../support/events.js';
import { MOCK, readStamps, type Stamp } from '../../support/runs.js';
import { alive, processesIn } from '../../support/processes.js';

let org: Org | undefined;

const startsOf = (ss: Stamp[], agent: string) => ss.filter((s) => s.what === 'start' && s.agent === agent);

describe('kill -9 of the daemon mid-run', () => {
  it('the in-flight run runs again after the restart (its orphan killed first); finished runs never run twice; a queued run runs once', async () => {
    const h = (lane = '') => `{ command: $MOCK, ${lane}env: { MOCK_STAMPS: $TMP/stamps.txt } }`;
    org = orgFromYaml(
      [
        'sandbox: none',
        'agents:',
        '  boss: {}',
        '  ext: {}',
        `  quick1: ${h()}`,
        `  quick2: ${h()}`,
        `  slow: ${h('lane: one, ')}`,
        `  later: ${h('lane: one, ')}`,
        'lanes:',
        '  one: { concurrency: 1 }',
        '',
      ].join('\n'),
    );
    const o = org;
    const stampFile = path.join(o.tmp, 'stamps.txt');
    await o.start();
    o.drop('boss', 'q1.md', message({ to: 'quick1', subject: 'quick one' }, 'mock: silent\n'));
    o.drop('boss', 'q2.md', message({ to: 'quick2', subject: 'quick two' }, 'mock: silent\n'));
    await waitFor(
      () => o.ls('workspaces', 'quick1', 'done').length === 1 && o.ls('workspaces', 'quick2', 'done').length === 1,
      'the quick runs finished',
    );
    await waitFor(() => eventsOf(o, 'handler.succeeded').length === 2, 'their handler.succeeded');

    o.drop(
      'boss',
      's.md',
      message({ to: 'slow', subject: 'slow one', priority: 'high' }, 'mock: sleep 4000\nmock: silent\n'),
    );
    await waitFor(() => startsOf(readStamps(stampFile), 'slow').length === 1, 'the slow run to start');
    o.drop('boss', 'l.md', message({ to: 'later', subject: 'queued behind slow' }, 'mock: silent\n'));
    await waitFor(() => eventsOf(o, 'handler.queued', 'later').length === 1, 'the later run queued behind it');
    const orphans = processesIn(o.p('workspaces', 'slow'));
    expect(orphans.some((p) => p.cmd.includes('mock-agent'))).toBe(true);

    await o.kill9();
    // The killed daemon's handler is still running on its own (it is not jailed here) ...
    expect(orphans.filter((p) => alive(p.pid)).length).toBeGreaterThan(0);
    await o.start();
    // ... and the restart kills it before running the message again.
    await waitFor(() => orphans.every((p) => !alive(p.pid)), 'the orphaned handler killed at the restart', 5_000);

    await waitFor(
      () => o.ls('workspaces', 'slow', 'done').length === 1 && o.ls('workspaces', 'later', 'done').length === 1,
      'slow and later handled after the restart',
      20_000,
    );
    const ss = readStamps(stampFile);
    // The in-flight run ran again (at least once); its first run never finished (killed, no stop stamp before the second start).
    const slowStarts = startsOf(ss, 'slow');
    expect(slowStarts.length).toBeGreaterThanOrEqual(2);
    expect(ss.filter((s) => s.what === 'stop' && s.agent === 'slow' && s.t < slowStarts[1]!.t)).toEqual([]);
    expect(
      eventsOf(o, 'handler.queued', 'slow').some(
        (e) => e.note === 'was running when the daemon stopped; run again' && e.not_before,
      ),
    ).toBe(true);
    // Finished before the kill: never run again. Queued at the kill: run exactly once.
    expect(startsOf(ss, 'quick1')).toHaveLength(1);
    expect(startsOf(ss, 'quick2')).toHaveLength(1);
    expect(startsOf(ss, 'later')).toHaveLength(1);
    expect(eventsOf(o, 'handler.queued', 'later').at(-1)!.note).toBe('queued again after a restart');
    for (const a of ['quick1', 'quick2', 'slow', 'later']) {
      expect(eventsOf(o, 'handler.succeeded', a), a).toHaveLength(1);
      expect(o.ls('workspaces', a, 'done'), a).toHaveLength(1);
      expect(o.ls('workspaces', a, 'inbox'), a).toEqual([]);
    }
    expect(eventsOf(o, 'handler.failed')).toEqual([]);

    // And once more: a clean restart runs nothing again.
    const startedBefore = eventsOf(o, 'handler.started').length;
    expect(await o.stop()).toBe(0);
    await o.start();
    o.drop('boss', 'marker.md', message({ to: 'ext', subject: 'marker' }));
    await waitFor(
      () => o.ls('workspaces', 'ext', 'inbox').length === 1,
      'a delivery after the restart (the daemon is past its recovery)',
    );
    expect(eventsOf(o, 'handler.started')).toHaveLength(startedBefore);
    expect(readStamps(stampFile).filter((s) => s.what === 'start')).toHaveLength(
      ss.filter((s) => s.what === 'start').length,
    );
  });
});

describe('start-up stagger', () => {
  /** Five agents in a lane of one, one running and four queued, then the daemon stops; the lane is widened while it is down. */
  async function queueFiveAndStop(o: Org, stampFile: string): Promise<void> {
    await o.start();
    o.drop(
      'boss',
      's1.md',
      message({ to: 's1', subject: 'first', priority: 'high' }, 'mock: sleep 1500\nmock: silent\n'),
    );
    await waitFor(() => startsOf(readStamps(stampFile), 's1').length === 1, 's1 running');
    for (const a of ['s2', 's3', 's4', 's5'])
      o.drop('boss', `${a}.md`, message({ to: a, subject: `for ${a}` }, 'mock: silent\n'));
    await waitFor(() => eventsOf(o, 'handler.queued').length === 5, 'four more runs queued behind s1');
    expect(eventsOf(o, 'handler.started')).toHaveLength(1);
  }

  function staggerYaml(): string {
    const agents = ['s1', 's2', 's3', 's4', 's5'].map(
      (a) => `  ${a}: { command: $MOCK, lane: one, retry_backoff: 100ms, env: { MOCK_STAMPS: $TMP/stamps.txt } }`,
    );
    return [
      'sandbox: none',
      'startup_stagger: 400ms',
      'agents:',
      '  boss: {}',
      '  ext: {}',
      ...agents,
      'lanes:',
      '  one: { concurrency: 1 }',
      '',
    ].join('\n');
  }

  function widenLane(o: Org): void {
    fs.writeFileSync(
      o.p('mailroom.yaml'),
      o.read('mailroom.yaml').replace('one: { concurrency: 1 }', 'one: { concurrency: 5 }'),
    );
  }

  /** The runs queued at the restart start 400 ms apart, although the lane now has room for all five at once. */
  function expectStaggered(o: Org, stampFile: string, restartSeq: number, restartedAt: number): void {
    const requeued = eventsOf(o, 'handler.queued').filter((e) => e.seq > restartSeq);
    expect(requeued.map((e) => e.agent).sort()).toEqual(['s1', 's2', 's3', 's4', 's5']);
    const notBefore = requeued.map((e) => Date.parse(e.not_before)).sort((a, b) => a - b);
    expect(notBefore.slice(1).map((t, i) => t - notBefore[i]!)).toEqual([400, 400, 400, 400]);
    // The daemon started none before its turn ...
    const started = eventsOf(o, 'handler.started').filter((e) => e.seq > restartSeq);
    expect(started.map((e) => e.agent).sort()).toEqual(['s1', 's2', 's3', 's4', 's5']);
    for (const e of started) {
      const q = requeued.find((r) => r.agent === e.agent)!;
      expect(Date.parse(e.time), `${e.agent} started before its not_before`).toBeGreaterThanOrEqual(
        Date.parse(q.not_before),
      );
    }
    // ... and each handler really ran once after the restart (its own stamp). How far apart the
    // processes came up is the machine's timing, not the daemon's: the spacing is proven from the log.
    const starts = readStamps(stampFile).filter((s) => s.what === 'start' && s.t >= restartedAt);
    expect(starts.map((s) => s.agent).sort()).toEqual(['s1', 's2', 's3', 's4', 's5']);
  }

  it('after a restart, the queued runs (and the one that was running) start startup_stagger apart', async () => {
    org = orgFromYaml(staggerYaml());
    const o = org;
    const stampFile = path.join(o.tmp, 'stamps.txt');
    await queueFiveAndStop(o, stampFile);
    expect(await o.stop()).toBe(0); // a clean stop: s1's run is stopped and runs again at the next start
    widenLane(o);
    const restartSeq = o.events().at(-1)!.seq;
    const restartedAt = Date.now();
    await o.start();
    await waitFor(
      () => ['s1', 's2', 's3', 's4', 's5'].every((a) => o.ls('workspaces', a, 'done').length === 1),
      'all five handled',
      20_000,
    );
    expectStaggered(o, stampFile, restartSeq, restartedAt);
    expect(eventsOf(o, 'handler.failed')).toEqual([]);
    expect(eventsOf(o, 'handler.succeeded')).toHaveLength(5);
  });

  // Regression (fixed: the runner starts nothing before its own recover()). It was: recover() -> redeliver() called runner.pump() before
  // runner.recover() has re-queued the runs with their stagger. So when a restart finds an
  // accepted-but-undelivered message (a failed delivery, or kill -9 between message.accepted
  // and message.delivered), every queued run the lanes allow is started at once; then
  // runner.recover() -> killOrphans() SIGKILLs those brand-new handlers as if a dead daemon had
  // left them, and each counts as a real failed attempt ("killed by SIGKILL", retried after
  // back-off; dead-lettered and bounced when max_attempts is 1).
  it('also when the restart first delivers a message whose delivery had failed: the queued runs are not started early, and none is killed', async () => {
    org = orgFromYaml(staggerYaml());
    const o = org;
    const stampFile = path.join(o.tmp, 'stamps.txt');
    await queueFiveAndStop(o, stampFile);
    // A delivery that fails while the daemon runs: ext's inbox is not a folder. The message waits in the log as accepted.
    const inbox = o.inbox('ext');
    fs.rmSync(inbox, { recursive: true });
    fs.writeFileSync(inbox, 'not a folder\n');
    o.drop('boss', 'x.md', message({ to: 'ext', subject: 'delivery fails for now' }));
    const accepted = await waitFor(
      () => o.events().find((e) => e.type === 'message.accepted' && e.to.includes('ext')),
      'the message for ext accepted',
    );
    expect(o.events().some((e) => e.type === 'message.delivered' && e.id === accepted.id)).toBe(false);
    expect(await o.stop()).toBe(0);
    fs.rmSync(inbox);
    fs.mkdirSync(inbox, { mode: 0o700 });
    widenLane(o);
    const restartSeq = o.events().at(-1)!.seq;
    const restartedAt = Date.now();
    await o.start();
    await waitFor(() => o.ls('workspaces', 'ext', 'inbox').length === 1, 'the delayed delivery');
    await waitFor(
      () => ['s1', 's2', 's3', 's4', 's5'].every((a) => o.ls('workspaces', a, 'done').length === 1),
      'all five handled',
      20_000,
    );
    // No run was started before recovery and killed by it as an orphan of the old daemon.
    expect(eventsOf(o, 'handler.failed').map((e) => `${e.agent}: ${e.reason}`)).toEqual([]);
    expectStaggered(o, stampFile, restartSeq, restartedAt);
  });

  it('mail found in the inbox of agents that became handlers while the daemon was down is run startup_stagger apart', async () => {
    const four = ['w1', 'w2', 'w3', 'w4'];
    org = orgFromYaml(['sandbox: none', 'agents:', ...[...four, 'boss'].map((n) => `  ${n}: {  }`), ''].join('\n'));
    const o = org;
    const stampFile = path.join(o.tmp, 'stamps.txt');
    await o.start();
    for (const n of four) o.drop('boss', `${n}.md`, message({ to: n, subject: `for ${n}` }, 'mock: silent\n'));
    await waitFor(
      () => four.every((n) => o.ls('workspaces', n, 'inbox').length === 1),
      'delivery to four external agents',
    );
    expect(await o.stop()).toBe(0);
    // Now they become handler agents: their mail is found in the inbox with no run.
    const cfg = o.read('mailroom.yaml');
    fs.writeFileSync(
      o.p('mailroom.yaml'),
      `startup_stagger: 400ms\n${four.reduce((t, n) => t.replace(`  ${n}: {  }`, `  ${n}: { command: ${MOCK}, env: { MOCK_STAMPS: ${stampFile} } }`), cfg)}`,
    );
    await o.start();
    await waitFor(() => four.every((n) => o.ls('workspaces', n, 'done').length === 1), 'all four handled');
    expect(readStamps(stampFile).filter((s) => s.what === 'start')).toHaveLength(4);
    const queued = o.events().filter((e) => e.type === 'handler.queued' && e.not_before);
    expect(queued).toHaveLength(4);
    // The spacing the daemon planned, from the log: 400 ms apart.
    const notBefore = queued.map((e) => Date.parse(e.not_before)).sort((x, y) => x - y);
    expect(notBefore.slice(1).map((t, k) => t - notBefore[k]!)).toEqual([400, 400, 400]);
    for (const e of eventsOf(o, 'handler.started')) {
      const q = queued.find((x) => x.agent === e.agent)!;
      expect(Date.parse(e.time), `${e.agent} started before its not_before`).toBeGreaterThanOrEqual(
        Date.parse(q.not_before),
      );
    }
  });
});
