/**
 * `npm run bench -- --agents 10000` (or `--agents 30,1000,10000`): one org per size, on a fresh
 * temp dir; for each, the daemon's start-up time (spawn to "watching"), its idle CPU over a
 * quiet window (utime + stime from /proc/<pid>/stat, as % of one core), RSS, a flood of
 * BENCH_N messages (msgs/s, first drop to last delivery) and 1,000 at 100 msgs/s (p50/p99),
 * beside the raw limit (the same file operations in a bare loop, bench/raw.ts) and the
 * inotify watch limit. Writes bench-agents.json. Exits 1 only if a message is lost.
 * A size written `N:F` (e.g. `10000:30`) has F delivered copies pre-filled in every inbox before
 * the daemon starts (300,000 files at 10000:30; canonical names, sent within the last hour, normal
 * and low priority, so none is unread long enough to be alerted during the run).
 *
 * BENCH_IDLE_S sets the quiet window (default 60: one full sweep of the scan, two unread checks).
 *
 * The steady load is run in BENCH_ROUNDS rounds (default 5) once every size's daemon is up (they
 * stay up, idle, beside each other): each round runs it on every size in turn, the order reversed
 * every other round (rounds.ts), so that sizes are compared under the same conditions; the table
 * gives each size's median p50 and p99 over the rounds, and a second table each round's p99 with
 * its ratio to the first size's in the same round, and the median ratio.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { derivedId, inboxName } from '../../bus/names.js';
import fs from 'node:fs';
import path from 'node:path';
import {
  CLI,
  bareNodeHwmKb,
  draft,
  drop,
  machine,
  pct,
  settle,
  sleep,
  startDaemon,
  stopDaemon,
  vmStatus,
} from './common.js';
import { LogTail, waitDelivered } from './log-tail.js';
import { rawLoop } from './raw.js';
import { roundsTable, table, type Size } from './agents-table.js';
import { median, roundOrder } from './rounds.js';

const FLOOD_N = Number(process.env.BENCH_N ?? 10_000);
const STEADY_N = 1_000;
const STEADY_RATE = 100;
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 60);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5) || 1);
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** A size's org with its daemon up, between set-up and tear-down. */
interface Live {
  size: Size;
  root: string;
  names: string[];
  daemon: ChildProcess;
  stderr: string;
  tail: LogTail;
  subjects: string[];
}

/** CPU seconds (user + system) the process has used. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  return (Number(f[11]) + Number(f[12])) / TICKS; // utime (14), stime (15)
}

function inotifyLimit(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8'));
  } catch {
    return Number.NaN;
  }
}

async function flood(root: string, names: string[], tail: LogTail): Promise<{ msgsPerS: number; subjects: string[] }> {
  const subjects: string[] = [];
  const first = Date.now();
  for (let i = 0; i < FLOOD_N; i++) {
    const subject = `bench f${i}`;
    subjects.push(subject);
    drop(root, names[i % names.length]!, `f${i}.md`, draft(names[(i * 7 + 1) % names.length]!, subject, i));
  }
  await waitDelivered(tail, subjects, 180_000);
  const times = subjects.map((s) => tail.deliveredAt(s)?.[0]).filter((t): t is number => t !== undefined);
  return { msgsPerS: times.length / ((Math.max(...times) - first) / 1000), subjects };
}

async function steady(
  root: string,
  names: string[],
  tail: LogTail,
  tag: string,
): Promise<{ p50: number; p99: number; subjects: string[] }> {
  const subjects: string[] = [];
  const dropAt: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < STEADY_N; i++) {
    await sleep(Math.max(0, t0 + (i * 1000) / STEADY_RATE - performance.now()));
    const subject = `bench ${tag}s${i}`;
    subjects.push(subject);
    drop(
      root,
      names[(i * 13) % names.length]!,
      `${tag}s${i}.md`,
      draft(names[(i * 13 + 5) % names.length]!, subject, i),
    );
    dropAt.push(Date.now());
  }
  await waitDelivered(tail, subjects, 60_000);
  const lat = subjects
    .flatMap((s, k) => (tail.deliveredAt(s) ? [tail.deliveredAt(s)![0]! - dropAt[k]!] : []))
    .sort((a, b) => a - b);
  return { p50: pct(lat, 50), p99: pct(lat, 99), subjects };
}

/** F delivered copies in each agent's inbox, as the daemon names them (the daemon skips them as already delivered). */
function prefillInboxes(root: string, names: string[], f: number): void {
  const now = Date.now();
  for (const [a, agent] of names.entries())
    for (let k = 0; k < f; k++) {
      const i = a * f + k;
      const name = inboxName({
        priority: k % 2 ? 'low' : 'normal',
        sent: new Date(now - ((i * 7919) % 3_600_000)).toISOString(),
        id: derivedId('bench-prefill', String(i)),
        subject: `prefilled ${k}`,
      });
      fs.writeFileSync(path.join(root, 'workspaces', agent, 'inbox', name), draft(agent, `prefilled ${k}`, i));
    }
}

