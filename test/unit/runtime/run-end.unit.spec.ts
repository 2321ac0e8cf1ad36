/**
 * The end of a handler run, as a table: exit 0, exit 75 with and without `retry-after`, a
 * timeout, a signal, a spawn error, the last attempt, an agent removed while its handler ran.
 * What took 13 s of subprocess tests is proved here in milliseconds.
 */
import { describe, expect, it } from 'vitest';
import type { HandlerFailed, MessageAccepted } from '../../../bus/events.js';
import { derivedId } from '../../../bus/names.js';
import { keptName } from '../../../bus/store/deadletter.js';
import { decideRunEnd, type HandlerResult, type RunEndInput } from '../../../runtime/decide/run-end.js';
import { DEFAULT_COOLDOWN_MS, MAX_TEMPFAILS, backoff } from '../../../runtime/lanes/retry.js';
import type { Run } from '../../../runtime/state/runs.js';

const NOW = Date.UTC(2026, 10, 24, 9, 0, 0);
const at = (ms: number) => new Date(NOW + ms).toISOString();
const FILE = '2-normal-20261124T085900.000Z-abcdefghijkl-hello.md';

const run = (over: Partial<Run> = {}): Run => ({
  id: 'abcdefghijkl',
  agent: 'clerk',
  priority: 'normal',
  lane: 'llm',
  file: FILE,
  status: 'running',
  queuedAt: NOW - 60_000,
  notBefore: 0,
  attempt: 1,
  failures: 0,
  tempfails: 0,
  ...over,
});
const exit = (over: Partial<HandlerResult> = {}): HandlerResult => ({
  exitCode: 0,
  signal: null,
  durationMs: 120,
  timedOut: false,
  stderrTail: '',
  ...over,
});
const LIMITS = { timeout: 2000, maxAttempts: 3, retryBackoff: 1000 };

function end(over: Partial<RunEndInput> = {}) {
  return decideRunEnd({ run: run(), result: exit(), limits: LIMITS, sender: 'maya', now: NOW, random: 0.5, ...over });
}
function failed(over: Partial<RunEndInput> = {}): Omit<HandlerFailed, 'seq'> {
  const { events } = end(over);
  expect(events[0]!.type).toBe('handler.failed');
  return events[0] as HandlerFailed;
}

describe('decideRunEnd: exit 0', () => {
  it('logs handler.succeeded (usage and stderr when there are some), then moves the message to done/', () => {
    const usage = { input_tokens: 10, output_tokens: 5, cost_usd: 0.01 };
    expect(end({ run: run({ attempt: 2 }), result: exit({ usage, stderrTail: 'note' }) })).toEqual({
      events: [
        {
          time: at(0),
          type: 'handler.succeeded',
          id: 'abcdefghijkl',
          agent: 'clerk',
          attempt: 2,
          duration_ms: 120,
          usage,
          stderr: 'note',
        },
      ],
      then: { do: 'move-to-done', agent: 'clerk', file: FILE },
    });
    expect(end().events[0]).not.toHaveProperty('stderr');
    expect(end().events[0]).not.toHaveProperty('usage');
  });
});

