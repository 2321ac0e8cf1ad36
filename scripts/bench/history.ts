/**
 * `npm run bench -- --history`: how start-up and the read commands scale with the length of the
 * history. For each size (10k, 100k, 1M, 8M past events; BENCH_HISTORY=10000,100000 to choose),
 * a synthetic log is written by history-log.ts (not by traffic) with the snapshot a daemon would
 * have written, then:
 *   - raw: reading the same log files once with a bare loop (read + count lines): the raw limit;
 *   - start-up: spawn `mailroom start` until it is watching; its RSS then (VmRSS, VmHWM);
 *   - status, board, doctor, show (the oldest message's id: a scan back through the whole log) and
 *     log --tail 20: wall time and max RSS of the CLI process;
 *   - the page: `mailroom serve` from spawn until it listens (it reads the model once before), one
 *     GET /api/model, and the server's peak RSS (VmHWM) then.
 * The org is deleted after each size. Prints a table and writes bench-history.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, machine, sleep, startDaemon, stopDaemon, vmStatus } from './common.js';
import { writeHistory } from './history-log.js';

const AGENTS = ['ann', 'bob', 'cfo', 'dan', 'eve', 'fay'];
const STEP_MS = 2000;

function rawRead(eventsDir: string): { ms: number; lines: number } {
  const t0 = performance.now();
  const buf = Buffer.alloc(4 << 20);
  let lines = 0;
  for (const name of fs.readdirSync(eventsDir).sort()) {
    const fd = fs.openSync(path.join(eventsDir, name), 'r');
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; )
      for (let i = buf.indexOf(10); i !== -1 && i < n; i = buf.indexOf(10, i + 1)) lines++;
    fs.closeSync(fd);
  }
  return { ms: performance.now() - t0, lines };
}

function timed(args: string[]): { ms: number; maxRssMb: number; code: number | null } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, CLI, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const [secs, kb] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { ms: Math.round(secs! * 1000), maxRssMb: Math.round(kb! / 1024), code: r.status };
}

/** `mailroom serve`: spawn to listening (one read of the model), a GET of the model, its peak RSS. */
async function page(root: string): Promise<{ ms: number; maxRssMb: number; code: number | null }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, 'serve', '--root', root, '--port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  try {
    let url: string | undefined;
    for (const until = Date.now() + 60_000; !(url = /serving (http:\/\/\S+\/) /.exec(stderr)?.[1]); await sleep(10))
      if (child.exitCode !== null || Date.now() > until) throw new Error(`serve did not listen: ${stderr}`);
    const ms = performance.now() - t0;
    const r = await fetch(`${url}api/model`);
    const body = (await r.json()) as { model?: { error?: string } };
    if (!r.ok || body.model?.error)
      throw new Error(`GET /api/model: ${r.status} ${JSON.stringify(body).slice(0, 400)}`);
    const vm = vmStatus(child.pid!);
    return { ms: Math.round(ms), maxRssMb: vm ? Math.round(vm.hwmKb / 1024) : NaN, code: r.status };
  } finally {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  }
}

async function one(tmp: string, n: number) {
  const root = path.join(tmp, `org-${n}`);
  const init = spawnSync(process.execPath, [CLI, 'init', root, '--agents', AGENTS.join(',')], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
  const g0 = performance.now();
  const h = writeHistory({
    root,
    agents: AGENTS,
    events: n,
    seed: 42,
    stepMs: STEP_MS,
    textBytes: 300,
    segmentBytes: 64 << 20,
    threadTtl: 7 * 86_400_000,
  });
  const genS = (performance.now() - g0) / 1000;
  const snapMb =
    fs
      .readdirSync(path.join(root, '.mailroom', 'snapshots'))
      .reduce((a, f) => a + fs.statSync(path.join(root, '.mailroom', 'snapshots', f)).size, 0) / 1_048_576;
  spawnSync('sync');
  const raw = rawRead(path.join(root, 'bus', 'events'));
  const t0 = performance.now();
  const daemon = await startDaemon(root, path.join(tmp, `daemon-${n}.stderr`));
  const startMs = performance.now() - t0;
  const vm = vmStatus(daemon.pid!);
  await stopDaemon(daemon);
  const status = timed(['status', '--root', root, '--json']);
  // An old message: the first accepted id of the log (show scans back to it).
  const first = fs
    .readFileSync(path.join(root, 'bus', 'events', '000001.jsonl'), { encoding: 'utf8', flag: 'r' })
    .slice(0, 20_000);
  const id =
    /"type":"message.accepted","id":"([a-z0-9]{12})"/.exec(first)?.[1] ?? /"id":"([a-z0-9]{12})"/.exec(first)![1]!;
  const show = timed(['show', id, '--root', root]);
  const tail = timed(['log', '--tail', '20', '--root', root]);
  const board = timed(['board', '--root', root]);
  const doctor = timed(['doctor', '--root', root]);
  const serve = await page(root);
  if (process.env.BENCH_KEEP) process.stdout.write(`kept ${root}\n`);
  else fs.rmSync(root, { recursive: true, force: true });
  return {
    events: n,
    log_mb: Math.round(h.bytes / 1_048_576),
    segments: h.segments,
    snapshot_mb: Math.round(snapMb * 10) / 10,
    generate_s: Math.round(genS),
    raw_read_ms: Math.round(raw.ms),
    start_ms: Math.round(startMs),
    daemon_rss_mb: vm ? Math.round(vm.rssKb / 1024) : null,
    daemon_hwm_mb: vm ? Math.round(vm.hwmKb / 1024) : null,
    status,
    board,
    doctor,
    show,
    log_tail: tail,
    serve,
  };
}

export async function historyBench(): Promise<void> {
  const sizes = (process.env.BENCH_HISTORY ?? '10000,100000,1000000,8000000').split(',').map(Number);
  const tmp = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'mailroom-history-'));
  const rows = [];
  try {
    process.stdout.write(
      `mailroom history benchmark: ${AGENTS.length} agents, an event every ~${STEP_MS} ms of history, thread_ttl 7d; ${JSON.stringify(machine())}\n`,
    );
    for (const n of sizes) {
      const r = await one(tmp, n);
      rows.push(r);
      process.stdout.write(`${JSON.stringify(r)}\n`);
    }
  } finally {
    if (!process.env.BENCH_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  }
  const head =
    '| events | log | raw read | start-up | daemon RSS (peak) | status | board | doctor | show (oldest) | log --tail 20 | serve (page) |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  const cell = (c: { ms: number; maxRssMb: number }) => `${c.ms} ms, ${c.maxRssMb} MB`;
  const lines = rows.map(
    (r) =>
      `| ${r.events.toLocaleString('en')} | ${r.log_mb} MB | ${r.raw_read_ms} ms | ${r.start_ms} ms | ${r.daemon_rss_mb} MB (${r.daemon_hwm_mb}) | ${cell(r.status)} | ${cell(r.board)} | ${cell(r.doctor)} | ${cell(r.show)} | ${cell(r.log_tail)} | ${cell(r.serve)} |`,
  );
  process.stdout.write(`\n${head}\n${lines.join('\n')}\n`);
  fs.writeFileSync('bench-history.json', `${JSON.stringify({ machine: machine(), rows }, null, 2)}\n`);
}
