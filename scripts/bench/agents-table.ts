/** The agents benchmark's tables (agents.ts runs it). */
import { machine } from './common.js';
import { p99Ratios } from './rounds.js';

export interface Size {
  agents: number;
  /** Delivered copies pre-filled in each inbox before start. */
  prefill: number;
  initMs: number;
  startMs: number;
  /** CPU seconds the daemon used up to "watching": start-up cost, less sensitive to a loaded machine than startMs. */
  startCpuS: number;
  idleCpuPct: number;
  rssMb: number;
  hwmMb: number;
  msgsPerS: number;
  /** Medians over the rounds. */
  p50: number;
  p99: number;
  /** Each round's steady run, in round order. */
  rounds: Array<{ p50: number; p99: number }>;
  watches: string;
  lost: number;
}

export function table(sizes: Size[], raw: number, bareMb: number, limit: number, rounds: number): string {
  const row = (c: string[]) => c.map((x, i) => x.padEnd([8, 11, 17, 17, 12, 12, 14, 19, 0][i] ?? 0)).join('');
  const m = machine();
  return [
    '',
    `mailroom agents benchmark (${m.date}); machine: ${m.nproc} cores (nproc), ${m.cpu}, node ${m.node}, load ${m.load.join(' ')}`,
    `raw limit: ${Math.round(raw)} msgs/s (bare loop); bare node peak RSS ${bareMb.toFixed(1)} MB; idle CPU of a bare loop: 0; inotify max_user_watches ${limit}`,
    '',
    row([
      'agents',
      'in inboxes',
      'start-up (CPU)',
      'idle CPU (core)',
      'RSS idle',
      'peak RSS',
      'msgs/s',
      'p50 / p99 @100/s',
      'watches',
    ]),
    ...sizes.map((s) =>
      row([
        String(s.agents),
        String(s.agents * s.prefill),
        `${(s.startMs / 1000).toFixed(1)} s (${s.startCpuS.toFixed(1)} s)`,
        `${s.idleCpuPct.toFixed(2)}%`,
        `${s.rssMb.toFixed(1)} MB`,
        `${s.hwmMb.toFixed(1)} MB`,
        `${Math.round(s.msgsPerS)} (${(s.msgsPerS / raw).toFixed(2)})`,
        `${ms(s.p50)} / ${ms(s.p99)} ms`,
        s.watches,
      ]),
    ),
    `p50 / p99 @100/s: the medians of ${rounds} round(s), every size in each (below); lost: ${sizes.reduce((a, s) => a + s.lost, 0)}`,
    '',
  ].join('\n');
}

const ms = (x: number) => String(Number(x.toFixed(1)));
const times = (x: number) => (Number.isNaN(x) ? '-' : `${x.toFixed(1)}x`);

/**
 * Each round's p99 per size, with its ratio to the first size's p99 in the same round, and
 * the median of those ratios (the comparison of issue 16: within 2x of 30 agents).
 */
export function roundsTable(sizes: Size[]): string {
  if (sizes.length === 0) return '';
  const n = Math.max(...sizes.map((s) => s.rounds.length));
  const ratios = p99Ratios(sizes.map((s) => s.rounds.map((r) => r.p99)));
  const label = (s: Size) => `${s.agents}${s.prefill ? `:${s.prefill}` : ''}`;
  const row = (c: string[]) => c.map((x, i) => x.padEnd(i === 0 ? 10 : 15)).join('');
  const first = sizes[0]!;
  return [
    `p99 @100/s by round (ms; in brackets: x the p99 of ${label(first)} agents in the same round; odd rounds run the sizes in the order given, even rounds backwards)`,
    row(['agents', ...Array.from({ length: n }, (_, r) => `round ${r + 1}`), 'median ratio']),
    ...sizes.map((s, k) =>
      row([
        label(s),
        ...s.rounds.map((r, i) => (k === 0 ? ms(r.p99) : `${ms(r.p99)} (${times(ratios[k]!.ratios[i]!)})`)),
        k === 0 ? '-' : times(ratios[k]!.median),
      ]),
    ),
    '',
  ].join('\n');
}
