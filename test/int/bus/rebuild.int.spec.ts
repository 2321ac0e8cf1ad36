/**
 * The board is a fold: after a mixed workload (tasks created, claimed, blocked, done,
 * cancelled, plain messages, bounces), deleting board/BOARD.md, board/board.json and the
 * BRIEF.md files and starting again renders the same bytes; `board --json` agrees with
 * board.json; `doctor` is happy, and is not once board.json is tampered with.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeOrg, message, writeConfig, type Org } from '../../support/org.js';
import { doctor, mailroom } from '../../support/cli.js';
import { stopClean } from '../../support/daemon.js';
import { seqProblem, strictEvents, waitFor, type Event } from '../../support/events.js';
import { fm, readMail } from '../../support/mail.js';

let org: Org | undefined;

const AGENTS = ['maya', 'oliver', 'legal', 'kim'] as const;

/** Wait until `n` messages from outboxes have been decided (accepted or rejected) and everything accepted is delivered. */
async function settle(o: Org, n: number): Promise<Event[]> {
  return waitFor(() => {
    const ev = o.events() as Event[];
    const decided = ev.filter(
      (e) => (e.type === 'message.accepted' && e.source === 'outbox') || e.type === 'message.rejected',
    ).length;
    const delivered = new Set(ev.filter((e) => e.type === 'message.delivered').map((e) => e.id));
    const pending = ev.filter((e) => e.type === 'message.accepted' && !delivered.has(e.id));
    return decided >= n && pending.length === 0 ? ev : null;
  }, `${n} messages decided and delivered`);
}

function boardFiles(o: Org): Record<string, Buffer> {
  const files: Record<string, Buffer> = {
    'board/BOARD.md': fs.readFileSync(o.p('board', 'BOARD.md')),
    'board/board.json': fs.readFileSync(o.p('board', 'board.json')),
  };
  for (const a of AGENTS) files[`workspaces/${a}/BRIEF.md`] = fs.readFileSync(o.p('workspaces', a, 'BRIEF.md'));
  return files;
}

