/**
 * The `mailroom` command (bin/mailroom, what `npm link` puts on PATH) runs the daemon with glibc's
 * malloc on a fixed mmap threshold (runtime/service/malloc.ts) in the same process, so signals
 * and kill -9 reach the daemon itself; node run directly says at start-up what it runs without.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MALLOC_ENV } from '../../../runtime/service/malloc.js';
import { CLI, REPO } from '../../support/cli.js';
import { startDaemon, stopClean } from '../../support/daemon.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, type Org } from '../../support/org.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
  org = undefined;
});

const environ = (pid: number): string[] => fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
const cmdline = (pid: number): string[] => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime;
const { PATH, HOME } = process.env;

describe('the mailroom command', () => {
  it('runs the daemon in its own process with the malloc setting, keeps a value given (not an empty one), and node alone says so', async () => {
    org = makeOrg(['maya']);
    const link = path.join(org.tmp, 'bin', 'mailroom'); // as `npm link` makes it: a symlink to bin/mailroom
    fs.mkdirSync(path.dirname(link));
    fs.symlinkSync(path.join(REPO, 'bin', 'mailroom'), link);

    const daemon = await startDaemon(org, { command: [link], env: { HOME } });
    expect(cmdline(daemon.pid!).map((a) => path.resolve(a))).toContain(CLI); // exec: node itself, same pid
    expect(environ(daemon.pid!)).toContain(`${MALLOC_ENV.name}=${MALLOC_ENV.value}`);
    expect(await stopClean(org)).toBe(0); // SIGTERM reached the daemon, not a shell in front of it
    expect(org.stderr).not.toContain(`${MALLOC_ENV.name} is not set`); // its whole log, read after it stopped

    const given = await startDaemon(org, { command: [link], env: { HOME, [MALLOC_ENV.name]: '65536' } });
    expect(environ(given.pid!)).toContain(`${MALLOC_ENV.name}=65536`);
    expect(await stopClean(org)).toBe(0);
    const empty = await startDaemon(org, { command: [link], env: { HOME, [MALLOC_ENV.name]: '' } }); // glibc would read 0
    expect(environ(empty.pid!)).toContain(`${MALLOC_ENV.name}=${MALLOC_ENV.value}`);
    expect(await stopClean(org)).toBe(0);

    await startDaemon(org, { env: { HOME, PATH } }); // node dist/runtime/cli/main.js start, nothing set
    const fix = `${MALLOC_ENV.name}=${MALLOC_ENV.value} node ... start`;
    if (glibc) await waitFor(() => org!.stderr.includes(fix), 'the start-up note on glibc');
    else expect(org.stderr).not.toContain(MALLOC_ENV.name);
    expect(await stopClean(org)).toBe(0);
  });
});
