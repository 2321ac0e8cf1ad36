/**
 * The claim race: a task sent to a group has no owner; two members claim it at the same moment
 * (both files renamed into their outboxes back-to-back). The daemon, the single writer, decides
 * in log order: exactly one owner, the other gets a bounce naming the task and the owner, and
 * the winner's update reaches the creator. Also: a non-owner's `done` and an update naming an
 * unknown task are bounced and never delivered.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeOrg, message, writeConfig, type Org } from '../../support/org.js';
import { mailroom } from '../../support/cli.js';
import { stopClean } from '../../support/daemon.js';
import { waitFor, type Event } from '../../support/events.js';
import { fm, readMail } from '../../support/mail.js';
import { seeded } from '../../support/random.js';

let org: Org | undefined;

const CREATOR = 'maya';
const CREW = ['oliver', 'legal', 'kim', 'pat'] as const;
const TASKS = 30;

interface BoardTask {
  id: string;
  title: string;
  status: string;
  owner: string | null;
  creator: string;
  priority: string;
  created: string;
  updated: string;
}

function boardJson(o: Org): { tasks: BoardTask[] } {
  return JSON.parse(o.read('board', 'board.json')) as { tasks: BoardTask[] };
}

function cliBoard(o: Org): BoardTask[] {
  const r = mailroom(['board', '--root', o.root, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { tasks: BoardTask[] }).tasks;
}

/** Put a file into an outbox at once (the temp file is written beforehand). */
function prepare(o: Org, agent: string, name: string, text: string): () => void {
  const dir = o.outbox(agent);
  const tmp = path.join(dir, `.${name}.prep`);
  fs.writeFileSync(tmp, text);
  return () => fs.renameSync(tmp, path.join(dir, name));
}

async function startOrg(): Promise<Org> {
  const o = (org = makeOrg([CREATOR, ...CREW]));
  writeConfig(o, [CREATOR, ...CREW], { crew: CREW });
  await o.start();
  return o;
}

/** Create `n` tasks from maya to the crew; returns title -> task id once all are on the board. */
async function createTasks(o: Org, n: number): Promise<Map<string, string>> {
  for (let i = 1; i <= n; i++)
    o.drop(
      CREATOR,
      `job-${i}.md`,
      message({ to: 'crew', kind: 'task', priority: 'high', subject: `Job ${i}` }, `job-${i}-body\n`),
    );
  const tasks = await waitFor(() => {
    try {
      const t = boardJson(o).tasks;
      return t.length === n ? t : null;
    } catch {
      return null;
    }
  }, `${n} tasks on the board`);
  for (const t of tasks) {
    expect(t.owner, `${t.id} was sent to a group, so it has no owner yet`).toBeNull();
    expect(t.status).toBe('open');
    expect(t.creator).toBe(CREATOR);
  }
  return new Map(tasks.map((t) => [t.title, t.id]));
}

const events = (o: Org) => o.events() as Event[];

