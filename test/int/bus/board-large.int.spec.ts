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
import type { Org } from '../../support/org.js';
import { dropUpdatesAndMail, orgWithTasks } from '../../support/board.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
  org = undefined;
});

const N = IMMEDIATE_TASKS + 100;

describe('a large board', () => {
  it('is rendered in slices that end as the board of the log, byte for byte', async () => {
    const { o, owner } = await orgWithTasks(N);
    org = o;
    dropUpdatesAndMail(o, owner, { n: N, count: 60, step: 97, status: (k) => (k % 2 ? 'in_progress' : 'done') });
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
