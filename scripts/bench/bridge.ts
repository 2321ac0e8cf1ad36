/**
 * `npm run bench -- --bridge`: mail across the bridge beside the raw limit, in one run on this
 * machine: one `nats-server -js` (free port, temp store), then
 *   1. raw: a bare JetStream loop (publish with Nats-Msg-Id, 256 in flight; a durable pull
 *      consumer with explicit acks): msgs/s for BRIDGE_N messages, and p50/p99 of
 *      publish -> consumed at a steady 100 msgs/s;
 *   2. bridge: two orgs, two daemons; BRIDGE_N messages dropped into beta's outboxes for
 *      legal@acme, msgs/s from the first drop to the last `message.delivered` at acme; then
 *      p50/p99 of drop -> delivered at acme at a steady 100 msgs/s.
 * Writes bench-bridge-results.json; exits 1 when a message is lost or delivered twice.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { CLI, drop, pct, sleep, startDaemon, stopDaemon } from './common.js';
import { LogTail, waitDelivered } from './log-tail.js';

const N = Number(process.env.BRIDGE_N ?? 2000);
const LAT_N = 300;
const RATE = 100;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: pct(s, 50), p99: pct(s, 99), max: s.at(-1) ?? 0 };
};

async function raw(url: string) {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: 'bench_raw',
    subjects: ['bench.raw'],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
  });
  await jsm.consumers.add('bench_raw', {
    durable_name: 'bench',
    ack_policy: AckPolicy.Explicit,
    filter_subject: 'bench.raw',
  });
  const js = jetstream(nc);
  const consumer = await js.consumers.get('bench_raw', 'bench');
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  let got = 0;
  const messages = await consumer.consume({ max_messages: 256 });
  const reading = (async () => {
    for await (const m of messages) {
      const id = m.headers?.get('Nats-Msg-Id') ?? '';
      const t = sentAt.get(id);
      if (t !== undefined && id.startsWith('l')) lat.push(Date.now() - t);
      m.ack();
      if (++got >= N + LAT_N) break;
    }
  })();
  const t0 = Date.now();
  for (let i = 0; i < N; i += 256) {
    await Promise.all(
      Array.from({ length: Math.min(256, N - i) }, (_, k) =>
        js.publish('bench.raw', `{"n":${i + k}}`, { msgID: `t${i + k}` }),
      ),
    );
  }
  while (got < N) await sleep(5);
  const msgsPerS = N / ((Date.now() - t0) / 1000);
  for (let i = 0; i < LAT_N; i++) {
    sentAt.set(`l${i}`, Date.now());
    await js.publish('bench.raw', `{"n":${i}}`, { msgID: `l${i}` });
    await sleep(1000 / RATE);
  }
  await reading;
  await nc.close();
  return { msgsPerS, latency: stats(lat) };
}

function org(tmp: string, name: string, agents: string, url: string, peer: string): string {
  const root = path.join(tmp, name);
  const r = spawnSync(process.execPath, [CLI, 'init', root, '--agents', agents], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  fs.appendFileSync(
    path.join(root, 'mailroom.yaml'),
    `bridge:\n  nats: { url: ${url}, org: ${name} }\n  peers: [${peer}]\nmessages_per_minute: 100000000 # the bridge, not the circuit breaker, is measured\n`,
  );
  return root;
}

async function bridge(tmp: string, url: string) {
  const acme = org(tmp, 'acme', 'legal,ceo', url, 'beta');
  const beta = org(tmp, 'beta', 'maya,oliver', url, 'acme');
  const daemons = [
    await startDaemon(acme, path.join(tmp, 'acme.stderr')),
    await startDaemon(beta, path.join(tmp, 'beta.stderr')),
  ];
  const tail = new LogTail(path.join(acme, 'bus', 'events'));
  try {
    const msg = (s: string) => `---\nto: legal@acme\nsubject: ${s}\n---\nHello across.\n`;
    const t0 = Date.now();
    const thr = Array.from({ length: N }, (_, i) => `t${i}`);
    for (const [i, s] of thr.entries()) drop(beta, i % 2 ? 'maya' : 'oliver', `${s}.md`, msg(s));
    const all = await waitDelivered(tail, thr, 120_000);
    const last = Math.max(...thr.map((s) => tail.deliveredAt(s)?.[0] ?? 0));
    const msgsPerS = N / ((last - t0) / 1000);
    const dropped = new Map<string, number>();
    const lat = Array.from({ length: LAT_N }, (_, i) => `l${i}`);
    for (const s of lat) {
      drop(beta, 'maya', `${s}.md`, msg(s));
      dropped.set(s, Date.now());
      await sleep(1000 / RATE);
    }
    const latAll = await waitDelivered(tail, lat, 60_000);
    const times = lat.map((s) => (tail.deliveredAt(s)?.[0] ?? Number.NaN) - dropped.get(s)!).filter(Number.isFinite);
    const twice = [...tail.byId.values()].filter((s) => s.delivered.length > 1).length;
    return { msgsPerS, latency: stats(times), lost: (all ? 0 : 1) + (latAll ? 0 : 1), twice };
  } finally {
    for (const d of daemons) await stopDaemon(d);
  }
}

export async function benchBridge(tmp: string): Promise<number> {
  const port = await freePort();
  const bin = spawnSync('nats-server', ['--version']).status === 0 ? 'nats-server' : '/usr/sbin/nats-server';
  const server = spawn(bin, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', path.join(tmp, 'nats')], {
    stdio: 'ignore',
  });
  const url = `nats://127.0.0.1:${port}`;
  try {
    await sleep(500);
    process.stdout.write(
      `mailroom bridge benchmark: ${N} messages, then ${LAT_N} at ${RATE} msgs/s; nats-server on ${url}\n`,
    );
    const r = await raw(url);
    const b = await bridge(tmp, url);
    const ms = (x: number) => `${Math.round(x)} ms`;
    process.stdout.write(
      [
        `                       msgs/s   p50 at ${RATE}/s   p99 at ${RATE}/s`,
        `raw JetStream loop   ${String(Math.round(r.msgsPerS)).padStart(8)}   ${ms(r.latency.p50).padStart(12)}   ${ms(r.latency.p99).padStart(12)}`,
        `across the bridge    ${String(Math.round(b.msgsPerS)).padStart(8)}   ${ms(b.latency.p50).padStart(12)}   ${ms(b.latency.p99).padStart(12)}   (drop at beta -> delivered at acme)`,
        `bridge / raw         ${(b.msgsPerS / r.msgsPerS).toFixed(2).padStart(8)}`,
        `lost: ${b.lost}, delivered twice: ${b.twice}`,
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      'bench-bridge-results.json',
      `${JSON.stringify({ n: N, rate: RATE, raw: r, bridge: b }, null, 2)}\n`,
    );
    return b.lost + b.twice;
  } finally {
    server.kill('SIGTERM');
  }
}
