/**
 * How a handler's end is read, and when it runs again. One table maps an exit to an outcome
 * and a reason in words; failures back off exponentially with jitter (graphile-worker's
 * calculateDelay), exit 75 cools the lane down instead. Pure: randomness is an argument.
 */
import { formatDuration } from '../../bus/time.js';

/** EX_TEMPFAIL (sysexits.h): "not my fault, try later", e.g. rate-limited. */
export const EXIT_TEMPFAIL = 75;
/** EX_CONFIG (sysexits.h): "this can never work as asked", e.g. a bad API key or an unknown model: no more attempts. */
export const EXIT_PERMANENT = 78;
/** Temporary failures in a row before a message is dead-lettered all the same. */
export const MAX_TEMPFAILS = 10;
/** How long a lane cools down after an exit 75 without `retry-after: N` on stderr. */
export const DEFAULT_COOLDOWN_MS = 30_000;
export const MAX_BACKOFF_MS = 10 * 60_000;

/** What the process told us when it ended. */
export interface HandlerExit {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Set when it never ran: the spawn failed, or its jail was refused. */
  spawnError?: string;
}

export type ExitOutcome = 'succeeded' | 'tempfail' | 'failed' | 'permanent';

interface ExitRow {
  when: (r: HandlerExit) => boolean;
  outcome: ExitOutcome;
  reason: (r: HandlerExit, timeoutMs: number) => string;
}

/** The exit-code table: the first row that matches wins. */
const EXITS: readonly ExitRow[] = [
  { when: (r) => r.exitCode === 0 && !r.timedOut, outcome: 'succeeded', reason: () => 'exit 0' },
  {
    when: (r) => r.spawnError !== undefined,
    outcome: 'failed',
    reason: (r) => `could not start the handler: ${r.spawnError}`,
  },
  {
    when: (r) => r.timedOut,
    outcome: 'failed',
    reason: (_, timeoutMs) => `timeout after ${formatDuration(timeoutMs)}`,
  },
  {
    when: (r) => r.exitCode === EXIT_TEMPFAIL,
    outcome: 'tempfail',
    reason: () => `exit ${EXIT_TEMPFAIL} (temporary failure, e.g. rate-limited)`,
  },
  {
    when: (r) => r.exitCode === EXIT_PERMANENT,
    outcome: 'permanent',
    reason: () => `exit ${EXIT_PERMANENT} (permanent failure: no more attempts)`,
  },
  { when: (r) => r.signal !== null, outcome: 'failed', reason: (r) => `killed by ${r.signal}` },
  { when: () => true, outcome: 'failed', reason: (r) => `exit ${r.exitCode}` },
];

/** The outcome of a handler's end and its reason in words (`timeoutMs` names a timeout). */
export function readExit(r: HandlerExit, timeoutMs: number): { outcome: ExitOutcome; reason: string } {
  const row = EXITS.find((x) => x.when(r))!;
  return { outcome: row.outcome, reason: row.reason(r, timeoutMs) };
}

/** Exponential back-off with jitter: base * 2^(failures-1), times 0.5..1.5, capped. `random` in [0,1). */
export function backoff(baseMs: number, failures: number, random: number): number {
  const raw = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(raw * (0.5 + random));
}

/** `retry-after: N` (seconds) printed on stderr by a rate-limited handler. */
export function retryAfter(stderr: string): number | null {
  const m = /retry-after:\s*(\d+(?:\.\d+)?)/i.exec(stderr);
  return m ? Math.round(Number(m[1]) * 1000) : null;
}
