/**
 * `npm run bench -- --steady [minutes]` (default 30: well past the 10 minutes of threads the
 * daemon keeps in memory): does the daemon's memory stay flat under steady traffic? An org of
 * 30 agents gets 50 msgs/s for that long: plain mail, a new task every 20th message and, 200
 * messages later, its update to `done` by its creator; the agents "read" their mail (a move
 * from inbox/ to done/ every 5 s, as a person or handler does). The daemon's RSS (VmRSS) is
 * sampled every 15 s; printed are the samples, the slope over the second half (MB per minute,
 * after the warm-up) and what a day at that slope would add. Exits 1 only when mail is lost (a
 * drop never accepted).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  AGENTS,
  CLI,
  draft,
  drop,
  machine,
  senderOf,
  recipientOf,
  sleep,
  startDaemon,
  stopDaemon,
  vmStatus,
} from './common.js';
import { LogTail } from './log-tail.js';
import { memoryMap } from './memory-map.js';

const RATE = 50; // msgs/s
const SAMPLE_MS = 15_000;
const READ_MS = 5_000;
const TASK_EVERY = 20;
const DONE_AFTER = 200;

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** Move every delivered copy from each agent's inbox/ to done/ (the agents read their mail). */
function readAll(root: string): void {
  for (const a of AGENTS) {
    const inbox = path.join(root, 'workspaces', a, 'inbox');
    for (const f of fs.readdirSync(inbox)) {
      if (!f.endsWith('.md')) continue;
      try {
        fs.renameSync(path.join(inbox, f), path.join(root, 'workspaces', a, 'done', f));
      } catch {
        /* gone meanwhile */
      }
    }
  }
}

/** The i-th message of the steady mix: mail, a new task (sent by a01), or a01's update of an older task to done. */
function nth(i: number, tasksSent: number): { from: string; name: string; text: string; task: boolean } {
  const name = `s${String(i).padStart(9, '0')}.md`;
  if (i % TASK_EVERY === 0)
    return {
      from: 'a01',
      name,
      text: `---\nto: ${recipientOf(i + 1)}\nkind: task\nsubject: job ${i}\n---\nDo it.\n`,
      task: true,
    };
  if (i % TASK_EVERY === TASK_EVERY / 2 && tasksSent > DONE_AFTER / TASK_EVERY) {
    const t = tasksSent - DONE_AFTER / TASK_EVERY;
    return { from: 'a01', name, text: `---\ntask: T-${t}\nstatus: done\n---\nDone.\n`, task: false };
  }
  const from = senderOf(i) === 'a01' ? 'a02' : senderOf(i);
  return { from, name, text: draft(recipientOf(i) === from ? 'a03' : recipientOf(i), `steady ${i}`, i), task: false };
}

interface Sample {
  min: number;
  rssMb: number;
  /** glibc's main arena and V8's heap pages (bench/memory-map.ts). */
  glibcMb: number;
  v8Mb: number;
}

function sample(pid: number, t0: number): Sample {
  const map = memoryMap(pid);
  return {
    min: (Date.now() - t0) / 60_000,
    rssMb: (vmStatus(pid)?.rssKb ?? NaN) / 1024,
    glibcMb: (map?.glibcKb ?? NaN) / 1024,
    v8Mb: (map?.v8Kb ?? NaN) / 1024,
  };
}

/** The slope of each figure over the second half of the run, in MB per minute. */
function slopes(samples: Sample[], minutes: number): { rss: number; glibc: number; v8: number } {
  const half = samples.filter((s) => s.min >= minutes / 2);
  const by = (figure: (s: Sample) => number) =>
    slope(
      half.map((s) => s.min),
      half.map(figure),
    );
  return { rss: by((s) => s.rssMb), glibc: by((s) => s.glibcMb), v8: by((s) => s.v8Mb) };
}

function setUp(tmp: string): string {
  const root = path.join(tmp, 'org');
  const init = spawnSync(process.execPath, [CLI, 'init', root, '--agents', AGENTS.join(',')], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
  fs.appendFileSync(
    path.join(root, 'mailroom.yaml'),
    '\nmessages_per_minute: 100000000\ntasks_per_hour: 100000000\nmax_open_tasks: 100000\n',
  );
  return root;
}

function report(
  root: string,
  samples: Sample[],
  minutes: number,
  counts: { sent: number; accepted: number; rejected: number },
): void {
  const per = slopes(samples, minutes);
  const events = path.join(root, 'bus', 'events');
  const log = fs.readdirSync(events).reduce((a, f) => a + fs.statSync(path.join(events, f)).size, 0);
  const m = machine();
  process.stdout.write(
    [
      '',
      `machine: ${m.nproc} cores, ${m.cpu}, Node ${m.node}, load ${m.load.join(' ')}`,
      `sent ${counts.sent}, accepted ${counts.accepted} (mail from mailroom included), rejected ${counts.rejected}, log ${(log / 1e6).toFixed(0)} MB`,
      `RSS first / last sample: ${samples[0]?.rssMb.toFixed(1)} / ${samples.at(-1)?.rssMb.toFixed(1)} MB`,
      `RSS slope over the second half: ${per.rss.toFixed(2)} MB/min (a day at this slope: ${(per.rss * 1440).toFixed(0)} MB)`,
      `  of which glibc's heap ${per.glibc.toFixed(2)} MB/min, V8's heap pages ${per.v8.toFixed(2)} MB/min`,
      '',
    ].join('\n'),
  );
}

export async function benchSteady(tmp: string, minutesArg: string | undefined): Promise<number> {
  const minutes = Number(minutesArg ?? 30);
  if (!(minutes > 0)) throw new Error(`--steady takes a number of minutes: got ${minutesArg}`);
  const root = setUp(tmp);
  const daemon = await startDaemon(root, path.join(tmp, 'daemon.stderr'));
  const pid = daemon.pid!;
  const tail = new LogTail(path.join(root, 'bus', 'events'));
  const t0 = Date.now();
  const end = t0 + minutes * 60_000;
  const samples: Sample[] = [];
  process.stdout.write(`steady traffic: ${RATE} msgs/s for ${minutes} min, 30 agents, daemon pid ${pid}\n`);
  let sent = 0;
  let tasksSent = 0;
  let nextSample = t0;
  let nextRead = t0 + READ_MS;
  try {
    while (Date.now() < end) {
      const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
      for (; sent < due; sent++) {
        const m = nth(sent, tasksSent);
        drop(root, m.from, m.name, m.text);
        if (m.task) tasksSent++;
      }
      if (Date.now() >= nextRead) {
        readAll(root);
        nextRead += READ_MS;
      }
      if (Date.now() >= nextSample) {
        const s = sample(pid, t0);
        samples.push(s);
        process.stdout.write(
          `  ${s.min.toFixed(1)} min: RSS ${s.rssMb.toFixed(1)} MB (glibc heap ${s.glibcMb.toFixed(1)}, V8 pages ${s.v8Mb.toFixed(1)}), ${sent} sent\n`,
        );
        nextSample += SAMPLE_MS;
      }
      await sleep(20);
    }
    await sleep(5_000);
    tail.poll();
  } finally {
    await stopDaemon(daemon);
  }
  const accepted = [...tail.byId.values()].filter((x) => x.acceptedAt !== undefined).length;
  report(root, samples, minutes, { sent, accepted, rejected: tail.rejected.length });
  return accepted >= sent ? 0 : sent - accepted; // a coarse check: the bus benchmark proves exactly-once
}
