/** The bus benchmark's figures: as JSON (bench-results.json) and as the table printed beside the raw limit. */
import { AGENTS, type machine } from './common.js';
import { LATENCY_N, LATENCY_RATE, type Latency, THROUGHPUT_N, type Throughput } from './phases.js';
import { RAW_N, RAW_SYNC_EVERY } from './raw.js';

const TARGETS = { drainedRatio: 0.5, drainedMin: 1_000, p99Ms: 25, rssMb: 150 };

export interface Figures {
  machine: ReturnType<typeof machine>;
  raw: { msgsPerS: number; ms: number };
  thr: Throughput;
  lat: Latency | null;
  vm: { hwmKb: number; rssKb: number } | null;
  afterThroughput: { hwmKb: number; rssKb: number } | null;
  bareKb: number;
  stopMs: number;
  lost: number;
  problems: string[];
}

export function resultJson(f: Figures) {
  const rssMb = (f.vm?.hwmKb ?? Number.NaN) / 1024;
  const ratio = f.thr.msgsPerS / f.raw.msgsPerS;
  const mb = (kb: number | undefined) => Number(((kb ?? Number.NaN) / 1024).toFixed(1));
  return {
    machine: f.machine,
    command: 'npm run bench',
    agents: AGENTS.length,
    raw_limit: {
      messages: RAW_N,
      fdatasync_every: RAW_SYNC_EVERY,
      msgs_per_s: Math.round(f.raw.msgsPerS),
      ms_per_msg: Number((1000 / f.raw.msgsPerS).toFixed(3)),
    },
    throughput: {
      messages: THROUGHPUT_N,
      delivered: f.thr.delivered,
      drop_ms: f.thr.dropMs,
      drain_ms: f.thr.drainMs,
      seen_by_poller_ms: f.thr.seenMs,
      msgs_per_s: Math.round(f.thr.msgsPerS),
      ratio_to_raw: Number(ratio.toFixed(3)),
    },
    latency_ms: f.lat ? { rate_per_s: LATENCY_RATE, messages: LATENCY_N, ...f.lat } : null,
    rss_mb: {
      peak: Number(rssMb.toFixed(1)),
      after_throughput_peak: mb(f.afterThroughput?.hwmKb),
      current_at_end: mb(f.vm?.rssKb),
      bare_node_peak: mb(f.bareKb),
    },
    stop_ms: f.stopMs,
    targets: {
      drained: {
        want: `>= ${TARGETS.drainedRatio * 100}% of raw and >= ${TARGETS.drainedMin} msgs/s`,
        met: ratio >= TARGETS.drainedRatio && f.thr.msgsPerS >= TARGETS.drainedMin,
      },
      latency_p99: {
        want: `< ${TARGETS.p99Ms} ms at ${LATENCY_RATE} msgs/s`,
        met: f.lat !== null && f.lat.p99 < TARGETS.p99Ms,
      },
      rss: { want: `< ${TARGETS.rssMb} MB`, met: rssMb < TARGETS.rssMb },
    },
    lost: f.lost,
    problems: f.problems,
  };
}

const row = (cells: string[]) =>
  cells[0]!.padEnd(24) + cells[1]!.padEnd(14) + cells[2]!.padEnd(26) + cells[3]!.padEnd(8) + cells[4]!;
const yes = (b: boolean) => (b ? 'met' : 'NOT met');

function latencyRows(lat: Latency | null, rawPerMsgMs: number, met: boolean): string[] {
  if (!lat) return [row(['latency', 'skipped', '', '', ''])];
  const per = `${rawPerMsgMs.toFixed(2)} ms per message`;
  return [
    row(['latency p50 @100/s', `${lat.p50} ms`, per, (lat.p50 / rawPerMsgMs).toFixed(1), '']),
    row(['latency p99 @100/s', `${lat.p99} ms`, per, (lat.p99 / rawPerMsgMs).toFixed(1), `< 25 ms: ${yes(met)}`]),
    row(['latency max @100/s', `${lat.max} ms`, '', '', '']),
    row(['  drop->accepted', `${lat.drop_to_accepted.p50} / ${lat.drop_to_accepted.p99} ms`, '(p50 / p99)', '', '']),
    row([
      '  accepted->delivered',
      `${lat.accepted_to_delivered.p50} / ${lat.accepted_to_delivered.p99} ms`,
      '(p50 / p99)',
      '',
      '',
    ]),
  ];
}

export function resultTable(f: Figures, out: ReturnType<typeof resultJson>): string {
  const m = f.machine;
  const rawPerMsgMs = 1000 / f.raw.msgsPerS;
  const rssMb = out.rss_mb.peak;
  const bareMb = f.bareKb / 1024;
  return [
    '',
    `mailroom bus benchmark (${m.date})`,
    `machine: ${m.nproc} cores (nproc), ${m.cpu}, node ${m.node}, load ${m.load.join(' ')}`,
    '',
    row(['figure', 'mailroom', 'raw limit', 'ratio', 'target']),
    row([
      'drained msgs/s',
      String(Math.round(f.thr.msgsPerS)),
      `${Math.round(f.raw.msgsPerS)} msgs/s`,
      (f.thr.msgsPerS / f.raw.msgsPerS).toFixed(2),
      `>= 50% of raw and >= 1,000/s: ${yes(out.targets.drained.met)}`,
    ]),
    ...latencyRows(f.lat, rawPerMsgMs, out.targets.latency_p99.met),
    row([
      'daemon peak RSS',
      `${rssMb.toFixed(1)} MB`,
      `${bareMb.toFixed(1)} MB (bare node)`,
      (rssMb / bareMb).toFixed(1),
      `< 150 MB: ${yes(out.targets.rss.met)}`,
    ]),
    '',
    `throughput: ${THROUGHPUT_N} dropped in ${f.thr.dropMs} ms, all delivered ${f.thr.drainMs} ms after the first drop; raw loop ${f.raw.ms.toFixed(0)} ms`,
    `lost: ${f.lost}${f.problems.length ? `\nproblems:\n  - ${f.problems.join('\n  - ')}` : ''}`,
    '',
  ].join('\n');
}