/** A fresh org of this size, its daemon started, its idle CPU measured and a flood drained; the daemon stays up. */
async function setUp(tmp: string, spec: { agents: number; prefill: number }): Promise<Live> {
  const n = spec.agents;
  const root = path.join(tmp, `org-${n}-${spec.prefill}`);
  const names = Array.from({ length: n }, (_, i) => `a${i}`);
  const t0 = Date.now();
  const out = path.join(tmp, `init-${n}.out`);
  const fd = fs.openSync(out, 'w');
  const init = spawnSync(process.execPath, [CLI, 'init', root, '--agents', names.join(',')], {
    stdio: ['ignore', fd, fd],
  }); // a file, not a pipe: init's output at 10,000 agents is long
  fs.closeSync(fd);
  if (init.status !== 0) throw new Error(`init of ${n} agents failed: ${fs.readFileSync(out, 'utf8').slice(-2000)}`);
  const initMs = Date.now() - t0;
  // Round after round, the steady runs send up to ~100 messages a minute from each of 30 agents: past
  // messages_per_minute (120) the runaway breaker would pause a sender, and its mail would wait, not be measured.
  fs.appendFileSync(path.join(root, 'mailroom.yaml'), '\nmessages_per_minute: 100000\n');
  if (spec.prefill) {
    process.stdout.write(`${n} agents: pre-filling ${n * spec.prefill} files in inboxes ... `);
    prefillInboxes(root, names, spec.prefill);
  }
  const stderr = path.join(tmp, `daemon-${n}-${spec.prefill}.stderr`);
  const s0 = Date.now();
  const daemon = await startDaemon(root, stderr);
  const startMs = Date.now() - s0;
  const pid = daemon.pid!;
  const startCpuS = cpuSeconds(pid);
  process.stdout.write(
    `${n} agents${spec.prefill ? ` (${n * spec.prefill} files in inboxes)` : ''}: init ${initMs} ms, start-up ${startMs} ms (${startCpuS.toFixed(2)} s CPU); idle for ${IDLE_S} s ... `,
  );
  await sleep(3_000); // the start-up sweep and first unread check are over
  const c0 = cpuSeconds(pid);
  const w0 = performance.now();
  await sleep(IDLE_S * 1000);
  const idleCpuPct = (100 * (cpuSeconds(pid) - c0)) / ((performance.now() - w0) / 1000);
  const vm = vmStatus(pid);
  process.stdout.write(`${idleCpuPct.toFixed(2)}% of a core; flood of ${FLOOD_N} ... `);
  const tail = new LogTail(path.join(root, 'bus', 'events'));
  const f = await flood(root, names, tail);
  process.stdout.write(`${Math.round(f.msgsPerS)} msgs/s\n`);
  const size: Size = {
    agents: n,
    prefill: spec.prefill,
    initMs,
    startMs,
    startCpuS,
    idleCpuPct,
    rssMb: (vm?.rssKb ?? Number.NaN) / 1024,
    hwmMb: Number.NaN,
    msgsPerS: f.msgsPerS,
    p50: Number.NaN,
    p99: Number.NaN,
    rounds: [],
    watches: '',
    lost: 0,
  };
  return { size, root, names, daemon, stderr, tail, subjects: f.subjects };
}