describe('decideRunEnd: failures that are retried', () => {
  const cases: Array<{ what: string; result: Partial<HandlerResult>; reason: string; tempfail: boolean }> = [
    { what: 'exit 1', result: { exitCode: 1 }, reason: 'exit 1', tempfail: false },
    {
      what: 'a timeout (even with exit 0)',
      result: { exitCode: 0, timedOut: true, signal: 'SIGTERM' },
      reason: 'timeout after 2s',
      tempfail: false,
    },
    {
      what: 'a timeout at exit 75',
      result: { exitCode: 75, timedOut: true },
      reason: 'timeout after 2s',
      tempfail: false,
    },
    { what: 'a signal', result: { exitCode: null, signal: 'SIGKILL' }, reason: 'killed by SIGKILL', tempfail: false },
    {
      what: 'a spawn error',
      result: { exitCode: null, spawnError: 'spawn bwrap ENOENT' },
      reason: 'could not start the handler: spawn bwrap ENOENT',
      tempfail: false,
    },
    {
      what: 'exit 75',
      result: { exitCode: 75 },
      reason: 'exit 75 (temporary failure, e.g. rate-limited)',
      tempfail: true,
    },
  ];
  for (const c of cases) {
    it(`${c.what}: handler.failed "${c.reason}", not final, nothing to do after`, () => {
      const { events, then } = end({ result: exit(c.result) });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'handler.failed',
        reason: c.reason,
        tempfail: c.tempfail,
        final: false,
        exit_code: c.result.exitCode,
        attempt: 1,
        duration_ms: 120,
      });
      expect(events[0]).not.toHaveProperty('kept');
      expect(then).toEqual({ do: 'nothing' });
    });
  }

  it('a failure backs off exponentially, with the jitter passed in', () => {
    expect(failed({ result: exit({ exitCode: 1 }), random: 0.5 }).retry_at).toBe(at(1000));
    expect(failed({ result: exit({ exitCode: 1 }), random: 0 }).retry_at).toBe(at(500));
    expect(failed({ run: run({ failures: 1, attempt: 2 }), result: exit({ exitCode: 1 }), random: 0.5 }).retry_at).toBe(
      at(backoff(1000, 2, 0.5)),
    );
    expect(failed({ result: exit({ exitCode: 1 }) })).not.toHaveProperty('lane_cooling_until');
  });

  it('exit 75 without retry-after: retried after the default cool-down, which cools its lane', () => {
    const f = failed({ result: exit({ exitCode: 75, stderrTail: '429' }) });
    expect(f).toMatchObject({
      retry_at: at(DEFAULT_COOLDOWN_MS),
      lane_cooling_until: at(DEFAULT_COOLDOWN_MS),
      stderr: '429',
    });
  });

  it('exit 75 with retry-after: N on stderr: retried after N seconds', () => {
    const f = failed({ result: exit({ exitCode: 75, stderrTail: '429 Too Many Requests\nRetry-After: 12' }) });
    expect(f).toMatchObject({ retry_at: at(12_000), lane_cooling_until: at(12_000) });
  });

  it('exit 75 of an agent without a lane: retried, no lane cools down', () => {
    const f = failed({ run: run({ lane: null }), result: exit({ exitCode: 75 }) });
    expect(f.retry_at).toBe(at(DEFAULT_COOLDOWN_MS));
    expect(f).not.toHaveProperty('lane_cooling_until');
  });

  it('exit 75 does not use up an attempt: with max_attempts - 1 failures behind it, it is still retried', () => {
    expect(failed({ run: run({ failures: 2, attempt: 3 }), result: exit({ exitCode: 75 }) }).final).toBe(false);
  });

  it('keeps the usage of a failed run', () => {
    const usage = { input_tokens: 1, output_tokens: 2, cost_usd: 0.5 };
    expect(failed({ result: exit({ exitCode: 1, usage }) }).usage).toEqual(usage);
  });
});

