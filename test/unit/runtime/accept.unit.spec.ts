/**
 * The dispatcher's decision and the board fold, together: a sequence of drops goes through
 * `decide`, each accepted event is applied to the board, exactly as the daemon does in log order.
 */
import { describe, expect, it } from 'vitest';
import type { BusEvent, MessageAccepted } from '../../../bus/events.js';
import { Rejection } from '../../../bus/rejection.js';
import { apply, emptyBoard, foldBoard, type Board } from '../../../board/fold.js';
import { renderBrief } from '../../../board/brief.js';
import { boardJson, costLine, renderBoardJson, renderBoardMd } from '../../../board/render.js';
import { parseConfigText } from '../../../runtime/config/config.js';
import { decide, type ThreadInfo } from '../../../runtime/decide/accept.js';

const config = parseConfigText(
  'agents:\n  maya: {}\n  oliver: {}\n  legal: {}\n  cfo: {}\ngroups:\n  finance: [cfo, maya]\n',
  'mailroom.yaml',
);

class Bus {
  board: Board = emptyBoard();
  threads = new Map<string, ThreadInfo>();
  events: BusEvent[] = [];
  private n = 0;
  private seconds = 0;

  /** What the daemon does with one outbox file: decide, then fold. Returns the event or the Rejection. */
  send(sender: string, text: string): MessageAccepted | Rejection {
    const id = `m${String(++this.n).padStart(11, '0')}`;
    const now = new Date(Date.UTC(2026, 10, 24, 9, 0, this.seconds++)).toISOString();
    try {
      const fields = decide(
        { bytes: new TextEncoder().encode(text), sender, source: 'outbox', origin: 'x.md' },
        { config, board: this.board, threads: this.threads, maxHops: 3 },
        id,
        now,
      );
      const e = { ...fields, seq: this.events.length + 1 } as MessageAccepted;
      this.events.push(e);
      this.board = apply(this.board, e);
      this.threads.set(e.id, { thread: e.thread, hops: e.hops, from: e.from });
      return e;
    } catch (err) {
      if (err instanceof Rejection) return err;
      throw err;
    }
  }

  ok(sender: string, text: string): MessageAccepted {
    const r = this.send(sender, text);
    if (r instanceof Rejection) throw new Error(`unexpected rejection: ${r.message}`);
    return r;
  }

  no(sender: string, text: string): Rejection {
    const r = this.send(sender, text);
    if (!(r instanceof Rejection)) throw new Error(`expected a rejection, got ${r.id}`);
    return r;
  }
}

describe('decide + fold', () => {
  it('stamps from the outbox it came from and refuses a forged from:', () => {
    const bus = new Bus();
    expect(bus.ok('maya', '---\nto: legal\n---\nhi\n')).toMatchObject({
      from: 'maya',
      to: ['legal'],
      priority: 'normal',
      hops: 0,
    });
    expect(bus.no('maya', '---\nfrom: cfo\nto: legal\n---\n').message).toMatch(
      /from: says "cfo" but the file was in maya's outbox/,
    );
  });

  it('creates tasks T-1, T-2 with the single recipient as owner, none for a group', () => {
    const bus = new Bus();
    bus.ok('maya', '---\nto: legal\nkind: task\nsubject: Review NDA\npriority: high\n---\n');
    bus.ok('oliver', '---\nto: finance\nkind: task\nsubject: Close Q3\n---\n');
    expect(bus.board.tasks.map((t) => [t.id, t.title, t.owner, t.creator, t.status, t.priority])).toEqual([
      ['T-1', 'Review NDA', 'legal', 'maya', 'open', 'high'],
      ['T-2', 'Close Q3', null, 'oliver', 'open', 'normal'],
    ]);
  });

  it('lets the first in_progress claim an unowned task and bounces the second, naming task and owner', () => {
    const bus = new Bus();
    bus.ok('oliver', '---\nto: [cfo, maya]\nkind: task\nsubject: Pay invoice\n---\n');
    const claim = bus.ok('cfo', '---\ntask: T-1\nstatus: in_progress\n---\n');
    expect(claim.to).toEqual(['oliver']); // no to: -> the creator
    const r = bus.no('maya', '---\ntask: T-1\nstatus: in_progress\n---\n');
    expect(r.message).toMatch(/task T-1 \("Pay invoice"\) is owned by cfo/);
    expect(bus.board.tasks[0]).toMatchObject({ owner: 'cfo', status: 'in_progress' });
    bus.ok('cfo', '---\ntask: T-1\nstatus: done\n---\n');
    expect(bus.board.tasks[0]!.status).toBe('done');
    expect(bus.no('cfo', '---\ntask: T-1\nstatus: in_progress\n---\n').message).toMatch(/already done/);
  });

  it('refuses a claim by someone the task was not sent to, and an unknown task', () => {
    const bus = new Bus();
    bus.ok('maya', '---\nto: [legal, cfo]\nkind: task\nsubject: Sign\n---\n');
    expect(bus.no('oliver', '---\ntask: T-1\nstatus: in_progress\n---\n').message).toMatch(
      /was sent to cfo, legal; only they or its creator maya/,
    );
    expect(bus.no('oliver', '---\ntask: T-9\nstatus: done\n---\n').message).toMatch(
      /task T-9 does not exist \(the board has T-1 to T-1\)/,
    );
  });

  it('threads replies and stops a loop at the hop limit', () => {
    const bus = new Bus();
    let last = bus.ok('maya', '---\nto: oliver\n---\n');
    const first = last.id;
    for (let hop = 1; hop <= 3; hop++) {
      last = bus.ok(
        hop % 2 ? 'oliver' : 'maya',
        `---\nto: ${hop % 2 ? 'maya' : 'oliver'}\nreply_to: ${last.id}\n---\n`,
      );
      expect(last).toMatchObject({ thread: first, hops: hop });
    }
    expect(bus.no('oliver', `---\nto: maya\nreply_to: ${last.id}\n---\n`).message).toMatch(
      /hop 4 of thread .*over the limit of 3.*loop/,
    );
    expect(bus.no('oliver', '---\nto: maya\nreply_to: zzzzzzzzzzzz\n---\n').message).toMatch(/names no message/);
  });

  it('folds to the same board from the log alone (rebuild)', () => {
    const bus = new Bus();
    bus.ok('maya', '---\nto: legal\nkind: task\nsubject: A\npriority: low\n---\n');
    bus.ok('maya', '---\nto: [legal, cfo]\nkind: task\nsubject: B\npriority: critical\n---\n');
    bus.ok('cfo', '---\ntask: T-2\nstatus: in_progress\n---\n');
    bus.ok('legal', '---\ntask: T-1\nstatus: blocked\n---\n');
    const rebuilt = foldBoard(JSON.parse(JSON.stringify(bus.events)) as BusEvent[]);
    expect(renderBoardMd(rebuilt)).toBe(renderBoardMd(bus.board));
    expect(renderBoardJson(rebuilt)).toBe(renderBoardJson(bus.board));
  });
});

