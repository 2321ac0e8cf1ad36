/**
 * The end of a handler run, decided (emmett's decide): given how the process ended and the run
 * as the state holds it, the events to log and what to do with the message once they are
 * committed. Plain data, no I/O, no closures; time and the back-off's jitter are arguments.
 *
 *   exit 0            -> handler.succeeded; then move the message to done/
 *   exit 75           -> handler.failed (tempfail); retried after `retry-after: N` or the
 *                        default cool-down, which also cools the lane; final after MAX_TEMPFAILS
 *   exit 78           -> handler.failed, final at once (permanent: a bad key, an unknown model)
 *   any other failure -> handler.failed; retried with back-off until max_attempts, then final
 *   final             -> handler.failed (kept, bounce) + the bounce's message.accepted; then
 *                        dead-letter the message and deliver the bounce
 * An agent removed from the config while its handler ran has one attempt: a failure is final.
 */
import type { HandlerFailed, NewEvent, Usage } from '../../bus/events.js';
import { handlerBounceMail } from '../../bus/system-mail.js';
import { keptName } from '../../bus/store/deadletter.js';
import { DEFAULT_COOLDOWN_MS, MAX_TEMPFAILS, backoff, readExit, retryAfter, type HandlerExit } from '../lanes/retry.js';
import type { Run } from '../state/runs.js';

/** How a handler run ended (runtime/runs/handler.ts fills it in). */
export interface HandlerResult extends HandlerExit {
  durationMs: number;
  /** The last lines it wrote to stderr. */
  stderrTail: string;
  usage?: Usage;
}

/** The agent's settings that bear on a run's end (OrgConfig's agent entry fits). */
export interface RunLimits {
  timeout: number;
  maxAttempts: number;
  retryBackoff: number;
}

export interface RunEndInput {
  /** The run as it started, with attempt, failures and tempfails as the state holds them now. */
  run: Run;
  result: HandlerResult;
  /** Undefined when the agent was removed from mailroom.yaml while its handler ran. */
  limits: RunLimits | undefined;
  /** Who sent the message: the bounce goes back to them (the operator if unknown or mailroom). */
  sender: string | undefined;
  now: number;
  /** In [0, 1): the jitter of the back-off. */
  random: number;
}

/** What to do once the events are committed. */
export type AfterRun =
  | { do: 'nothing' }
  | { do: 'move-to-done'; agent: string; file: string }
  /** Keep the message in bus/deadletter/ with `failed` as its reason, then deliver the message.accepted `bounce` among the events. */
  | { do: 'dead-letter'; run: Pick<Run, 'id' | 'agent' | 'file'>; failed: Omit<HandlerFailed, 'seq'>; bounce: string };

export interface RunEnd {
  events: NewEvent[];
  then: AfterRun;
}

export function decideRunEnd({ run, result: r, limits, sender, now, random }: RunEndInput): RunEnd {
  const cfg = limits ?? { timeout: r.durationMs, maxAttempts: 1, retryBackoff: 0 };
  const time = new Date(now).toISOString();
  const { id, agent, attempt } = run;
  const { outcome, reason } = readExit(r, cfg.timeout);
  const usage = r.usage ? { usage: r.usage } : {};
  if (outcome === 'succeeded') {
    const stderr = r.stderrTail ? { stderr: r.stderrTail } : {};
    return {
      events: [{ time, type: 'handler.succeeded', id, agent, attempt, duration_ms: r.durationMs, ...usage, ...stderr }],
      then: { do: 'move-to-done', agent, file: run.file },
    };
  }
  const tempfail = outcome === 'tempfail';
  const failures = run.failures + (tempfail ? 0 : 1);
  const tempfails = run.tempfails + (tempfail ? 1 : 0);
  const final = outcome === 'permanent' || (tempfail ? tempfails > MAX_TEMPFAILS : failures >= cfg.maxAttempts);
  const failed: Omit<HandlerFailed, 'seq'> = {
    time,
    type: 'handler.failed',
    id,
    agent,
    attempt,
    duration_ms: r.durationMs,
    exit_code: r.exitCode,
    signal: r.signal,
    reason,
    stderr: r.stderrTail,
    tempfail,
    final,
    ...usage,
  };
  if (!final) {
    failed.retry_at = retryAt(r, cfg, failures, tempfail, now, random);
    if (tempfail && run.lane) failed.lane_cooling_until = failed.retry_at;
    return { events: [failed], then: { do: 'nothing' } };
  }
  const tries = describeTries(outcome, tempfail, failures, tempfails, cfg.maxAttempts);
  return deadLetter(run, failed, sender, tries);
}

/** When a failed run is tried again: after the cooldown for a temporary failure, else after the backoff. */
function retryAt(
  r: HandlerResult,
  cfg: RunLimits,
  failures: number,
  tempfail: boolean,
  now: number,
  random: number,
): string {
  if (tempfail) return new Date(now + (retryAfter(r.stderrTail) ?? DEFAULT_COOLDOWN_MS)).toISOString();
  return new Date(now + backoff(cfg.retryBackoff, failures, random)).toISOString();
}

function describeTries(
  outcome: string,
  tempfail: boolean,
  failures: number,
  tempfails: number,
  maxAttempts: number,
): string {
  if (tempfail) return `${tempfails} temporary failures`;
  if (outcome === 'permanent') return `attempt ${failures} failed permanently`;
  return `${failures} of ${maxAttempts} attempts failed`;
}

/** Out of attempts: dead-letter the message and bounce it to its sender. */
function deadLetter(run: Run, failed: Omit<HandlerFailed, 'seq'>, sender: string | undefined, tries: string): RunEnd {
  const { id, agent } = run;
  const kept = `bus/deadletter/${keptName(id, `${agent}-${run.file}`)}`;
  const bounce = handlerBounceMail({
    id,
    agent,
    file: run.file,
    sender,
    tries,
    reason: failed.reason,
    stderr: failed.stderr,
    kept,
    time: failed.time,
  });
  failed.kept = kept;
  failed.bounce = bounce.id;
  return {
    events: [failed, bounce],
    then: { do: 'dead-letter', run: { id, agent, file: run.file }, failed, bounce: bounce.id },
  };
}
