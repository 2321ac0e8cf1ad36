/**
 * History that stays small: snapshots and compaction.
 *   - `compact` archives old segments (gzip, bus/archive/) and changes no derived view: the board
 *     files, `board --json --all`, `show` of an archived message, `log --json` and a restart are
 *     all byte-identical;
 *   - kill -9 of the daemon while it writes snapshots (snapshot_every: 100) and of `compact`
 *     mid-way loses and duplicates nothing: every message is in each recipient's inbox once, and
 *     the log (archive included) has every seq once;
 *   - a damaged newest snapshot is skipped with a warning; the state is the same.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, message, type Org } from '../../support/org.js';
import { stopClean } from '../../support/daemon.js';
import { sleep } from '../../support/events.js';
import { seeded } from '../../support/random.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
  org = undefined;
});

const AGENTS = ['maya', 'oliver', 'legal'];
const CONFIG =
  'snapshot_every: 100\nsegment_bytes: 8192\nscan_interval: 300ms\nmessages_per_minute: 100000 # the bus, not the circuit breaker, is under test\n';

const logJson = (o: Org) => mailroom(['log', '--json', '--root', o.root]).stdout;
const seqs = (o: Org) =>
  logJson(o)
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { seq: number }).seq);
const delivered = (o: Org) =>
  logJson(o)
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; id: string })
    .filter((e) => e.type === 'message.delivered').length;

function views(o: Org, id: string): Record<string, string> {
  const read = (...p: string[]) => (fs.existsSync(o.p(...p)) ? o.read(...p) : '(missing)');
  return {
    'BOARD.md': read('board', 'BOARD.md'),
    'board.json': read('board', 'board.json'),
    ...Object.fromEntries(AGENTS.map((a) => [`${a}/BRIEF.md`, read('workspaces', a, 'BRIEF.md')])),
    'board --json --all': mailroom(['board', '--json', '--all', '--root', o.root]).stdout,
    [`show ${id}`]: mailroom(['show', id, '--root', o.root]).stdout,
    'log --json': logJson(o),
  };
}

async function traffic(o: Org, from: number, n: number, tasks = false): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const fm =
      tasks && i % 5 === 0
        ? { to: AGENTS[(i + 1) % 3], kind: 'task', subject: `task ${i}` }
        : { to: AGENTS[(i + 1) % 3], subject: `note ${i}` };
    o.drop(AGENTS[i % 3]!, `m${i}.md`, message(fm, `body ${i}\n`));
  }
}

describe('compact', () => {
  it('archives old segments and leaves every derived view byte-identical', async () => {
    const o = (org = makeOrg(AGENTS, CONFIG));
    await o.start();
    await traffic(o, 0, 150, true);
    await waitFor(() => delivered(o) >= 150 || null, '150 deliveries', 60_000);
    expect(await stopClean(o)).toBe(0);
    const first = /"type":"message.accepted","id":"([a-z0-9]{12})"/.exec(o.read('bus', 'events', '000001.jsonl'))![1]!;
    const before = views(o, first);
    const r = mailroom(['compact', '--root', o.root]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/archived \d+ segment/);
    expect(o.ls('bus', 'archive').length).toBeGreaterThan(0);
    expect(o.ls('bus', 'events')).not.toContain('000001.jsonl');
    expect(views(o, first)).toEqual(before);
    // A restart folds from the snapshot (the archived segments are not needed) and renders the same board.
    for (const f of ['BOARD.md', 'board.json']) fs.rmSync(o.p('board', f));
    await o.start();
    expect(await stopClean(o)).toBe(0);
    const after = views(o, first);
    expect(after['BOARD.md']).toBe(
      before['BOARD.md']!.replace(/as of [^)]*\)/, after['BOARD.md']!.match(/as of [^)]*\)/)![0]),
    );
    expect(JSON.parse(after['board --json --all']!).tasks).toEqual(JSON.parse(before['board --json --all']!).tasks);
    expect(seqs(o)).toEqual(Array.from({ length: seqs(o).length }, (_, i) => i + 1));
  }, 120_000);

  it('refuses, and says why, before any snapshot exists', () => {
    const o = (org = makeOrg(AGENTS, CONFIG));
    const r = mailroom(['compact', '--root', o.root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no snapshot');
  });
});

describe('kill -9 during snapshots and compactions', () => {
  it('loses and duplicates nothing', async () => {
    const rng = seeded('history kill -9');
    const o = (org = makeOrg(AGENTS, CONFIG));
    const N = 400;
    let sent = 0;
    for (let round = 0; round < 6; round++) {
      await o.start();
      await traffic(o, sent, N / 8);
      sent += N / 8;
      // A compaction racing the daemon, itself killed -9 at a random moment.
      const compact = spawn(process.execPath, [CLI, 'compact', '--root', o.root], { stdio: 'ignore' });
      await sleep(rng.int(100, 1500)); // the CLI's own start-up takes a few hundred ms: some are cut mid-way, some finish
      compact.kill('SIGKILL');
      await sleep(rng.int(50, 400));
      await o.kill9();
    }
    await o.start();
    await traffic(o, sent, N - sent);
    await waitFor(
      () => {
        const ids = new Set(
          logJson(o)
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as { type: string; id: string; source?: string })
            .filter((e) => e.type === 'message.accepted' && e.source === 'outbox')
            .map((e) => e.id),
        );
        return ids.size >= N && AGENTS.every((a) => o.ls('workspaces', a, 'outbox').length === 0) ? ids : null;
      },
      `${N} messages accepted`,
      90_000,
    );
    await waitFor(
      () => (mailroom(['status', '--json', '--root', o.root]).stdout.includes('"spool": 0') ? true : null),
      'the spool drained',
      30_000,
    );
    expect(await stopClean(o)).toBe(0);
    expect(mailroom(['compact', '--root', o.root]).code).toBe(0);
    expect(o.ls('bus', 'archive').length).toBeGreaterThan(0);
    // Every seq once, through the archive; every message in its recipient's inbox once.
    const s = seqs(o);
    expect(s).toEqual(Array.from({ length: s.length }, (_, i) => i + 1));
    const inboxIds = AGENTS.flatMap((a) =>
      o
        .ls('workspaces', a, 'inbox')
        .filter((n) => n.endsWith('.md'))
        .map((n) => n.split('-')[3]!),
    );
    expect(inboxIds.length).toBe(N);
    expect(new Set(inboxIds).size).toBe(N);
    // The state from the snapshot equals the state of a full replay (no snapshot).
    const status = () =>
      (JSON.parse(mailroom(['status', '--json', '--root', o.root]).stdout) as { events: unknown; tasks: unknown })
        .events;
    const board = () => mailroom(['board', '--json', '--all', '--root', o.root]).stdout;
    const [st, bd] = [status(), board()];
    fs.rmSync(o.p('.mailroom', 'snapshots'), { recursive: true });
    expect([status(), board()]).toEqual([st, bd]);
  }, 240_000);

  it('a damaged newest snapshot is skipped with a warning, and the state is the same', async () => {
    const o = (org = makeOrg(AGENTS, CONFIG));
    await o.start();
    await traffic(o, 0, 120, true);
    await waitFor(() => delivered(o) >= 120 || null, '120 deliveries', 60_000);
    expect(await stopClean(o)).toBe(0);
    const want = mailroom(['board', '--json', '--all', '--root', o.root]).stdout;
    const snaps = o.ls('.mailroom', 'snapshots');
    expect(snaps.length).toBeGreaterThan(1);
    const newest = o.p('.mailroom', 'snapshots', snaps.at(-1)!);
    fs.truncateSync(newest, Math.floor(fs.statSync(newest).size / 2));
    const r = mailroom(['board', '--json', '--all', '--root', o.root]);
    expect(r.stdout).toBe(want);
    expect(r.stderr).toContain(`skipped snapshot .mailroom/snapshots/${snaps.at(-1)}`);
    await o.start();
    expect(o.stderr).toContain('skipped snapshot');
    expect(await stopClean(o)).toBe(0);
  }, 120_000);
});
