/**
 * A long history: a synthetic log of 2,000,000 events (MAILROOM_LONG_EVENTS to change it)
 * written by the generator of scripts/bench (not by traffic), as a daemon would have left it
 * (the board's archiving before each snapshot, the last snapshot), beside a short one of 300,000
 * events (about thread_ttl of history: the fold is full-grown there already). To fit the suite's
 * budget only the last 400,000 events of the long one are folded into its snapshot (the older
 * ones are written and never read again, which is what is tested); `npm run bench -- --history`
 * folds all of them.
 *   - start-up replays only the tail: it folds the snapshot and 0 events after it, and reads
 *     (rchar, /proc/<pid>/io) a small fraction of the log's bytes;
 *   - memory is flat: at start-up the daemon's RSS is within 30 MB of the short history's and
 *     under the 150 MB target at start-up and after 200 more messages (82-108 and 91-130 MB seen
 *     here; 91 MB after 8M events in the benchmark: the fold holds 10 minutes of threads, the
 *     rest are in .mailroom/threads.db, and at most board_done_max finished tasks); `status`, `board`, `show` (of
 *     the oldest message, found by scanning back through the whole log) and `log --tail` stay
 *     under 100 MB;
 *   - the page (`mailroom serve`, one GET of its model) is under 100 MB and reads (rchar) under a
 *     tenth of the log: the snapshot, and the newest events backwards, never the whole log.
 * Bounds on memory and bytes read, never on time (the machine is shared).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { writeHistory } from '../../../scripts/bench/history-log.js';
import { CLI } from '../../support/cli.js';
import { stopClean } from '../../support/daemon.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, message, type Org } from '../../support/org.js';

const orgs: Org[] = [];
afterEach(async () => {
  for (const o of orgs.splice(0)) await o.cleanup();
});

const AGENTS = ['ann', 'bob', 'cfo', 'dan', 'eve', 'fay'];
const EVENTS = Number(process.env.MAILROOM_LONG_EVENTS ?? 2_000_000);
const SHORT = 300_000;

const status = (pid: number, key: string) =>
  Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const readBytes = (pid: number) => Number(/^rchar: (\d+)/m.exec(fs.readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);

/** Max RSS (MB) of a CLI command, from /usr/bin/time. */
function cliMb(o: Org, args: string[]): number {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CLI, ...args, '--root', o.root], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return Math.round(Number(r.stderr.trim().split('\n').at(-1)) / 1024);
}

/** An org with `events` of synthetic history; its log's size in bytes. */
function org(events: number, seed: number, foldFrom = 0): { o: Org; bytes: number } {
  const o = makeOrg(AGENTS);
  orgs.push(o);
  const h = writeHistory({
    root: o.root,
    agents: AGENTS,
    events,
    seed,
    stepMs: 2000,
    textBytes: 40,
    segmentBytes: 64 << 20,
    threadTtl: 7 * 86_400_000,
    foldFrom,
  });
  return { o, bytes: h.bytes };
}

/** `mailroom serve` on it: its peak RSS (MB) and the bytes it read, after one GET of the model. */
async function page(o: Org): Promise<{ hwm: number; read: number; events: number }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--root', o.root, '--port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  try {
    const url = await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${stderr}`);
        return /serving (http:\/\/\S+\/) /.exec(stderr)?.[1];
      },
      'mailroom serve to listen',
      60_000,
    );
    const body = (await (await fetch(`${url}api/model`)).json()) as { model: { events: unknown[] } };
    return { hwm: status(child.pid!, 'VmHWM'), read: readBytes(child.pid!), events: body.model.events.length };
  } finally {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  }
}

interface Started {
  rss: number;
  read: number;
  after: number;
}

/** Start the daemon on it (from its snapshot), then 200 more messages; RSS at each point and the bytes it read to start. */
async function run(o: Org): Promise<Started> {
  await o.start();
  const pid = o.daemon!.pid!;
  const [rss, read] = [status(pid, 'VmRSS'), readBytes(pid)];
  expect(o.stderr).toMatch(/folded snapshot seq \d+ and 0 event\(s\) after it/);
  for (let i = 0; i < 200; i++)
    o.drop(AGENTS[i % 6]!, `m${i}.md`, message({ to: AGENTS[(i + 1) % 6], subject: `after ${i}` }));
  await waitFor(
    () => AGENTS.every((a) => o.ls('workspaces', a, 'outbox').length === 0) || null,
    'the new mail taken',
    60_000,
  );
  const after = status(pid, 'VmRSS');
  expect(await stopClean(o)).toBe(0);
  return { rss, read, after };
}

describe('an org with a long history', () => {
  it(`starts from its snapshot after ${EVENTS.toLocaleString('en')} past events, reading little of the log, with flat memory`, async () => {
    const short = org(SHORT, 11);
    const long = org(EVENTS, 12, EVENTS - 400_000);
    const s = await run(short.o);
    const l = await run(long.o);
    const oldest = /"type":"message.accepted","id":"([a-z0-9]{12})"/.exec(
      fs.readFileSync(long.o.p('bus', 'events', '000001.jsonl'), 'utf8').slice(0, 20_000),
    )![1]!;
    const cli = {
      status: cliMb(long.o, ['status', '--json']),
      board: cliMb(long.o, ['board']),
      show: cliMb(long.o, ['show', oldest]),
      tail: cliMb(long.o, ['log', '--tail', '20']),
    };
    const served = await page(long.o);
    const seen = { short: s, long: l, logMb: Math.round(long.bytes / 2 ** 20), cli, served };
    process.stdout.write(`[history-long] ${JSON.stringify(seen)}\n`);
    expect(
      {
        startUnder150: l.rss < 150,
        afterUnder150: l.after < 150,
        flat: l.rss < s.rss + 30,
        readLittle: l.read < long.bytes / 10,
        cliUnder100: cli.status < 100 && cli.board < 100 && cli.show < 100 && cli.tail < 100,
        pageUnder100: served.hwm < 100 && served.events === 40,
        pageReadsLittle: served.read < long.bytes / 10,
      },
      JSON.stringify(seen),
    ).toEqual({
      startUnder150: true,
      afterUnder150: true,
      flat: true,
      readLittle: true,
      cliUnder100: true,
      pageUnder100: true,
      pageReadsLittle: true,
    });
  }, 300_000);
});
