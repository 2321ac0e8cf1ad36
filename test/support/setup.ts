/**
 * Registered for every test file by vitest.config.ts (setupFiles). After each test it cleans up
 * the orgs the test made and FAILS the test when a handler or daemon process was left behind in
 * one of them (processes.ts says what counts), naming the processes it then killed. Orgs made
 * outside a test (beforeAll) get the same check after their file.
 */
import { afterAll, afterEach, beforeEach } from 'vitest';
import { made, type Org } from './org.js';
import type { Proc } from './processes.js';

async function cleanUp(orgs: Org[]): Promise<void> {
  const leaks: Array<{ org: Org; procs: Proc[] }> = [];
  for (const o of orgs.splice(0)) {
    const procs = await o.cleanup();
    if (procs.length) leaks.push({ org: o, procs });
  }
  if (leaks.length) {
    const list = leaks.flatMap(({ org, procs }) =>
      procs.map((p) => `  pid ${p.pid} in ${org.tmp}: ${p.cmd.slice(0, 200)}`),
    );
    throw new Error(
      `the test left ${list.length} process(es) running in its org (killed now); stop the daemon or end what it started before the test ends:\n${list.join('\n')}`,
    );
  }
}

beforeEach(() => {
  made.inTest = true;
});
afterEach(async () => {
  made.inTest = false;
  await cleanUp(made.test);
});
afterAll(async () => {
  await cleanUp(made.file);
});
