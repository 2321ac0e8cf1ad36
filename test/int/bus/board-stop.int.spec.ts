/**
 * A clean stop while a large board is being rendered in slices (runtime/daemon/board-writer.ts
 * settle, then flush): the render under way is given up, and the stop writes the board of the
 * log. 1,100 tasks, then updates and mail, and SIGTERM as soon as some updates are taken: BOARD.md
 * and board.json match a rebuild byte for byte (doctor), every BRIEF.md is what `mailroom brief`
 * folds from the log, and no temp file of the render is left in bus/staging/.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IMMEDIATE_TASKS } from '../../../runtime/daemon/board-writer.js';
import { doctor, mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import type { Org } from '../../support/org.js';
import { BOARD_AGENTS, dropUpdatesAndMail, orgWithTasks } from '../../support/board.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
  org = undefined;
});

const N = IMMEDIATE_TASKS + 100;

describe('a clean stop during a large render', () => {
  it('leaves the board of the log, briefs included, and no temp files', async () => {
    const { o, owner } = await orgWithTasks(N);
    org = o;
    dropUpdatesAndMail(o, owner, { n: N, count: 40, step: 89, status: (k) => (k % 2 ? 'blocked' : 'done') });
    const updates = () => o.events().filter((e) => e.type === 'message.accepted' && e.status !== undefined).length;
    await waitFor(() => updates() >= 5 || null, 'some updates taken', 30_000);
    expect(await o.stop()).toBe(0);
    expect(doctor(o).problems.filter((p) => p.check === 'board')).toEqual([]);
    for (const agent of BOARD_AGENTS) {
      const brief = mailroom(['brief', agent, '--root', o.root]);
      expect(brief.code).toBe(0);
      expect(o.read('workspaces', agent, 'BRIEF.md')).toBe(brief.stdout);
    }
    expect(o.ls('bus', 'staging').filter((n) => n.startsWith('board.'))).toEqual([]);
  }, 150_000);
});