describe('claims are decided by the single writer', () => {
  it.each([
    ['with the daemon running', 'live'],
    ['queued while the daemon is stopped, then decided across a kill -9 and a restart', 'crash'],
  ] as const)(
    'gives each of 30 raced tasks exactly one owner; the loser is bounced with the task and the owner; the winner reaches the creator (%s)',
    async (_, mode) => {
      const rng = seeded(`claim-race ${mode}`);
      const o = await startOrg();
      const ids = await createTasks(o, TASKS);
      if (mode === 'crash') expect(await stopClean(o)).toBe(0);

      // For every task, two crew members claim it: both files prepared, then renamed back-to-back.
      const races = [...ids].map(([title, id]) => {
        const a = rng.pick(CREW);
        const b = rng.pick(CREW.filter((c) => c !== a));
        return { title, id, claimers: [a, b] as const };
      });
      const go: Array<() => void> = [];
      for (const r of races) {
        for (const who of r.claimers) {
          go.push(
            prepare(
              o,
              who,
              `claim-${r.id.toLowerCase()}.md`,
              message({ task: r.id, status: 'in_progress', subject: `Claiming ${r.id}` }, `claim-${r.id}-by-${who}\n`),
            ),
          );
        }
      }
      for (const fire of go) fire();
      if (mode === 'crash') {
        // Both claims of every pair wait in the outboxes; the daemon decides them at start-up and is
        // killed somewhere in the middle (decided, delivered or not), then restarted.
        await o.start();
        await waitFor(
          () => events(o).some((e) => e.type === 'message.rejected' || (e.type === 'message.accepted' && e.status)),
          'the first claim decided',
        );
        await new Promise((r) => setTimeout(r, rng.int(0, 30)));
        await o.kill9();
        await o.start();
      }

      // Wait until every claim is decided: 30 accepted updates and 30 rejections.
      await waitFor(
        () => {
          const ev = events(o);
          const updates = ev.filter((e) => e.type === 'message.accepted' && e.status === 'in_progress').length;
          const rejected = ev.filter((e) => e.type === 'message.rejected').length;
          const delivered = new Set(ev.filter((e) => e.type === 'message.delivered').map((e) => e.id));
          const allDelivered = ev.filter((e) => e.type === 'message.accepted').every((e) => delivered.has(e.id));
          return updates + rejected >= TASKS * 2 && allDelivered;
        },
        'every claim decided and delivered',
        30_000,
      );

      const ev = events(o);
      const board = cliBoard(o);
      expect(board.map((t) => t.id)).toEqual(Array.from({ length: TASKS }, (_, i) => `T-${i + 1}`));
      const mayaMail = readMail(o, CREATOR);
      for (const r of races) {
        const task = board.find((t) => t.id === r.id)!;
        expect(task.status, r.id).toBe('in_progress');
        expect(r.claimers, `${r.id}'s owner is one of its two claimers`).toContain(task.owner);
        const winner = task.owner!;
        const loser = r.claimers.find((c) => c !== winner)!;

        // The log agrees: one accepted claim (the winner's, first), one rejection (the loser's).
        const claims = ev.filter((e) => e.type === 'message.accepted' && e.task === r.id && e.status === 'in_progress');
        expect(
          claims.map((e) => e.from),
          r.id,
        ).toEqual([winner]);
        const rejections = ev.filter(
          (e) => e.type === 'message.rejected' && e.origin === `claim-${r.id.toLowerCase()}.md`,
        );
        expect(
          rejections.map((e) => e.from),
          r.id,
        ).toEqual([loser]);
        expect(rejections[0]!.seq).toBeGreaterThan(claims[0]!.seq);
        expect(claims[0]!.to).toEqual([CREATOR]);

        // The winner's update reached the creator; the loser's did not.
        expect(
          mayaMail.filter((m) => m.text.includes(`claim-${r.id}-by-${winner}\n`)),
          `${winner}'s claim of ${r.id} in maya's inbox`,
        ).toHaveLength(1);
        expect(
          mayaMail.filter((m) => m.text.includes(`claim-${r.id}-by-${loser}\n`)),
          `${loser}'s losing claim of ${r.id}`,
        ).toHaveLength(0);

        // The loser has a bounce from mailroom naming the task and the owner; the winner has none for it.
        const bounces = readMail(o, loser).filter(
          (m) => fm(m.text, 'from') === 'mailroom' && m.text.includes(`claim-${r.id.toLowerCase()}.md`),
        );
        expect(bounces, `${loser}'s bounce for ${r.id}`).toHaveLength(1);
        expect(fm(bounces[0]!.text, 'priority')).toBe('high');
        expect(bounces[0]!.text).toContain(`task ${r.id} `);
        expect(bounces[0]!.text).toContain(`owned by ${winner}`);
        expect(
          readMail(o, winner).filter(
            (m) => fm(m.text, 'from') === 'mailroom' && m.text.includes(`claim-${r.id.toLowerCase()}.md`),
          ),
        ).toHaveLength(0);
        // The loser's original is kept in the dead-letter folder with its reason.
        expect(fs.existsSync(o.p(rejections[0]!.kept as string)), rejections[0]!.kept).toBe(true);
        expect(fs.readFileSync(o.p(rejections[0]!.kept as string), 'utf8')).toContain(`claim-${r.id}-by-${loser}\n`);
      }
      // Nothing is left behind in an outbox.
      for (const c of CREW) expect(o.ls('workspaces', c, 'outbox')).toEqual([]);
      expect(await stopClean(o)).toBe(0);
    },
  );

  it('bounces a non-owner marking an owned task done (the owner can), and an update naming an unknown task, delivering neither', async () => {
    const rng = seeded('claim-rules');
    const o = await startOrg();
    const ids = await createTasks(o, 2);
    const t1 = ids.get('Job 1')!;
    const owner = rng.pick(CREW);
    const other = rng.pick(CREW.filter((c) => c !== owner));

    o.drop(owner, 'mine.md', message({ task: t1, status: 'in_progress' }, `owner-claims-${t1}\n`));
    await waitFor(() => boardJson(o).tasks.find((t) => t.id === t1)?.owner === owner, `${owner} owning ${t1}`);

    // A crew member who does not own it tries to close it.
    o.drop(other, 'close-it.md', message({ task: t1, status: 'done' }, `not-yours-${t1}\n`));
    // And an update about a task that does not exist, addressed explicitly.
    o.drop(other, 'ghost.md', message({ task: 'T-999', status: 'in_progress', to: CREATOR }, 'ghost-task-update\n'));

    const bounceFor = (origin: string) => () =>
      readMail(o, other).find((m) => fm(m.text, 'from') === 'mailroom' && m.text.includes(origin));
    const closeBounce = await waitFor(bounceFor('close-it.md'), `${other}'s bounce for close-it.md`);
    const ghostBounce = await waitFor(bounceFor('ghost.md'), `${other}'s bounce for ghost.md`);
    expect(closeBounce.text).toContain(`task ${t1} `);
    expect(closeBounce.text).toContain(`owned by ${owner}`);
    expect(ghostBounce.text).toContain('T-999');
    expect(ghostBounce.text).toMatch(/does not exist/);

    // The owner may close it.
    o.drop(owner, 'finish.md', message({ task: t1, status: 'done' }, `owner-closes-${t1}\n`));
    await waitFor(
      () => readMail(o, CREATOR).some((m) => m.text.includes(`owner-closes-${t1}\n`)),
      `${owner}'s done reaching maya`,
    );

    const board = cliBoard(o);
    expect(board.find((t) => t.id === t1)).toMatchObject({ status: 'done', owner, creator: CREATOR });
    expect(board.find((t) => t.id === 'T-2')).toMatchObject({ status: 'open', owner: null });
    expect(board).toHaveLength(2);

    // Neither refused update was delivered to anyone.
    for (const a of [CREATOR, ...CREW]) {
      for (const m of readMail(o, a, ['inbox', 'done'])) {
        expect(m.text, `${a}/${m.box}/${m.name}`).not.toContain(`not-yours-${t1}`);
        expect(m.text, `${a}/${m.box}/${m.name}`).not.toContain('ghost-task-update');
      }
    }
    const ev = events(o);
    const rejected = ev.filter((e) => e.type === 'message.rejected');
    expect(rejected.map((e) => [e.from, e.origin]).sort()).toEqual([
      [other, 'close-it.md'],
      [other, 'ghost.md'],
    ]);
    expect(ev.some((e) => e.type === 'message.accepted' && (e.text as string).includes('ghost-task-update'))).toBe(
      false,
    );
    expect(ev.some((e) => e.type === 'message.accepted' && (e.text as string).includes(`not-yours-${t1}`))).toBe(false);
    for (const r of rejected) {
      expect(fs.readFileSync(o.p(r.kept as string), 'utf8')).toMatch(/not-yours|ghost-task-update/);
      expect(fs.existsSync(o.p(`${r.kept}.reason.md`))).toBe(true);
    }
    expect(await stopClean(o)).toBe(0);
  });
});
