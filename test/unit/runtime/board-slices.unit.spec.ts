/**
 * A large board's render in slices (runtime/daemon/board-slices.ts): a slice waits while mail is
 * in flight, but not for ever; a superseded render stops at its next pause; the pieces a render
 * hands over are the texts of the whole render; a staged file is renamed over its target with the
 * target's mode, or dropped; the copy a render works on does not move with the board.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { busyBriefs } from '../../../board/brief.js';
import { apply, emptyBoard, type Board } from '../../../board/fold.js';
import { SHOW_ALL } from '../../../board/done.js';
import { renderBoardJson, renderBoardMd } from '../../../board/render.js';
import type { BusEvent } from '../../../bus/events.js';
import {
  MAIL_FIRST_MS,
  renderCopy,
  renderSteps,
  runSliced,
  SLICE_MS,
  StagedFile,
  Superseded,
  type Pace,
} from '../../../runtime/daemon/board-slices.js';
import { syntheticEvents } from '../../../scripts/bench/synthetic.js';
import { prng } from '../../support/random.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-slices-'));
  dirs.push(d);
  return d;
}

/** A step that keeps the thread busy past a slice, so that each is followed by a pause. */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('runSliced', () => {
  it('runs no slice while mail is in flight, then goes on', async () => {
    let inFlight = 3; // the next three looks find mail in flight
    const looks: number[] = [];
    const pace: Pace = { mailPending: () => inFlight-- > 0, superseded: () => false, ms: 0 };
    function* steps() {
      for (let i = 0; i < 3; i++) {
        looks.push(inFlight);
        busyFor(SLICE_MS + 1);
        yield;
      }
    }
    await runSliced(steps(), pace);
    // The first step ran at once; the second only after the three looks that found mail (and the one that did not).
    expect(looks).toEqual([3, -1, -2]);
    expect(pace.ms).toBeGreaterThanOrEqual(3 * SLICE_MS);
  });

  it('goes on after MAIL_FIRST_MS however long mail keeps coming', async () => {
    const pace: Pace = { mailPending: () => true, superseded: () => false, ms: 0 };
    let ran = 0;
    const t0 = performance.now();
    await runSliced(
      (function* () {
        for (; ran < 2; ran++) yield busyFor(SLICE_MS + 1);
      })(),
      pace,
    );
    expect(ran).toBe(2);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(MAIL_FIRST_MS);
  });

  it('stops a superseded render at its next pause', async () => {
    let superseded = false;
    const ran: number[] = [];
    const pace: Pace = { mailPending: () => false, superseded: () => superseded, ms: 0 };
    const run = runSliced(
      (function* () {
        for (let i = 0; i < 5; i++) {
          ran.push(i);
          superseded = i === 1;
          yield busyFor(SLICE_MS + 1);
        }
      })(),
      pace,
    );
    await expect(run).rejects.toBeInstanceOf(Superseded);
    expect(ran).toEqual([0, 1]);
  });
});

function board(seed: number, n: number): Board {
  const b = emptyBoard();
  let count = 0;
  for (const e of syntheticEvents({
    rng: prng(seed),
    agents: ['ann', 'bob', 'cfo'],
    start: Date.parse('2026-01-28T00:00:00Z'),
    stepMs: 60_000,
    textBytes: 10,
  }) as Iterable<BusEvent>) {
    apply(b, e);
    if (++count >= n) break;
  }
  return b;
}

describe('renderSteps', () => {
  it('hands over the texts of the whole render, piece by piece', () => {
    const b = board(4, 5_000);
    const DAY = 86_400_000;
    for (const done of [SHOW_ALL, { after: DAY, max: Infinity }, { after: DAY, max: 50 }]) {
      const md: string[] = [];
      const json: string[] = [];
      const briefs = new Map<string, string>();
      const to = {
        md: (p: string) => md.push(p),
        json: (p: string) => json.push(p),
        brief: (a: string, t: string) => briefs.set(a, t),
      };
      const facts = { held: {}, parent: {} };
      const steps = [...renderSteps(b, facts, done, to)].length;
      expect(md.join('')).toBe(renderBoardMd(b, { done }));
      expect(json.join('')).toBe(renderBoardJson(b, done));
      expect(briefs).toEqual(busyBriefs(b, facts));
      expect(steps).toBeGreaterThan(md.length + json.length + briefs.size);
    }
  });

  it('works on a copy that folding the board further does not change', () => {
    const b = board(5, 2_000);
    const copy = renderCopy(b);
    const before = renderBoardMd(copy);
    const open = b.tasks.find((t) => t.status === 'open')!;
    apply(b, {
      seq: 1_000_000,
      type: 'message.accepted',
      time: '2026-03-01T00:00:00.000Z',
      id: 'm99999999999',
      from: open.owner ?? open.recipients[0]!,
      to: [open.creator],
      priority: 'normal',
      kind: 'message',
      thread: open.thread ?? 'm99999999999',
      hops: 0,
      source: 'outbox',
      task: open.id,
      status: 'done',
      text: '---\nid: x\n---\nDone.\n',
    } as BusEvent);
    expect(b.tasks.find((t) => t.id === open.id)!.status).toBe('done');
    expect(renderBoardMd(copy)).toBe(before);
  });
});

describe('StagedFile', () => {
  it('is renamed over its target with the mode the target had, or dropped', () => {
    const d = tmp();
    const target = path.join(d, 'BOARD.md');
    fs.writeFileSync(target, 'old\n');
    fs.chmodSync(target, 0o640);
    const a = new StagedFile(path.join(d, 'a.tmp'), target);
    a.write('new ');
    a.write('text\n');
    expect(fs.readFileSync(target, 'utf8')).toBe('old\n');
    a.commit();
    a.discard(); // after a commit: nothing to drop
    expect(fs.readFileSync(target, 'utf8')).toBe('new text\n');
    expect(fs.statSync(target).mode & 0o777).toBe(0o640);
    const b = new StagedFile(path.join(d, 'b.tmp'), target);
    b.write('never\n');
    b.discard();
    expect(fs.readFileSync(target, 'utf8')).toBe('new text\n');
    expect(fs.readdirSync(d)).toEqual(['BOARD.md']);
  });
});