/** One steady run of STEADY_N messages at STEADY_RATE on a live org, once the flood before it has finished. */
async function steadyRound(live: Live, round: number): Promise<void> {
  await settle(live.root, 30_000); // no spool or staging files left: the same start for every run
  const s = await steady(live.root, live.names, live.tail, `r${round}`);
  live.size.rounds.push({ p50: s.p50, p99: s.p99 });
  live.subjects.push(...s.subjects);
  process.stdout.write(
    `${live.size.agents}${live.size.prefill ? `:${live.size.prefill}` : ''} p50 ${s.p50} / p99 ${s.p99} ms; `,
  );
}

/** The daemon's last figures, then stop it and remove the org. */
async function tearDown(live: Live): Promise<Size> {
  const { size } = live;
  try {
    size.lost = live.subjects.filter((x) => (live.tail.deliveredAt(x)?.length ?? 0) !== 1).length;
    size.p50 = median(size.rounds.map((r) => r.p50));
    size.p99 = median(size.rounds.map((r) => r.p99));
    const log = fs.readFileSync(live.stderr, 'utf8');
    size.watches = /inotify|ENOSPC/.test(log)
      ? `daemon said: ${/[^\n]*(inotify|ENOSPC)[^\n]*/.exec(log)![0].slice(0, 300)}`
      : `all ${2 * size.agents + 1} watched`;
    size.hwmMb = (vmStatus(live.daemon.pid!)?.hwmKb ?? Number.NaN) / 1024;
  } finally {
    await stopDaemon(live.daemon);
    fs.rmSync(live.root, { recursive: true, force: true });
  }
  return size;
}

/** Returns the number of messages lost (never delivered or delivered twice). */
export async function benchAgents(tmp: string, arg: string): Promise<number> {
  const specs = arg.split(',').map((x) => {
    const [agents, prefill] = x.split(':').map(Number);
    return { agents: agents!, prefill: prefill ?? 0 };
  });
  if (specs.some((s) => !Number.isInteger(s.agents) || s.agents < 2 || !Number.isInteger(s.prefill) || s.prefill < 0))
    throw new Error(
      `--agents takes a number of agents (at least 2), with \`:F\` to pre-fill F files in each inbox, or several with commas (e.g. 30,10000,10000:30): got ${arg}`,
    );
  process.stdout.write(`raw loop ... `);
  const raw = rawLoop(path.join(tmp, 'raw')).msgsPerS;
  process.stdout.write(`${Math.round(raw)} msgs/s\n`);
  const lives: Live[] = [];
  const sizes: Size[] = [];
  try {
    for (const spec of specs) lives.push(await setUp(tmp, spec));
    for (let r = 0; r < ROUNDS; r++) {
      process.stdout.write(`round ${r + 1} of ${ROUNDS}, ${STEADY_N} at ${STEADY_RATE}/s: `);
      for (const i of roundOrder(lives.length, r)) await steadyRound(lives[i]!, r);
      process.stdout.write('\n');
    }
  } finally {
    for (const live of lives) sizes.push(await tearDown(live));
  }
  const limit = inotifyLimit();
  const bare = bareNodeHwmKb() / 1024;
  process.stdout.write(table(sizes, raw, bare, limit, ROUNDS));
  process.stdout.write(roundsTable(sizes));
  fs.writeFileSync(
    'bench-agents.json',
    `${JSON.stringify({ machine: machine(), raw_msgs_per_s: Math.round(raw), idle_window_s: IDLE_S, flood: FLOOD_N, rounds: ROUNDS, inotify_max_user_watches: limit, sizes }, null, 2)}\n`,
  );
  process.stdout.write('wrote bench-agents.json\n');
  return sizes.reduce((a, s) => a + s.lost, 0);
}
