/**
 * `npm run bench` (part 1): the bus (then part 2, bench-runtime.ts). Other modes, each alone:
 * `--history` (bench/history.ts: start-up and reads against long histories), `--agents N,...`
 * (bench/agents.ts: org sizes), `--steady [minutes]` (bench/steady.ts: memory under steady
 * traffic), `--board [open tasks]` (bench/board.ts: mail on a busy board), `--bridge`
 * (bench/bridge.ts). One run, on a fresh org of 30 agents in a temp directory:
 *
 *   1. raw limit: a minimal synchronous loop in this process doing the daemon's file operations
 *      for 10,000 messages (take by rename, append the event with the full text, inbox copy by
 *      temp + link, sent copy, unlink temp and spool; one fdatasync per 100 messages);
 *   2. throughput: 10,000 messages dropped (dotfile + rename, as agents do) into the 30 outboxes
 *      as fast as possible; msgs/s from the first drop to the last `message.delivered`;
 *   3. latency: 2,000 messages at a steady 100 msgs/s; per message, the delivered event's time
 *      minus the time of its drop (Date.now() right after the rename); p50/p99/max;
 *   4. the daemon's peak RSS (VmHWM).
 * Prints each figure beside the raw limit, the ratio and the target of issue 3, and writes
 * bench-results.json. Asserts nothing about speed; exits 1 only when a message is lost (never
 * delivered, delivered twice, or rejected).
 *
 * Environment: BENCH_DIR (parent of the temp org; default the OS temp dir, which should be on
 * the disk under test), BENCH_KEEP=1 keeps the temp org, BENCH_DAEMON_ARGS adds node options
 * for the daemon (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), BENCH_GLIBC_DEFAULT=1 runs the
 * daemon without the fixed mmap threshold the `mailroom` command gives it
 * (runtime/service/malloc.ts), BENCH_CONFIG is appended to the org's mailroom.yaml (e.g. `scan_interval: 60s`), BENCH_N changes the 10,000 of the throughput phase
 * (for experiments only: the figures of the issue are for 10,000).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AGENTS, CLI, bareNodeHwmKb, machine, settle, startDaemon, stopDaemon, vmStatus } from './bench/common.js';
import { LogTail } from './bench/log-tail.js';
import { LATENCY_N, THROUGHPUT_N, exactlyOnce, latency, throughput } from './bench/phases.js';
import { RAW_N, rawLoop } from './bench/raw.js';
import { resultJson, resultTable } from './bench/report.js';
import { historyBench } from './bench/history.js';
import { benchBridge } from './bench/bridge.js';
import { benchAgents } from './bench/agents.js';
import { benchBoard } from './bench/board.js';
import { benchSteady } from './bench/steady.js';

async function run(tmp: string): Promise<number> {
  const m = machine();
  const root = path.join(tmp, 'org');
  const init = spawnSync(process.execPath, [CLI, 'init', root, '--agents', AGENTS.join(',')], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
  // The benchmark measures the bus, not the circuit breakers: agents here send far past 120 messages a minute.
  fs.appendFileSync(path.join(root, 'mailroom.yaml'), '\nmessages_per_minute: 100000000\n');
  if (process.env.BENCH_CONFIG) fs.appendFileSync(path.join(root, 'mailroom.yaml'), `\n${process.env.BENCH_CONFIG}\n`);
  const tail = new LogTail(path.join(root, 'bus', 'events'));
  let daemon: ChildProcess | null = await startDaemon(root, path.join(tmp, 'daemon.stderr'));
  try {
    const pid = daemon.pid!;
    process.stdout.write(`mailroom bus benchmark: ${AGENTS.length} agents, daemon pid ${pid}, org ${root}\n`);
    process.stdout.write(`raw loop: ${RAW_N} messages ... `); // the daemon is idle meanwhile
    const raw = rawLoop(path.join(tmp, 'raw'));
    process.stdout.write(`${Math.round(raw.msgsPerS)} msgs/s\n`);
    const thr = await throughput(root, tail);
    const problems: string[] = [];
    if (!thr.drainedAll)
      problems.push(`throughput: only ${thr.delivered} of ${THROUGHPUT_N} messages were delivered in time`);
    const afterThroughput = vmStatus(pid);
    let lat = null;
    if (thr.drainedAll) {
      await settle(root, 5_000);
      lat = await latency(root, tail);
      if (!lat.allDelivered)
        problems.push(`latency: some of the ${LATENCY_N} messages were not delivered within 30 s of the last drop`);
    } else problems.push('latency: skipped, the throughput phase did not drain');
    await settle(root, 5_000);
    const vm = vmStatus(pid);
    const stopStarted = Date.now();
    const code = await stopDaemon(daemon);
    const stopMs = Date.now() - stopStarted;
    daemon = null;
    if (code !== 0) problems.push(`the daemon exited ${code} on SIGTERM`);
    tail.poll();
    const once = exactlyOnce(root, tail, THROUGHPUT_N + (lat ? LATENCY_N : 0));
    const figures = {
      machine: m,
      raw,
      thr,
      lat,
      vm,
      afterThroughput,
      bareKb: bareNodeHwmKb(),
      stopMs,
      lost: once.lost,
      problems: [...problems, ...once.problems],
    };
    const out = resultJson(figures);
    process.stdout.write(resultTable(figures, out));
    fs.writeFileSync('bench-results.json', `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write('wrote bench-results.json\n');
    return once.lost;
  } finally {
    if (daemon) await stopDaemon(daemon);
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--history')) return historyBench(); // start-up and reads against long histories; no bus phases
  const tmp = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'mailroom-bench-'));
  try {
    // `npm run bench -- --bridge`: the bridge alone (scripts/bench/bridge.ts); `--agents N[,N...]`: org sizes (scripts/bench/agents.ts).
    const agents = process.argv.indexOf('--agents');
    const steady = process.argv.indexOf('--steady');
    const board = process.argv.indexOf('--board');
    const which =
      agents > 0
        ? benchAgents(tmp, process.argv[agents + 1] ?? '')
        : steady > 0
          ? benchSteady(tmp, process.argv[steady + 1])
          : board > 0
            ? benchBoard(tmp, process.argv[board + 1])
            : process.argv.includes('--bridge')
              ? benchBridge(tmp)
              : run(tmp);
    if ((await which) > 0) process.exitCode = 1;
  } finally {
    if (process.env.BENCH_KEEP) process.stdout.write(`kept ${tmp}\n`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