describe('rebuild the board from the log', () => {
  it('renders byte-for-byte the same board after the rendered files are deleted; doctor checks it', async () => {
    const o = (org = makeOrg([...AGENTS]));
    writeConfig(o, AGENTS, { crew: ['oliver', 'legal', 'kim'] });
    await o.start();
    let sent = 0;
    const send = (from: string, name: string, fields: Record<string, unknown>, body = `${name}\n`) => {
      o.drop(from, name, message(fields, body));
      sent++;
    };

    // 1. Tasks: owned, to a group, to two agents; different priorities; one with a due date.
    send('maya', 'contract.md', { to: 'oliver', kind: 'task', priority: 'high', subject: 'Draft the contract | v2' });
    send('maya', 'pricing.md', { to: 'crew', kind: 'task', subject: 'Review pricing' });
    send('maya', 'bank.md', {
      to: 'oliver',
      kind: 'task',
      priority: 'critical',
      subject: 'Call the bank',
      due: '2026-12-01',
    });
    send('oliver', 'audit.md', { to: ['legal', 'kim'], kind: 'task', priority: 'low', subject: 'Audit the books' });
    send('maya', 'slides.md', { to: 'kim', kind: 'task', subject: 'Make the slides' });
    send('legal', 'idle.md', { to: 'crew', kind: 'task', subject: 'Nobody will touch this' });
    await settle(o, sent);
    const ids = new Map(
      (JSON.parse(o.read('board', 'board.json')) as { tasks: Array<{ id: string; title: string }> }).tasks.map((t) => [
        t.title,
        t.id,
      ]),
    );
    expect(ids.size).toBe(6);
    const id = (title: string) => ids.get(title)!;

    // 2. Claims, a cancel, a block, plain messages, two bounces (unknown recipient; a non-owner's change).
    send('oliver', 'start-contract.md', { task: id('Draft the contract | v2'), status: 'in_progress' });
    send('legal', 'claim-pricing.md', { task: id('Review pricing'), status: 'in_progress' });
    send('maya', 'cancel-bank.md', { task: id('Call the bank'), status: 'cancelled' });
    send('kim', 'block-slides.md', { task: id('Make the slides'), status: 'blocked', subject: 'Waiting for the logo' });
    send('maya', 'hello.md', { to: 'legal', subject: 'Hello' });
    send('oliver', 'note.md', { to: 'crew', priority: 'low', subject: 'Lunch at noon' });
    send('maya', 'typo.md', { to: 'olivre', subject: 'Oops' });
    send('kim', 'steal.md', { task: id('Draft the contract | v2'), status: 'done' });
    await settle(o, sent);

    // 3. Second-level changes: done, blocked, unblocked.
    send('oliver', 'finish-contract.md', { task: id('Draft the contract | v2'), status: 'done' });
    send('legal', 'block-pricing.md', { task: id('Review pricing'), status: 'blocked' });
    send('kim', 'unblock-slides.md', { task: id('Make the slides'), status: 'in_progress' });
    send('kim', 'claim-audit.md', { task: id('Audit the books'), status: 'in_progress' });
    await settle(o, sent);
    send('kim', 'block-audit.md', { task: id('Audit the books'), status: 'blocked' });
    const before = await settle(o, sent);

    // The workload did what it says.
    expect(
      before
        .filter((e) => e.type === 'message.rejected')
        .map((e) => e.origin)
        .sort(),
    ).toEqual(['steal.md', 'typo.md']);
    expect(readMail(o, 'maya').some((m) => fm(m.text, 'from') === 'mailroom' && m.text.includes('typo.md'))).toBe(true);
    expect(readMail(o, 'kim').some((m) => fm(m.text, 'from') === 'mailroom' && m.text.includes('steal.md'))).toBe(true);
    const want = {
      'Draft the contract | v2': { status: 'done', owner: 'oliver' },
      'Review pricing': { status: 'blocked', owner: 'legal' },
      'Call the bank': { status: 'cancelled', owner: 'oliver' },
      'Audit the books': { status: 'blocked', owner: 'kim' },
      'Make the slides': { status: 'in_progress', owner: 'kim' },
      'Nobody will touch this': { status: 'open', owner: null },
    };
    const boardBefore = JSON.parse(o.read('board', 'board.json')) as {
      tasks: Array<{ title: string; status: string; owner: string | null }>;
    };
    for (const t of boardBefore.tasks)
      expect({ title: t.title, status: t.status, owner: t.owner }).toEqual({
        title: t.title,
        ...want[t.title as keyof typeof want],
      });

    // Stop; keep the rendered bytes; delete them; start again.
    expect(await stopClean(o)).toBe(0);
    const rendered = boardFiles(o);
    expect(rendered['board/BOARD.md']!.toString()).toContain('Draft the contract \\| v2');
    for (const f of Object.keys(rendered)) fs.rmSync(o.p(f));
    await o.start();
    await waitFor(
      () => Object.keys(rendered).every((f) => fs.existsSync(o.p(f))),
      'the board and briefs rendered again',
    );
    const again = boardFiles(o);
    for (const f of Object.keys(rendered)) expect(again[f]!.toString('utf8'), f).toBe(rendered[f]!.toString('utf8'));

    // `board --json` is the same fold.
    const cli = mailroom(['board', '--root', o.root, '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    const fromCli = JSON.parse(cli.stdout) as { tasks: unknown[] };
    const fromFile = JSON.parse(o.read('board', 'board.json')) as { tasks: Array<Record<string, unknown>> };
    expect(fromCli.tasks).toEqual(fromFile.tasks);
    expect(fromFile.tasks.map((t) => t.id)).toEqual(['T-1', 'T-2', 'T-3', 'T-4', 'T-5', 'T-6']);
    for (const t of fromFile.tasks) {
      expect(Object.keys(t)).toEqual(
        expect.arrayContaining(['id', 'title', 'status', 'owner', 'creator', 'priority', 'created', 'updated']),
      );
      expect(t.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(t.updated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }

    // doctor: all well with a running daemon; a tampered board.json is found.
    const ok = doctor(o);
    expect(ok.problems, ok.raw).toEqual([]);
    expect(ok.code).toBe(0);
    const tampered = JSON.parse(o.read('board', 'board.json')) as { tasks: Array<{ status: string }> };
    tampered.tasks[0]!.status = 'open';
    fs.writeFileSync(o.p('board', 'board.json'), JSON.stringify(tampered, null, 2) + '\n');
    const bad = doctor(o);
    expect(bad.code, bad.raw).toBe(1);
    expect(bad.problems.map((p) => p.check)).toEqual(['board']);

    expect(await stopClean(o)).toBe(0);
    expect(seqProblem(strictEvents(o))).toBeNull();
  });
});
