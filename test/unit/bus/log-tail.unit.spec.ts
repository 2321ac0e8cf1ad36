/**
 * Reading the live segments backwards (bus/store/log-tail.ts eventsBackwards, the page's read):
 * every event once, newest first, across segments and 256 KB chunks; it stops when told; a torn
 * last line is skipped, a damaged line elsewhere is an error; archived segments are not read.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventsBackwards } from '../../../bus/store/log-tail.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-log-tail-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const PAD = 'x'.repeat(300);
const line = (seq: number) =>
  `${JSON.stringify({ seq, time: '2026-11-30T00:00:00.000Z', type: 'daemon.started', pid: 1, version: PAD })}\n`;

/** bus/events/ with segments of the given seq ranges (inclusive), and an archived one before them. */
function org(name: string, ranges: Array<[number, number]>, lastTail = ''): string {
  const events = path.join(tmp, name, 'bus', 'events');
  fs.mkdirSync(events, { recursive: true });
  fs.mkdirSync(path.join(tmp, name, 'bus', 'archive'));
  fs.writeFileSync(path.join(tmp, name, 'bus', 'archive', '000001.jsonl.gz'), 'not gzip: must not be read');
  ranges.forEach(([a, b], i) => {
    let text = '';
    for (let s = a; s <= b; s++) text += line(s);
    if (i === ranges.length - 1) text += lastTail;
    fs.writeFileSync(path.join(events, `${String(i + 2).padStart(6, '0')}.jsonl`), text);
  });
  return events;
}

function seqs(events: string, stopAfter = Infinity): { seqs: number[]; all: boolean } {
  const out: number[] = [];
  const all = eventsBackwards(events, (e) => out.push(e.seq) < stopAfter);
  return { seqs: out, all };
}

describe('eventsBackwards', () => {
  // ~380 bytes a line: 2,000 lines are ~760 KB, three chunks of 256 KB.
  const dir = org(
    'three',
    [
      [1, 2000],
      [2001, 2010],
      [2011, 4000],
    ],
    '{"seq":4001,"time":"2026-11-30T0',
  );
  const desc = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => b - i);

  it('visits every live event once, newest first, and says it reached the first', () => {
    expect(seqs(dir)).toEqual({ seqs: desc(1, 4000), all: true });
  });
  it.each([1, 7, 1990, 2000, 3995])('stops after %i events', (n) => {
    expect(seqs(dir, n)).toEqual({ seqs: desc(4001 - n, 4000), all: false });
  });
  it('an empty segment is passed over', () => {
    const d = org('empty', [
      [1, 5],
      [6, 5],
    ]);
    expect(seqs(d).seqs).toEqual(desc(1, 5));
  });
  it('a damaged line before the last is an error naming the segment', () => {
    const d = org('damaged', [[1, 3]]);
    const f = path.join(d, '000002.jsonl');
    const lines = fs.readFileSync(f, 'utf8').split('\n');
    lines[1] = 'garbage';
    fs.writeFileSync(f, lines.join('\n'));
    expect(() => seqs(d)).toThrow(/000002\.jsonl/);
  });
});
