/** The timed phases of the bus benchmark: a flood (throughput) and a steady rate (latency), then the exactly-once check. */
import fs from 'node:fs';
import path from 'node:path';
import { AGENTS, draft, drop, pct, recipientOf, senderOf, sleep } from './common.js';
import { type LogTail, waitDelivered } from './log-tail.js';

export const THROUGHPUT_N = Number(process.env.BENCH_N ?? 10_000);
export const LATENCY_RATE = 100; // msgs/s
export const LATENCY_N = 2_000; // 20 s at 100 msgs/s
const DRAIN_DEADLINE_MS = 90_000;

export interface Throughput {
  delivered: number;
  drainedAll: boolean;
  dropMs: number;
  drainMs: number;
  seenMs: number;
  msgsPerS: number;
}

/** Drop THROUGHPUT_N messages into the outboxes as fast as possible; msgs/s from the first drop to the last delivery. */
export async function throughput(root: string, tail: LogTail): Promise<Throughput> {
  process.stdout.write(`throughput: dropping ${THROUGHPUT_N} messages ... `);
  const subjects: string[] = [];
  const first = Date.now();
  for (let i = 0; i < THROUGHPUT_N; i++) {
    const subject = `bench t${i}`;
    subjects.push(subject);
    drop(root, senderOf(i), `t${i}.md`, draft(recipientOf(i), subject, i));
  }
  const last = Date.now();
  process.stdout.write(`dropped in ${last - first} ms; draining ... `);
  const drainedAll = await waitDelivered(tail, subjects, DRAIN_DEADLINE_MS);
  const seen = Date.now();
  const times = subjects.map((s) => tail.deliveredAt(s)?.[0]).filter((t): t is number => t !== undefined);
  const lastDelivered = times.length ? Math.max(...times) : Number.NaN;
  const msgsPerS = times.length / ((lastDelivered - first) / 1000);
  process.stdout.write(`${times.length} delivered, ${Math.round(msgsPerS)} msgs/s\n`);
  return {
    delivered: times.length,
    drainedAll,
    dropMs: last - first,
    drainMs: lastDelivered - first,
    seenMs: seen - first,
    msgsPerS,
  };
}

export interface Latency {
  p50: number;
  p99: number;
  max: number;
  mean: number;
  n: number;
  drop_to_accepted: { p50: number; p99: number };
  accepted_to_delivered: { p50: number; p99: number };
  allDelivered: boolean;
}

/** Drop at a steady rate; per message, its delivery time minus its drop time. */
export async function latency(root: string, tail: LogTail): Promise<Latency> {
  process.stdout.write(`latency: ${LATENCY_N} messages at ${LATENCY_RATE} msgs/s ... `);
  const subjects: string[] = [];
  const dropAt: number[] = [];
  const interval = 1000 / LATENCY_RATE;
  const t0 = performance.now();
  let i = 0;
  while (i < LATENCY_N) {
    const due = Math.min(LATENCY_N, Math.floor((performance.now() - t0) / interval) + 1);
    for (; i < due; i++) {
      const subject = `bench l${i}`;
      subjects.push(subject);
      drop(root, senderOf(i + 7), `l${i}.md`, draft(recipientOf(i + 7), subject, i));
      dropAt.push(Date.now());
    }
    await sleep(Math.max(0, t0 + i * interval - performance.now()));
  }
  const sendSeconds = (performance.now() - t0) / 1000;
  const allDelivered = await waitDelivered(tail, subjects, 30_000);
  // Where the time goes: drop -> accepted (wake-up, take, decide, commit) and accepted -> delivered.
  const split = (f: (s: string, k: number) => number | undefined) => {
    const xs = subjects.flatMap((s, k) => {
      const v = f(s, k);
      return v === undefined || Number.isNaN(v) ? [] : [v];
    });
    xs.sort((a, b) => a - b);
    return { p50: pct(xs, 50), p99: pct(xs, 99) };
  };
  const lat = subjects.flatMap((s, k) => {
    const d = tail.deliveredAt(s);
    return d ? [d[0]! - dropAt[k]!] : [];
  });
  const sorted = [...lat].sort((a, b) => a - b);
  const result = {
    p50: pct(sorted, 50),
    p99: pct(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: Number((lat.reduce((a, b) => a + b, 0) / lat.length).toFixed(1)),
    n: lat.length,
    drop_to_accepted: split((s, k) => (tail.acceptedAt(s) ?? Number.NaN) - dropAt[k]!),
    accepted_to_delivered: split((s) => (tail.deliveredAt(s)?.[0] ?? Number.NaN) - (tail.acceptedAt(s) ?? Number.NaN)),
    allDelivered,
  };
  process.stdout.write(
    `sent in ${sendSeconds.toFixed(1)} s; p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms\n`,
  );
  return result;
}

/** Exactly once: every message accepted once, delivered once, its copy in the inbox once. Returns the count lost and the problems. */
export function exactlyOnce(root: string, tail: LogTail, expected: number): { lost: number; problems: string[] } {
  const problems: string[] = [];
  const ours = [...tail.byId.values()].filter((s) => s.subject?.startsWith('bench '));
  const undelivered = expected - ours.filter((s) => s.delivered.length > 0).length;
  const twice = ours.filter((s) => s.delivered.length > 1).length;
  const count = (box: string, f: (n: string) => boolean) =>
    AGENTS.reduce((n, a) => n + fs.readdirSync(path.join(root, 'workspaces', a, box)).filter(f).length, 0);
  const inboxFiles = count('inbox', (f) => f.endsWith('.md'));
  const leftInOutboxes = count('outbox', () => true);
  const lost = Math.max(0, undelivered) + twice + tail.rejected.length + Math.abs(inboxFiles - expected);
  if (undelivered > 0) problems.push(`${undelivered} message(s) never delivered`);
  if (twice > 0) problems.push(`${twice} message(s) delivered more than once`);
  if (tail.rejected.length)
    problems.push(
      `${tail.rejected.length} message(s) rejected, e.g. ${JSON.stringify(tail.rejected[0]).slice(0, 300)}`,
    );
  if (inboxFiles !== expected) problems.push(`${inboxFiles} copies in the inboxes, expected ${expected}`);
  if (leftInOutboxes) problems.push(`${leftInOutboxes} file(s) left in outboxes`);
  return { lost, problems };
}
