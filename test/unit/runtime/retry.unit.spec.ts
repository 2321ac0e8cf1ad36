import { describe, expect, it } from 'vitest';
import { readExit, type HandlerExit } from '../../../runtime/lanes/retry.js';

const end = (over: Partial<HandlerExit>): HandlerExit => ({ exitCode: null, signal: null, timedOut: false, ...over });

describe('the exit-code table', () => {
  const rows: Array<[string, Partial<HandlerExit>, string, string]> = [
    ['exit 0', { exitCode: 0 }, 'succeeded', 'exit 0'],
    ['exit 0 after the timeout', { exitCode: 0, timedOut: true }, 'failed', 'timeout after 1m 30s'],
    ['exit 75', { exitCode: 75 }, 'tempfail', 'exit 75 (temporary failure, e.g. rate-limited)'],
    ['exit 75 after the timeout', { exitCode: 75, timedOut: true }, 'failed', 'timeout after 1m 30s'],
    ['killed by the timeout', { signal: 'SIGTERM', timedOut: true }, 'failed', 'timeout after 1m 30s'],
    ['killed by someone', { signal: 'SIGKILL' }, 'failed', 'killed by SIGKILL'],
    [
      'never started',
      { spawnError: 'the jail needs bwrap' },
      'failed',
      'could not start the handler: the jail needs bwrap',
    ],
    ['exit 1', { exitCode: 1 }, 'failed', 'exit 1'],
    ['exit 127', { exitCode: 127 }, 'failed', 'exit 127'],
  ];
  for (const [what, exit, outcome, reason] of rows) {
    it(`${what}: ${outcome}, "${reason}"`, () => expect(readExit(end(exit), 90_000)).toEqual({ outcome, reason }));
  }
});
