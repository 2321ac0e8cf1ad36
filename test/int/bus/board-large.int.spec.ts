/**
 * A board over IMMEDIATE_TASKS is rendered in slices off a copy, mail going on between them:
 * the files it writes are still the board of the log. 1,100 tasks and a stream of updates and
 * mail while it renders; once quiet, BOARD.md and board.json match a rebuild byte for byte
 * (doctor), every brief lists its agent's tasks, and a clean stop leaves them so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IMMEDIATE_TASKS } from '../../../runtime/daemon/board-writer.js';
import { doctor } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, message, type Org } from '../../support/org.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
  org = undefined;
});

const AGENTS = ['maya', 'oliver', 'legal'];
const N = IMMEDIATE_TASKS + 100;

describe('a large board', () => {
  it('is rendered in slices that end as the board of the log, byte for byte', async () => {
    org = makeOrg(AGENTS, 'messages_per_minute: 100000\ntasks_per_hour: 100000\nmax_open_tasks: 5000\n');
    const o = org;
    await o.start();
    for (let i = 1; i <= N; i++)
      o.drop(AGENTS[i % 3]!, `t${i}.md`, message({ to: AGENTS[(i + 1) % 3]!, kind: 'task', subject: `job ${i}` }));
    const tasks = () => o.events().filter((e) => e.type === 'message.accepted' && e.kind === 'task');
    await waitFor(() => tasks().length === N, `${N} tasks accepted`, 60_000);
    // Updates by each task's owner and plain mail while the large board renders.
    const owner = new Map(tasks().map((e) => [e.task as string, e.to[0] as string]));
    for (let k = 1; k <= 60; k++) {
      const t = `T-${1 + ((k * 97) % N)}`;
      o.drop(owner.get(t)!, `u${k}.md`, message({ task: t, status: k % 2 ? 'in_progress' : 'done' }));
      o.drop('maya', `m${k}.md`, message({ to: 'legal', subject: `note ${k}` }));
    }
    await waitFor(
      () => o.events().filter((e) => e.type === 'message.delivered').length >= N + 120 || null,
      'the updates and the mail delivered',
      60_000,
    );
    await waitFor(() => doctor(o).problems.every((p) => p.check !== 'board') || null, 'BOARD.md as rebuilt', 30_000);
    const brief = o.read('workspaces', 'legal', 'BRIEF.md');
    expect(brief).toContain(`# Brief for legal`);
    expect(brief).toMatch(/## Your tasks \(\d{3}\)/);
    expect(await o.stop()).toBe(0);
    expect(doctor(o).problems.filter((p) => p.check === 'board')).toEqual([]);
  }, 150_000);
});