describe('decideRunEnd: the last attempt', () => {
  const kept = `bus/deadletter/${keptName('abcdefghijkl', `clerk-${FILE}`)}`;
  const bounceId = derivedId('handler-bounce', 'abcdefghijkl', 'clerk');

  it('the failure that uses up max_attempts is final: dead letter, then the bounce to the sender is delivered', () => {
    const { events, then } = end({
      run: run({ failures: 2, attempt: 3 }),
      result: exit({ exitCode: 3, stderrTail: 'boom' }),
    });
    expect(events.map((e) => e.type)).toEqual(['handler.failed', 'message.accepted']);
    const f = events[0] as HandlerFailed;
    expect(f).toMatchObject({ final: true, reason: 'exit 3', attempt: 3, kept, bounce: bounceId });
    expect(f).not.toHaveProperty('retry_at');
    const bounce = events[1] as MessageAccepted;
    expect(bounce).toMatchObject({
      id: bounceId,
      from: 'mailroom',
      to: ['maya'],
      priority: 'high',
      thread: 'abcdefghijkl',
      subject: 'Bounced: clerk could not handle abcdefghijkl',
      source: 'daemon',
      time: at(0),
    });
    const body = bounce.text;
    expect(body).toContain('3 of 3 attempts failed; the last: exit 3.');
    expect(body).toContain('boom');
    expect(body).toContain(`mv ${kept} workspaces/clerk/inbox/`);
    expect(then).toEqual({
      do: 'dead-letter',
      run: { id: 'abcdefghijkl', agent: 'clerk', file: FILE },
      failed: f,
      bounce: bounceId,
    });
  });

  it('one failure short of max_attempts is not final', () => {
    expect(failed({ run: run({ failures: 1, attempt: 2 }), result: exit({ exitCode: 3 }) }).final).toBe(false);
  });

  it(`exit 75 is final when it comes more than ${MAX_TEMPFAILS} times`, () => {
    expect(failed({ run: run({ tempfails: MAX_TEMPFAILS - 1 }), result: exit({ exitCode: 75 }) }).final).toBe(false);
    const { events, then } = end({ run: run({ tempfails: MAX_TEMPFAILS }), result: exit({ exitCode: 75 }) });
    expect(events[0]).toMatchObject({ final: true, tempfail: true, kept });
    expect(events[0]).not.toHaveProperty('lane_cooling_until');
    expect((events[1] as MessageAccepted).text).toContain(`${MAX_TEMPFAILS + 1} temporary failures`);
    expect(then.do).toBe('dead-letter');
  });

  it('the bounce goes to the operator when the sender is unknown or mailroom itself', () => {
    for (const sender of [undefined, 'mailroom']) {
      expect(end({ sender, run: run({ failures: 2 }), result: exit({ exitCode: 1 }) }).events[1]).toMatchObject({
        to: ['operator'],
      });
    }
  });

  it('says so when the handler wrote nothing on stderr', () => {
    const bounce = end({ run: run({ failures: 2 }), result: exit({ exitCode: 1 }) }).events[1] as MessageAccepted;
    expect(bounce.text).toContain('It wrote nothing on stderr.');
  });
});

describe('decideRunEnd: an agent removed from mailroom.yaml while its handler ran', () => {
  it('a failure is final at once (one attempt), and a timeout is named by the run time', () => {
    const f = failed({ limits: undefined, result: exit({ exitCode: 1, durationMs: 5000, timedOut: true }) });
    expect(f).toMatchObject({ final: true, reason: 'timeout after 5s' });
  });
  it('a success still moves the message to done/', () => {
    expect(end({ limits: undefined }).then).toEqual({ do: 'move-to-done', agent: 'clerk', file: FILE });
  });
  it('exit 75 is retried (the queued run is then cancelled, as the agent has no handler)', () => {
    expect(failed({ limits: undefined, result: exit({ exitCode: 75 }) }).final).toBe(false);
  });
});

describe('decideRunEnd: exit 78 (permanent)', () => {
  it('is final on the first attempt: dead letter and bounce with the stderr, no retry_at, the lane not cooled', () => {
    const { events, then } = end({ result: exit({ exitCode: 78, stderrTail: 'openai m: HTTP 401: bad key' }) });
    const f = events[0] as HandlerFailed;
    expect(f).toMatchObject({
      final: true,
      tempfail: false,
      exit_code: 78,
      reason: 'exit 78 (permanent failure: no more attempts)',
      stderr: 'openai m: HTTP 401: bad key',
    });
    expect(f.retry_at).toBeUndefined();
    expect(f.lane_cooling_until).toBeUndefined();
    expect(then.do).toBe('dead-letter');
    expect((events[1] as MessageAccepted).text).toContain('attempt 1 failed permanently');
    expect((events[1] as MessageAccepted).text).toContain('HTTP 401: bad key');
  });
});