describe('rendering', () => {
  function board(): Board {
    const bus = new Bus();
    bus.ok('maya', '---\nto: legal\nkind: task\nsubject: Low thing\npriority: low\n---\n');
    bus.ok('maya', '---\nto: [legal, cfo]\nkind: task\nsubject: Fire | now\npriority: critical\n---\n');
    bus.ok('oliver', '---\nto: legal\nkind: task\nsubject: Done soon\n---\n');
    bus.ok('legal', '---\ntask: T-3\nstatus: done\n---\n');
    return bus.board;
  }

  it('BOARD.md groups by status, most urgent first, with owner and absolute UTC times; the CLI view shows ages to now', () => {
    const md = renderBoardMd(board());
    const open = md.slice(md.indexOf('## open'), md.indexOf('## in_progress'));
    expect(open.indexOf('T-2')).toBeLessThan(open.indexOf('T-1'));
    expect(open).toContain('| id | score | priority | title | owner | creator | created (UTC) | updated (UTC) |');
    expect(open).toContain(
      '| T-2 | 400 | critical | Fire \\| now | (unclaimed: cfo, legal) | maya | 2026-11-24 09:00:01Z | 2026-11-24 09:00:01Z |',
    );
    const view = renderBoardMd(board(), { now: Date.parse('2026-11-24T09:22:01.000Z') });
    expect(view).toContain('| T-2 | 400 | critical | Fire \\| now | (unclaimed: cfo, legal) | maya | 22m | 22m ago |');
    expect(md).toMatch(/## done \(1\)[\s\S]*\| T-3 \|/);
    expect(md).toContain('as of 2026-11-24T09:00:03.000Z');
  });

  it('board.json has the contract fields', () => {
    const json = boardJson(board());
    expect(Object.keys(json.tasks[0]!)).toEqual(
      expect.arrayContaining(['id', 'title', 'status', 'owner', 'creator', 'priority', 'created', 'updated']),
    );
    expect(json.tasks.map((t) => t.id)).toEqual(['T-1', 'T-2', 'T-3']);
  });

  it('a brief lists what an agent owns, may claim, and created', () => {
    const b = renderBrief(board(), 'legal');
    expect(b).toMatch(/## Your tasks \(1\)\n\n- T-1 \[low\] Low thing/);
    expect(b).toMatch(/## Tasks you may claim \(1\)\n\n- T-2 \[critical\]/);
    expect(renderBrief(board(), 'maya')).toMatch(/## Tasks you created \(2\)/);
  });

  it('costs add up per agent and day', () => {
    let b = emptyBoard();
    const usage = { input_tokens: 100, output_tokens: 50, cost_usd: 0.1 };
    for (const [time, agent] of [
      ['2026-11-24T10:00:00.000Z', 'cfo'],
      ['2026-11-24T11:00:00.000Z', 'cfo'],
      ['2026-11-25T00:00:01.000Z', 'legal'],
    ] as const) {
      b = apply(b, { seq: 1, time, type: 'handler.succeeded', id: 'x', agent, attempt: 1, duration_ms: 5, usage });
    }
    expect(b.costs.cfo!['2026-11-24']).toEqual({ runs: 2, input_tokens: 200, output_tokens: 100, cost_usd: 0.2 });
    expect(b.costs.legal!['2026-11-25']!.runs).toBe(1);
    expect(costLine(b)).toMatch(/0\.3/);
  });
});
