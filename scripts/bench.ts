/**
 * `npm run bench` (part 1): the bus. One run, on a fresh org of 30 agents in a temp directory:
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
 * for the daemon (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), BENCH_CONFIG is appended to the org's
 * mailroom.yaml (e.g. `scan_interval: 60s`), BENCH_N changes the 10,000 of the throughput phase
 * (for experiments only: the figures of the issue are for 10,000).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '..', 'runtime', 'cli', 'main.js');
const AGENTS = Array.from({ length: 30 }, (_, i) => `a${String(i + 1).padStart(2, '0')}`);
const THROUGHPUT_N = Number(process.env.BENCH_N ?? 10_000);
const LATENCY_RATE = 100; // msgs/s
const LATENCY_N = 2_000; // 20 s at 100 msgs/s
const RAW_N = 10_000;
const RAW_SYNC_EVERY = 100;
const POLL_MS = 50;
const DRAIN_DEADLINE_MS = 90_000;

const TARGETS = { drainedRatio: 0.5, drainedMin: 1_000, p99Ms: 25, rssMb: 150 };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// --- messages -------------------------------------------------------------------------

const WORDS = 'the quarterly numbers are in and the draft needs a second pair of eyes before friday please check the totals the tone and the appendix then send it back with your notes'.split(' ');

/** A ~300-byte body, different for each message. */
function body(i: number): string {
  let s = `Message ${i}.`;
  for (let k = i; s.length < 290; k = (k * 31 + 7) % 9973) s += ' ' + WORDS[k % WORDS.length];
  return s.slice(0, 299) + '\n';
}

function recipientOf(i: number): string {
  const s = i % AGENTS.length;
  const offset = 1 + (Math.floor(i / AGENTS.length) % (AGENTS.length - 1)); // never the sender
  return AGENTS[(s + offset) % AGENTS.length]!;
}

function senderOf(i: number): string {
  return AGENTS[i % AGENTS.length]!;
}

function draft(to: string, subject: string, i: number): string {
  return `---\nto: ${to}\nsubject: ${subject}\n---\n${body(i)}`;
}

