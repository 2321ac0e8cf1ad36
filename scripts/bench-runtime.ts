/**
 * `npm run bench` (part 2): the runtime's overhead per handler run. 30 agents in 3 lanes run
 * a trivial handler (`true`) for 20 messages each; the log's handler.* events give runs/s and
 * the scheduling delay of every run: from the moment it could start (queued, and its agent's
 * previous run finished; the lanes are wide enough never to be the limit) to its start. Beside
 * it, the raw cost of spawning the same trivial process (`/bin/sh -c true`) in a loop, one at a
 * time and 30 at a time. Prints figures; asserts nothing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { daemonEnv } from './bench/common.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '..', 'runtime', 'cli', 'main.js');
const AGENTS = 30;
const PER_AGENT = 20;
const LANES = 3;
const SANDBOX = process.env.BENCH_SANDBOX ?? 'none';

type Ev = Record<string, any>;

function events(root: string): Ev[] {
  const dir = path.join(root, 'bus', 'events');
  return fs
    .readdirSync(dir)
    .sort()
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'))
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Ev];
      } catch {
        return [];
      }
    });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function rawSpawn(n: number, parallel: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await new Promise<void>((resolve) =>
        spawn('/bin/sh', ['-c', 'true'], { stdio: 'ignore' }).once('exit', () => resolve()),
      );
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return n / ((performance.now() - t0) / 1000);
}

/** A fresh org of AGENTS handler agents on LANES lanes, its daemon started. */
async function startOrg(root: string): Promise<{ daemon: ChildProcess; agents: string[]; stderr: () => string }> {
  const agents = Array.from({ length: AGENTS }, (_, i) => `h${String(i + 1).padStart(2, '0')}`);
  spawnSync(process.execPath, [CLI, 'init', root, '--agents', agents.join(',')], { stdio: 'ignore' });
  const lines = [
    'agents:',
    ...agents.map((a, i) => `  ${a}: { command: "true", lane: l${(i % LANES) + 1}, sandbox: ${SANDBOX} }`),
    'lanes:',
  ];
  for (let l = 1; l <= LANES; l++) lines.push(`  l${l}: { concurrency: ${Math.ceil(AGENTS / LANES)} }`);
  fs.writeFileSync(path.join(root, 'mailroom.yaml'), `${lines.join('\n')}\n`);
  const daemon: ChildProcess = spawn(process.execPath, [CLI, 'start', '--root', root, '--log-format', 'json'], {
    env: daemonEnv(process.env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  daemon.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
  const until = Date.now() + 15_000;
  while (!fs.existsSync(path.join(root, '.mailroom', 'daemon.pid'))) {
    if (Date.now() > until) throw new Error(`the daemon did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { daemon, agents, stderr: () => stderr };
}

/** Drop PER_AGENT messages to each agent from the operator, and wait until every run has ended. */
async function runAll(root: string, agents: string[]): Promise<number> {
  const outbox = path.join(root, 'workspaces', 'operator', 'outbox');
  for (let m = 0; m < PER_AGENT; m++) {
    for (const a of agents) {
      const name = `${a}-${m}.md`;
      fs.writeFileSync(path.join(outbox, `.${name}`), `---\nto: ${a}\nsubject: run ${m}\n---\nbench\n`);
      fs.renameSync(path.join(outbox, `.${name}`), path.join(outbox, name));
    }
  }
  const total = AGENTS * PER_AGENT;
  const until = Date.now() + 180_000;
  for (;;) {
    const done = events(root).filter((e) => e.type === 'handler.succeeded' || e.type === 'handler.failed').length;
    if (done >= total) return total;
    if (Date.now() > until) throw new Error(`only ${done} of ${total} runs finished in time`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** From the log: each run's delay between being allowed to start and starting, and the span of all runs. */
function schedule(evs: Ev[]): { delays: number[]; first: number; last: number; failed: number } {
  const t = (e: Ev) => Date.parse(e.time);
  const queued = new Map<string, number>();
  const lastFinish = new Map<string, number>();
  const delays: number[] = [];
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const e of evs) {
    const key = `${e.agent}/${e.id}`;
    if (e.type === 'handler.queued' && !queued.has(key)) queued.set(key, t(e));
    if (e.type === 'handler.started') {
      const eligible = Math.max(queued.get(key) ?? t(e), lastFinish.get(e.agent) ?? 0);
      delays.push(t(e) - eligible);
      first = Math.min(first, t(e));
    }
    if (e.type === 'handler.succeeded' || e.type === 'handler.failed') {
      lastFinish.set(e.agent, t(e));
      last = Math.max(last, t(e));
    }
  }
  return { delays, first, last, failed: evs.filter((e) => e.type === 'handler.failed').length };
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-bench-runtime-'));
  const root = path.join(tmp, 'org');
  const { daemon, agents } = await startOrg(root);
  const total = await runAll(root, agents);
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  const { delays, first, last, failed } = schedule(events(root));
  const runsPerSec = total / ((last - first) / 1000);
  const rawSerial = await rawSpawn(300, 1);
  const rawParallel = await rawSpawn(600, AGENTS);
  const p50 = pct(delays, 50);
  const p99 = pct(delays, 99);
  const out = {
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? '?',
      node: process.version,
      date: new Date().toISOString(),
    },
    runs: total,
    failed,
    sandbox: SANDBOX,
    runs_per_s: Math.round(runsPerSec),
    raw_spawn_per_s_serial: Math.round(rawSerial),
    raw_spawn_per_s_30_parallel: Math.round(rawParallel),
    scheduling_delay_ms: { p50, p99, max: Math.max(...delays) },
  };
  console.log(
    `\nmailroom runtime benchmark: ${AGENTS} agents, ${LANES} lanes, ${total} runs of a trivial handler (sandbox: ${SANDBOX})`,
  );
  console.log(`machine: ${out.machine.cpus} cores, ${out.machine.cpu}, node ${out.machine.node}\n`);
  console.log('figure                         mailroom        raw limit (spawn /bin/sh -c true)   ratio');
  console.log(
    `handler runs/s                 ${String(out.runs_per_s).padEnd(15)} ${`${out.raw_spawn_per_s_30_parallel}/s 30 at a time (${out.raw_spawn_per_s_serial}/s one at a time)`.padEnd(35)} ${(runsPerSec / rawParallel).toFixed(2)}`,
  );
  console.log(
    `scheduling delay p50 / p99     ${p50} / ${p99} ms${' '.repeat(Math.max(1, 9 - `${p50} / ${p99}`.length))}target p99 < 20 ms: ${p99 < 20 ? 'met' : 'NOT met'}`,
  );
  console.log(`failed runs                    ${failed}`);
  fs.writeFileSync('bench-runtime-results.json', `${JSON.stringify(out, null, 2)}\n`);
  fs.rmSync(tmp, { recursive: true, force: true });
  if (failed) process.exitCode = 1;
}

main().catch((err) => {
  console.error(`bench-runtime: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
