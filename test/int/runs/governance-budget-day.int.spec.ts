/**
 * A daily budget across the day turn, black-box: the daemon runs on a clock set (libfaketime,
 * Debian's `faketime`) a few seconds before 00:00 UTC; a mock agent spends its budget, its
 * next run waits (`status` and `why` say "budget"), and after midnight the run starts by
 * itself: no `mailroom resume`.
 *
 * The daemon is started with faketime's library (test/support/faketime.ts). The clock is an
 * offset (`FAKETIME=+N` seconds), so the CLI run with the same offset sees the same time as the
 * daemon.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mailroom } from '../../support/cli.js';
import { startDaemon } from '../../support/daemon.js';
import { waitFor } from '../../support/events.js';
import { message, orgFromYaml, type Org } from '../../support/org.js';
import { MOCK_JS } from '../../support/runs.js';
import { LIBFAKETIME, fakeClock, requireFaketime } from '../../support/faketime.js';

const LIB = LIBFAKETIME;
requireFaketime('governance-budget-day.int.spec', 'the DAY-TURN TEST');

/** Seconds to add to the real clock so that it reads `secondsBefore` seconds before the next 00:00 UTC. */
function offsetToMidnight(secondsBefore: number): number {
  const now = Date.now();
  const d = new Date(now);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
  return Math.floor((midnight - secondsBefore * 1000 - now) / 1000);
}

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
});

describe.skipIf(!LIB)('a daily budget at the day turn', () => {
  it('makes runs wait past the budget and starts them by itself after 00:00 UTC', async () => {
    org = orgFromYaml(
      `sandbox: none\nagents:\n  boss: {}\n  spender: { command: "node ${MOCK_JS} --cost 0.6", budget_daily_usd: 1 }\n`,
    );
    const o = org;
    // 20 s before midnight: time to start, run twice and be seen waiting, on a loaded machine too.
    const fake = fakeClock(offsetToMidnight(20));
    const cli = (args: string[]) => mailroom([...args, '--root', o.root], { env: fake });
    await startDaemon(o, { env: { ...process.env, ...fake } });
    const started = o
      .events()
      .filter((e) => e.type === 'daemon.started')
      .at(-1)!;
    expect(started.time).toMatch(/T23:59:[34]\d\./); // the daemon runs on the fake clock
    const day = started.time.slice(0, 10);

    for (const n of [1, 2, 3]) o.drop('boss', `m${n}.md`, message({ to: 'spender', subject: `Job ${n}` }));
    const ran = () => o.events().filter((e) => e.type === 'handler.succeeded' && e.agent === 'spender');
    await waitFor(() => ran().length === 2, 'two runs to spend $1.2 of $1');
    const waiting = await waitFor(
      () => JSON.parse(cli(['status', '--json']).stdout).waiting[0],
      'the third run to wait',
    );
    expect(waiting.why).toMatch(/^budget: agent spender has spent \$1\.2 of its daily \$1/);
    expect(cli(['status']).stdout).toMatch(/budget: agent spender/);
    expect(cli(['why', waiting.id]).stdout).toMatch(/budget: agent spender has spent \$1\.2/);
    expect(ran().every((e) => e.time.startsWith(day))).toBe(true);
    expect(ran()).toHaveLength(2); // the third has not run before midnight

    const third = await waitFor(() => ran()[2], 'the third run after 00:00 UTC, by itself', 40_000);
    expect(third.time.slice(0, 10) > day).toBe(true);
    expect(third.time).toMatch(/T00:00:/);
    expect(o.events().filter((e) => e.type === 'agent.resumed')).toEqual([]);
    expect(JSON.parse(cli(['status', '--json']).stdout).waiting).toEqual([]);
  }, 90_000);
});
