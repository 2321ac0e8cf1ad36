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
import { makeOrg, message, type Org } from '../../support/org.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
  org = undefined;
});

const AGENTS = ['maya', 'oliver', 'legal'];
const N = IMMEDIATE_TASKS + 100;

describe('a clean stop during a large render', () => {
  it('leaves the board of the log, briefs included, and no temp files', async () => {
    org = makeOrg(AGENTS, 'messages_per_minute: 100000\ntasks_per_hour: 100000\nmax_open_tasks: 5000\n');
    const o = org;
    await o.start();
    for (let i = 1; i <= N; i++)
      o.drop(AGENTS[i % 3]!, `t${i}.md`, message({ to: AGENTS[(i + 1) % 3]!, kind: 'task', subject: `job ${i}` }));
    const tasks = () => o.events().filter((e) => e.type === 'message.accepted' && e.kind === 'task');
    await waitFor(() => tasks().length === N, `${N} tasks accepted`, 60_000);
    const owner = new Map(tasks().map((e) => [e.task as string, e.to[0] as string]));
    for (let k = 1; k <= 40; k++) {
      const t = `T-${1 + ((k * 89) % N)}`;
      o.drop(owner.get(t)!, `u${k}.md`, message({ task: t, status: k % 2 ? 'blocked' : 'done' }));
      o.drop('maya', `m${k}.md`, message({ to: 'legal', subject: `note ${k}` }));
    }
    const updates = () => o.events().filter((e) => e.type === 'message.accepted' && e.status !== undefined).length;
    await waitFor(() => updates() >= 5 || null, 'some updates taken', 30_000);
    expect(await o.stop()).toBe(0);
    expect(doctor(o).problems.filter((p) => p.check === 'board')).toEqual([]);
    for (const agent of AGENTS) {
      const brief = mailroom(['brief', agent, '--root', o.root]);
      expect(brief.code).toBe(0);
      expect(o.read('workspaces', agent, 'BRIEF.md')).toBe(brief.stdout);
    }
    expect(o.ls('bus', 'staging').filter((n) => n.startsWith('board.'))).toEqual([]);
  }, 150_000);
});