/** Drop a message the way an agent does: a dotfile, then rename. */
function drop(root: string, from: string, name: string, text: string): void {
  const dir = path.join(root, 'workspaces', from, 'outbox');
  const tmp = path.join(dir, `.${name}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, path.join(dir, name));
}

// --- the event log, read incrementally ------------------------------------------------

interface Seen {
  subject?: string;
  acceptedAt?: number;
  delivered: number[]; // times of message.delivered events
}

class LogTail {
  private readonly offsets = new Map<string, number>();
  private partial = new Map<string, string>();
  readonly byId = new Map<string, Seen>();
  readonly bySubject = new Map<string, string>(); // subject -> id
  rejected: Array<Record<string, unknown>> = [];

  constructor(private readonly dir: string) {}

  private seen(id: string): Seen {
    let s = this.byId.get(id);
    if (!s) this.byId.set(id, (s = { delivered: [] }));
    return s;
  }

  /** Read whatever was appended since the last poll. */
  poll(): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((n) => /^\d{6}\.jsonl$/.test(n)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(this.dir, name);
      const from = this.offsets.get(name) ?? 0;
      const size = fs.statSync(file).size;
      if (size <= from) continue;
      const fd = fs.openSync(file, 'r');
      const buf = Buffer.alloc(size - from);
      let got = 0;
      try {
        while (got < buf.length) {
          const n = fs.readSync(fd, buf, got, buf.length - got, from + got);
          if (n === 0) break;
          got += n;
        }
      } finally {
        fs.closeSync(fd);
      }
      this.offsets.set(name, from + got);
      const text = (this.partial.get(name) ?? '') + buf.subarray(0, got).toString('utf8');
      const lines = text.split('\n');
      this.partial.set(name, lines.pop()!);
      for (const line of lines) {
        if (!line) continue;
        let e: Record<string, any>;
        try {
          e = JSON.parse(line);
        } catch {
          continue;
        }
        if (e.type === 'message.accepted') {
          const s = this.seen(e.id);
          s.subject = e.subject;
          s.acceptedAt = Date.parse(e.time);
          if (typeof e.subject === 'string') this.bySubject.set(e.subject, e.id);
        } else if (e.type === 'message.delivered') {
          this.seen(e.id).delivered.push(Date.parse(e.time));
        } else if (e.type === 'message.rejected') {
          this.rejected.push(e);
        }
      }
    }
  }

  /** Delivery times of the given subjects (undefined where not delivered yet). */
  acceptedAt(subject: string): number | undefined {
    const id = this.bySubject.get(subject);
    return id ? this.byId.get(id)?.acceptedAt : undefined;
  }

  deliveredAt(subject: string): number[] | undefined {
    const id = this.bySubject.get(subject);
    const s = id ? this.byId.get(id) : undefined;
    return s && s.delivered.length ? s.delivered : undefined;
  }
}

// --- figures --------------------------------------------------------------------------

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function vmStatus(pid: number): { hwmKb: number; rssKb: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { hwmKb: kb('VmHWM'), rssKb: kb('VmRSS') };
  } catch {
    return null;
  }
}

/** Peak RSS of a bare `node` process that does nothing: the floor any Node daemon stands on. */
function bareNodeHwmKb(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(/VmHWM:\\s+(\\d+)/.exec(require("fs").readFileSync("/proc/self/status","utf8"))[1])'], { encoding: 'utf8' });
  return Number(r.stdout) || NaN;
}

function machine() {
  let cpu = os.cpus()[0]?.model ?? '?';
  try {
    cpu = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    /* not Linux */
  }
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim();
  return { nproc: Number(nproc) || os.availableParallelism(), cpu, node: process.version, load: os.loadavg().map((l) => Number(l.toFixed(2))), date: new Date().toISOString() };
}

// --- the raw limit --------------------------------------------------------------------

function rawLoop(dir: string): { msgsPerS: number; ms: number } {
  const spool = path.join(dir, 'spool');
  const staging = path.join(dir, 'staging');
  fs.mkdirSync(spool, { recursive: true });
  fs.mkdirSync(staging, { recursive: true });
  for (const a of AGENTS) for (const box of ['outbox', 'inbox', 'sent']) fs.mkdirSync(path.join(dir, a, box), { recursive: true });
  // The same kind of files: the drafts agents drop, and the stamped text the daemon copies.
  const items = Array.from({ length: RAW_N }, (_, i) => {
    const from = senderOf(i);
    const to = recipientOf(i);
    const id = `raw${String(i).padStart(9, '0')}`;
    const subject = `bench raw ${i}`;
    const sent = new Date().toISOString();
    const text = `---\nid: ${id}\nfrom: ${from}\nto: ${to}\npriority: normal\nsubject: ${subject}\nthread: ${id}\nhops: 0\nsent: ${sent}\n---\n${body(i)}`;
    const outboxFile = path.join(dir, from, 'outbox', `m${i}.md`);
    fs.writeFileSync(outboxFile, draft(to, subject, i));
    return { from, to, id, subject, text, outboxFile, spoolFile: path.join(spool, `${id}.${from}.md`), stagingFile: path.join(staging, `${id}.${to}`), inboxFile: path.join(dir, to, 'inbox', `3-normal-${sent.replace(/[-:]/g, '')}-${id}-bench-raw-${i}.md`), sentFile: path.join(dir, from, 'sent', `3-normal-${id}.md`) };
  });
  spawnSync('sync', ['-f', dir]); // the set-up's writes are not the loop's
  const log = fs.openSync(path.join(dir, 'events.jsonl'), 'a', 0o600);
  const t0 = performance.now();
  for (let i = 0; i < items.length; i++) {
    const m = items[i]!;
    fs.renameSync(m.outboxFile, m.spoolFile);
    const line = JSON.stringify({ seq: i + 1, time: new Date().toISOString(), type: 'message.accepted', id: m.id, from: m.from, to: [m.to], priority: 'normal', subject: m.subject, kind: 'message', thread: m.id, hops: 0, source: 'outbox', text: m.text }) + '\n';
    fs.writeSync(log, line);
    fs.writeFileSync(m.stagingFile, m.text, { flag: 'wx' });
    fs.linkSync(m.stagingFile, m.inboxFile);
    fs.writeFileSync(m.sentFile, m.text);
    fs.unlinkSync(m.stagingFile);
    fs.unlinkSync(m.spoolFile);
    if ((i + 1) % RAW_SYNC_EVERY === 0 || i === items.length - 1) fs.fdatasyncSync(log);
  }
  const ms = performance.now() - t0;
  fs.closeSync(log);
  spawnSync('sync', ['-f', dir]); // its writeback is not the daemon's either
  return { msgsPerS: RAW_N / (ms / 1000), ms };
}

// --- the daemon -----------------------------------------------------------------------

async function startDaemon(root: string, stderrFile: string): Promise<ChildProcess> {
  const errFd = fs.openSync(stderrFile, 'a');
  const extra = (process.env.BENCH_DAEMON_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...extra, CLI, 'start', '--root', root], { stdio: ['ignore', 'ignore', errFd] });
  fs.closeSync(errFd);
  const until = Date.now() + 20_000;
  for (;;) {
    const err = fs.readFileSync(stderrFile, 'utf8');
    if (err.includes('watching ')) return child;
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > until) throw new Error(`the daemon did not start:\n${err.slice(-4000)}`);
    await sleep(50);
  }
}

async function stopDaemon(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await exited;
  clearTimeout(t);
  return code;
}

/** Poll every POLL_MS until every subject has a delivered event or the deadline passes. */
async function waitDelivered(tail: LogTail, subjects: string[], deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  let missing = subjects;
  for (;;) {
    tail.poll();
    missing = missing.filter((s) => !tail.deliveredAt(s));
    if (missing.length === 0) return true;
    if (Date.now() > until) return false;
    await sleep(POLL_MS);
  }
}

/** Wait (at most ms) until the daemon has finished: no spool or staging files left. */
async function settle(root: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  const empty = (d: string) => fs.readdirSync(path.join(root, 'bus', d)).length === 0;
  while (Date.now() < until && !(empty('spool') && empty('staging'))) await sleep(POLL_MS);
}

// --- main -----------------------------------------------------------------------------

async function main(): Promise<void> {
  const m = machine();
  const tmp = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'mailroom-bench-'));
  const root = path.join(tmp, 'org');
  const stderrFile = path.join(tmp, 'daemon.stderr');
  let daemon: ChildProcess | null = null;
  let lost = 0;
  const problems: string[] = [];
  try {
    const init = spawnSync(process.execPath, [CLI, 'init', root, '--agents', AGENTS.join(',')], { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
    if (process.env.BENCH_CONFIG) fs.appendFileSync(path.join(root, 'mailroom.yaml'), `\n${process.env.BENCH_CONFIG}\n`);
    const tail = new LogTail(path.join(root, 'bus', 'events'));

    daemon = await startDaemon(root, stderrFile);
    const pid = daemon.pid!;
    process.stdout.write(`mailroom bus benchmark: ${AGENTS.length} agents, daemon pid ${pid}, org ${root}\n`);

    // 1. The raw limit (the daemon is idle meanwhile).
    process.stdout.write(`raw loop: ${RAW_N} messages ... `);
    const raw = rawLoop(path.join(tmp, 'raw'));
    process.stdout.write(`${Math.round(raw.msgsPerS)} msgs/s\n`);

    // 2. Throughput.
    process.stdout.write(`throughput: dropping ${THROUGHPUT_N} messages ... `);
    const tSubjects: string[] = [];
    const tFirstDrop = Date.now();
    for (let i = 0; i < THROUGHPUT_N; i++) {
      const subject = `bench t${i}`;
      tSubjects.push(subject);
      drop(root, senderOf(i), `t${i}.md`, draft(recipientOf(i), subject, i));
    }
    const tLastDrop = Date.now();
    process.stdout.write(`dropped in ${tLastDrop - tFirstDrop} ms; draining ... `);
    const drainedAll = await waitDelivered(tail, tSubjects, DRAIN_DEADLINE_MS);
    const tSeen = Date.now();
    const tDelivered = tSubjects.map((s) => tail.deliveredAt(s)?.[0]).filter((t): t is number => t !== undefined);
    const tLastDelivered = tDelivered.length ? Math.max(...tDelivered) : NaN;
    const drainedPerS = tDelivered.length / ((tLastDelivered - tFirstDrop) / 1000);
    process.stdout.write(`${tDelivered.length} delivered, ${Math.round(drainedPerS)} msgs/s\n`);
    if (!drainedAll) problems.push(`throughput: only ${tDelivered.length} of ${THROUGHPUT_N} messages were delivered within ${DRAIN_DEADLINE_MS / 1000} s`);
    const rssAfterThroughput = vmStatus(pid);

    // 3. Latency at a steady rate.
    let latency: { p50: number; p99: number; max: number; mean: number; n: number; drop_to_accepted: { p50: number; p99: number }; accepted_to_delivered: { p50: number; p99: number } } | null = null;
    if (drainedAll) {
      await settle(root, 5_000);
      process.stdout.write(`latency: ${LATENCY_N} messages at ${LATENCY_RATE} msgs/s ... `);
      const lSubjects: string[] = [];
      const dropAt: number[] = [];
      const interval = 1000 / LATENCY_RATE;
      const t0 = performance.now();
      let i = 0;
      while (i < LATENCY_N) {
        const due = Math.min(LATENCY_N, Math.floor((performance.now() - t0) / interval) + 1);
        for (; i < due; i++) {
          const subject = `bench l${i}`;
          lSubjects.push(subject);
          drop(root, senderOf(i + 7), `l${i}.md`, draft(recipientOf(i + 7), subject, i));
          dropAt.push(Date.now());
        }
        await sleep(Math.max(0, t0 + i * interval - performance.now()));
      }
      const sendSeconds = (performance.now() - t0) / 1000;
      const ok = await waitDelivered(tail, lSubjects, 30_000);
      if (!ok) problems.push(`latency: some of the ${LATENCY_N} messages were not delivered within 30 s of the last drop`);
      const lat = lSubjects.flatMap((s, k) => {
        const d = tail.deliveredAt(s);
        return d ? [d[0]! - dropAt[k]!] : [];
      });
      const sorted = [...lat].sort((a, b) => a - b);
      // Where the time goes: drop -> accepted (wake-up, take, decide, commit) and accepted -> delivered.
      const split = (f: (s: string, k: number) => number | undefined) => {
        const xs = lSubjects.flatMap((s, k) => {
          const v = f(s, k);
          return v === undefined || Number.isNaN(v) ? [] : [v];
        }).sort((a, b) => a - b);
        return { p50: pct(xs, 50), p99: pct(xs, 99) };
      };
      latency = {
        p50: pct(sorted, 50),
        p99: pct(sorted, 99),
        max: sorted.at(-1) ?? NaN,
        mean: Number((lat.reduce((a, b) => a + b, 0) / lat.length).toFixed(1)),
        n: lat.length,
        drop_to_accepted: split((s, k) => (tail.acceptedAt(s) ?? NaN) - dropAt[k]!),
        accepted_to_delivered: split((s) => (tail.deliveredAt(s)?.[0] ?? NaN) - (tail.acceptedAt(s) ?? NaN)),
      };
      process.stdout.write(`sent in ${sendSeconds.toFixed(1)} s; p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms\n`);
    } else {
      problems.push('latency: skipped, the throughput phase did not drain');
    }

    // 4. Peak RSS, then stop.
    await settle(root, 5_000);
    const vm = vmStatus(pid);
    const stopStarted = Date.now();
    const code = await stopDaemon(daemon);
    const stopMs = Date.now() - stopStarted;
    daemon = null;
    if (code !== 0) problems.push(`the daemon exited ${code} on SIGTERM`);
    tail.poll();

    // Exactly once: every message accepted once, delivered once, its copy in the inbox once.
    const ours = [...tail.byId.values()].filter((s) => s.subject?.startsWith('bench '));
    const expected = THROUGHPUT_N + (latency ? LATENCY_N : 0);
    const undelivered = expected - ours.filter((s) => s.delivered.length > 0).length;
    const twice = ours.filter((s) => s.delivered.length > 1).length;
    const inboxFiles = AGENTS.reduce((n, a) => n + fs.readdirSync(path.join(root, 'workspaces', a, 'inbox')).filter((f) => f.endsWith('.md')).length, 0);
    const leftInOutboxes = AGENTS.reduce((n, a) => n + fs.readdirSync(path.join(root, 'workspaces', a, 'outbox')).length, 0);
    lost = Math.max(0, undelivered) + twice + tail.rejected.length + Math.abs(inboxFiles - expected);
    if (undelivered > 0) problems.push(`${undelivered} message(s) never delivered`);
    if (twice > 0) problems.push(`${twice} message(s) delivered more than once`);
    if (tail.rejected.length) problems.push(`${tail.rejected.length} message(s) rejected, e.g. ${JSON.stringify(tail.rejected[0]).slice(0, 300)}`);
    if (inboxFiles !== expected) problems.push(`${inboxFiles} copies in the inboxes, expected ${expected}`);
    if (leftInOutboxes) problems.push(`${leftInOutboxes} file(s) left in outboxes`);

    // 5. Report.
    const bareKb = bareNodeHwmKb();
    const rawPerMsgMs = 1000 / raw.msgsPerS;
    const rssMb = (vm?.hwmKb ?? NaN) / 1024;
    const drainedRatio = drainedPerS / raw.msgsPerS;
    const met = {
      drained: drainedRatio >= TARGETS.drainedRatio && drainedPerS >= TARGETS.drainedMin,
      p99: latency !== null && latency.p99 < TARGETS.p99Ms,
      rss: rssMb < TARGETS.rssMb,
    };
    const out = {
      machine: m,
      command: 'npm run bench',
      agents: AGENTS.length,
      raw_limit: { messages: RAW_N, fdatasync_every: RAW_SYNC_EVERY, msgs_per_s: Math.round(raw.msgsPerS), ms_per_msg: Number(rawPerMsgMs.toFixed(3)) },
      throughput: { messages: THROUGHPUT_N, delivered: tDelivered.length, drop_ms: tLastDrop - tFirstDrop, drain_ms: tLastDelivered - tFirstDrop, seen_by_poller_ms: tSeen - tFirstDrop, msgs_per_s: Math.round(drainedPerS), ratio_to_raw: Number(drainedRatio.toFixed(3)) },
      latency_ms: latency ? { rate_per_s: LATENCY_RATE, messages: LATENCY_N, ...latency } : null,
      rss_mb: { peak: Number(rssMb.toFixed(1)), after_throughput_peak: Number(((rssAfterThroughput?.hwmKb ?? NaN) / 1024).toFixed(1)), current_at_end: Number(((vm?.rssKb ?? NaN) / 1024).toFixed(1)), bare_node_peak: Number((bareKb / 1024).toFixed(1)) },
      stop_ms: stopMs,
      targets: {
        drained: { want: `>= ${TARGETS.drainedRatio * 100}% of raw and >= ${TARGETS.drainedMin} msgs/s`, met: met.drained },
        latency_p99: { want: `< ${TARGETS.p99Ms} ms at ${LATENCY_RATE} msgs/s`, met: met.p99 },
        rss: { want: `< ${TARGETS.rssMb} MB`, met: met.rss },
      },
      lost,
      problems,
    };

    const yes = (b: boolean) => (b ? 'met' : 'NOT met');
    const row = (cells: string[]) => cells[0]!.padEnd(24) + cells[1]!.padEnd(14) + cells[2]!.padEnd(26) + cells[3]!.padEnd(8) + cells[4]!;
    const ms = (v: number) => `${v} ms`;
    const lines = [
      '',
      `mailroom bus benchmark (${out.machine.date})`,
      `machine: ${m.nproc} cores (nproc), ${m.cpu}, node ${m.node}, load ${m.load.join(' ')}`,
      '',
      row(['figure', 'mailroom', 'raw limit', 'ratio', 'target']),
      row(['drained msgs/s', String(Math.round(drainedPerS)), `${Math.round(raw.msgsPerS)} msgs/s`, drainedRatio.toFixed(2), `>= 50% of raw and >= 1,000/s: ${yes(met.drained)}`]),
      latency
        ? row(['latency p50 @100/s', ms(latency.p50), `${rawPerMsgMs.toFixed(2)} ms per message`, (latency.p50 / rawPerMsgMs).toFixed(1), ''])
        : row(['latency', 'skipped', '', '', '']),
      ...(latency
        ? [
            row(['latency p99 @100/s', ms(latency.p99), `${rawPerMsgMs.toFixed(2)} ms per message`, (latency.p99 / rawPerMsgMs).toFixed(1), `< 25 ms: ${yes(met.p99)}`]),
            row(['latency max @100/s', ms(latency.max), '', '', '']),
            row(['  drop->accepted', `${latency.drop_to_accepted.p50} / ${latency.drop_to_accepted.p99} ms`, '(p50 / p99)', '', '']),
            row(['  accepted->delivered', `${latency.accepted_to_delivered.p50} / ${latency.accepted_to_delivered.p99} ms`, '(p50 / p99)', '', '']),
          ]
        : []),
      row(['daemon peak RSS', `${rssMb.toFixed(1)} MB`, `${(bareKb / 1024).toFixed(1)} MB (bare node)`, (rssMb / (bareKb / 1024)).toFixed(1), `< 150 MB: ${yes(met.rss)}`]),
      '',
      `throughput: ${THROUGHPUT_N} dropped in ${out.throughput.drop_ms} ms, all delivered ${out.throughput.drain_ms} ms after the first drop; raw loop ${raw.ms.toFixed(0)} ms`,
      `lost: ${lost}${problems.length ? `\nproblems:\n  - ${problems.join('\n  - ')}` : ''}`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    fs.writeFileSync('bench-results.json', JSON.stringify(out, null, 2) + '\n');
    process.stdout.write('wrote bench-results.json\n');
  } finally {
    if (daemon) await stopDaemon(daemon);
    if (process.env.BENCH_KEEP) process.stdout.write(`kept ${tmp}\n`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (lost > 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
