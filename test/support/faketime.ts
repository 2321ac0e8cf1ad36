/**
 * libfaketime (Debian's `faketime`) for a daemon on another clock: the library's path, and the
 * environment that starts a process `offsetS` seconds off the real clock. A test passes it to
 * the daemon itself (LD_PRELOAD), not through the `faketime` wrapper: the wrapper forks and
 * waits, so the test's signals and kill -9 would reach the wrapper, not the daemon. The
 * monotonic clock is left alone (timers run as usual).
 */
import fs from 'node:fs';
import path from 'node:path';

/** libfaketime's multi-threaded build (Node runs threads), wherever Debian put it for this architecture. */
function findLibfaketime(): string | undefined {
  for (const dir of ['/usr/lib', '/usr/lib64']) {
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const sub of ['', ...entries]) {
      const p = path.join(dir, sub, 'faketime', 'libfaketimeMT.so.1');
      if (fs.existsSync(p)) return p;
    }
  }
  return undefined;
}

export const LIBFAKETIME = findLibfaketime();

/** Fail under CI when libfaketime is missing (.ci/run installs it); otherwise say loudly that `what` is skipped. */
export function requireFaketime(spec: string, what: string): void {
  if (LIBFAKETIME) return;
  if (process.env.CI)
    throw new Error('libfaketime is missing and CI is set: .ci/run installs it (apt-get install -y faketime)');
  process.stderr.write(`\n*** ${spec}: faketime is missing: ${what} IS SKIPPED (apt-get install -y faketime) ***\n\n`);
}

/** The environment for a process whose clock reads `offsetS` seconds off the real one. */
export function fakeClock(offsetS: number): NodeJS.ProcessEnv {
  return {
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME: `${offsetS >= 0 ? '+' : ''}${offsetS}`,
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}
