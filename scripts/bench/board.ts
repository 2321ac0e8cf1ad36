/**
 * `npm run bench -- --board [open tasks]` (default 10,000): does ordinary mail keep its p99 on a
 * busy board? An org of 30 agents: first BENCH_BOARD_N (1,000) plain messages at 100 msgs/s on
 * an empty board (the reference, same daemon, same run); then the open tasks are created (as
 * fast as they can be dropped), and the daemon is left to finish them (until it uses under a
 * tenth of a core for a second: the tail of that burst is not the busy board's); then the same
 * plain messages at 100 msgs/s while the tasks'
 * owners send 10 task updates a second (in_progress / blocked, alternating). Printed: p50/p99
 * of drop-to-delivered for both, their ratio, and the board's size. Exits 1 only when mail is
 * lost.
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
  pct,
  quiesce,
  recipientOf,
  senderOf,
  sleep,
  startDaemon,
  stopDaemon,
} from './common.js';
import { LogTail, waitDelivered } from './log-tail.js';

const RATE = 100; // plain msgs/s
const UPDATES = 10; // task updates/s
const N = Number(process.env.BENCH_BOARD_N ?? 1_000);

interface Phase {
  p50: number;
  p99: number;
  max: number;
  /** p99 of drop to accepted (the rest is accepted to delivered). */
  takeP99: number;
  delivered: number;
  updates: number;
}

/** N plain messages at RATE/s (and UPDATES task updates a second by the owners of T-1...); drop-to-delivered per message. */
async function phase(root: string, tail: LogTail, tag: string, owners: string[]): Promise<Phase> {
  const subjects: string[] = [];
  const dropAt: number[] = [];
  const t0 = performance.now();
  let i = 0;
  let u = 0;
  while (i < N) {
    const elapsed = (performance.now() - t0) / 1000;
    for (const due = Math.min(N, Math.floor(elapsed * RATE) + 1); i < due; i++) {
      const subject = `board ${tag} ${i}`;
      subjects.push(subject);
      drop(root, senderOf(i + 3), `${tag}-${i}.md`, draft(recipientOf(i + 3), subject, i));
      dropAt.push(Date.now());
    }
    for (const due = owners.length ? Math.floor(elapsed * UPDATES) + 1 : 0; u < due; u++) {
      const t = 1 + ((u * 7919) % owners.length); // spread over the board
      const status = u % 2 ? 'blocked' : 'in_progress';
      drop(root, owners[t - 1]!, `${tag}-u${u}.md`, `---\ntask: T-${t}\nstatus: ${status}\n---\nUpdate ${u}.\n`);
    }
    await sleep(Math.max(0, t0 + (i * 1000) / RATE - performance.now()));
  }
  await waitDelivered(tail, subjects, 60_000);
  const lat = subjects.flatMap((s, k) => {
    const d = tail.deliveredAt(s);
    return d ? [d[0]! - dropAt[k]!] : [];
  });
  lat.sort((a, b) => a - b);
  const taking = subjects.flatMap((s, k) => {
    const a = tail.acceptedAt(s);
    return a === undefined ? [] : [a - dropAt[k]!];
  });
  taking.sort((a, b) => a - b);
  return {
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    max: lat.at(-1) ?? NaN,
    takeP99: pct(taking, 99),
    delivered: lat.length,
    updates: u,
  };
}

/** Create `n` open tasks, owner recipientOf(t) for T-t, and wait until they are all on the board. */
async function fillBoard(root: string, tail: LogTail, n: number): Promise<number> {
  const t0 = Date.now();
  const subjects: string[] = [];
  for (let t = 1; t <= n; t++) {
    const subject = `open task ${t}`;
    subjects.push(subject);
    drop(
      root,
      senderOf(t),
      `task-${t}.md`,
      `---\nto: ${recipientOf(t)}\nkind: task\nsubject: ${subject}\n---\nDo it.\n`,
    );
  }
  await waitDelivered(tail, subjects, 600_000);
  return Date.now() - t0;
}

/** The owner of each task, T-1 first (numbers are given in the order the daemon took the files). */
function owners(root: string): string[] {
  const dir = path.join(root, 'bus', 'events');
  const out: string[] = [];
  for (const f of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl'))
    .sort())
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      if (!line.includes('"kind":"task"')) continue;
      const e = JSON.parse(line);
      if (e.type === 'message.accepted' && e.task) out[Number(e.task.slice(2)) - 1] = e.to[0];
    }
  return out;
}

export async function benchBoard(tmp: string, tasksArg: string | undefined): Promise<number> {
  const tasks = Number(tasksArg ?? 10_000);
  if (!(tasks > 0)) throw new Error(`--board takes a number of open tasks: got ${tasksArg}`);
  const root = path.join(tmp, 'org');
  const init = spawnSync(process.execPath, [CLI, 'init', root, '--agents', AGENTS.join(',')], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
  fs.appendFileSync(
    path.join(root, 'mailroom.yaml'),
    `\nmessages_per_minute: 100000000\ntasks_per_hour: 100000000\nmax_open_tasks: ${tasks * 2}\n`,
  );
  const daemon = await startDaemon(root, path.join(tmp, 'daemon.stderr'));
  const tail = new LogTail(path.join(root, 'bus', 'events'));
  let empty: Phase;
  let busy: Phase;
  let fillMs: number;
  try {
    process.stdout.write(`busy board: ${N} plain messages at ${RATE} msgs/s on an empty board ... `);
    empty = await phase(root, tail, 'empty', []);
    process.stdout.write(`p99 ${empty.p99} ms\ncreating ${tasks} open tasks ... `);
    fillMs = await fillBoard(root, tail, tasks);
    const quietMs = await quiesce(daemon.pid!);
    process.stdout.write(
      `${(fillMs / 1000).toFixed(1)} s (the daemon quiet ${(quietMs / 1000).toFixed(1)} s later)\nthe same with ${UPDATES} task updates a second ... `,
    );
    busy = await phase(root, tail, 'busy', owners(root));
    process.stdout.write(`p99 ${busy.p99} ms\n`);
  } finally {
    await stopDaemon(daemon);
  }
  const m = machine();
  const row = (what: string, p: Phase) =>
    `| ${what} | ${p.delivered} of ${N} | ${p.updates} | ${p.p50} / ${p.p99} / ${p.max} ms | ${p.takeP99} ms |`;
  process.stdout.write(
    [
      '',
      `machine: ${m.nproc} cores, ${m.cpu}, Node ${m.node}, load ${m.load.join(' ')}`,
      '| board | plain mail delivered | task updates | p50 / p99 / max | drop to accepted p99 |',
      '| --- | --- | --- | --- | --- |',
      row('empty', empty),
      row(`${tasks} open tasks`, busy),
      `p99 ratio (busy / empty, same run): ${(busy.p99 / empty.p99).toFixed(2)}; ${tasks} tasks created in ${(fillMs / 1000).toFixed(1)} s; rejected: ${tail.rejected.length}`,
      '',
    ].join('\n'),
  );
  return 2 * N - empty.delivered - busy.delivered;
}
