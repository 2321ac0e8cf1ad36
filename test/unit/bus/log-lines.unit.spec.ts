/**
 * The torn-tail rule of the event log, as a table: which bytes of a segment are whole events,
 * where a torn tail begins (what start cuts off), and what is damage instead. One end-to-end
 * case stays in test/int/bus/torn-log.int.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import { endsTorn, LogCorrupt, parseLines } from '../../../bus/store/log-lines.js';

const T = '2026-11-24T00:00:00.000Z';
const ev = (seq: number, type = 'daemon.started') => JSON.stringify({ seq, time: T, type, pid: 1, version: 'x' });
const lines = (...ls: string[]) => ls.map((l) => `${l}\n`).join('');
const GOOD = lines(ev(1), ev(2, 'daemon.stopped'));
const bytes = (s: string) => Buffer.byteLength(s);

interface Case {
  what: string;
  text: string;
  /** seqs read with allowTornTail (the last segment), and where the good part ends. */
  seqs: number[];
  goodBytes: number;
  /** What a strict read (an earlier segment) says: null when it reads the same. */
  strict: RegExp | null;
  /** What doctor says: the text ends in an unterminated line. */
  torn: boolean;
}

const CASES: Case[] = [
  { what: 'an empty segment', text: '', seqs: [], goodBytes: 0, strict: null, torn: false },
  { what: 'whole lines', text: GOOD, seqs: [1, 2], goodBytes: bytes(GOOD), strict: null, torn: false },
  {
    what: 'half a JSON line',
    text: `${GOOD}{"seq":3,"time":"${T}","type":"message.acce`,
    seqs: [1, 2],
    goodBytes: bytes(GOOD),
    strict: /the last line is not terminated/,
    torn: true,
  },
  // A whole event, only its newline missing: still torn (the write did not finish), so its seq must not count.
  {
    what: 'a complete event without its newline',
    text: GOOD + ev(3),
    seqs: [1, 2],
    goodBytes: bytes(GOOD),
    strict: /the last line is not terminated \(a torn write\)/,
    torn: true,
  },
  {
    what: 'a line cut inside a UTF-8 character',
    text:
      GOOD +
      Buffer.concat([
        Buffer.from(`{"seq":3,"time":"${T}","type":"message.accepted","subject":"caf`),
        Buffer.from([0xc3]),
      ]).toString('utf8'),
    seqs: [1, 2],
    goodBytes: bytes(GOOD),
    strict: /not terminated/,
    torn: true,
  },
  {
    what: 'a terminated last line that is not an event',
    text: `${GOOD}{"seq":3}\n`,
    seqs: [1, 2],
    goodBytes: bytes(GOOD),
    strict: new RegExp(`byte ${bytes(GOOD)} holds a line that is not an event`),
    torn: false,
  },
  {
    what: 'multi-byte text before the tail (goodBytes counts bytes, not characters)',
    text: `${lines(JSON.stringify({ seq: 1, time: T, type: 'message.accepted', subject: 'café ☕' }))}{"se`,
    seqs: [1],
    goodBytes: bytes(lines(JSON.stringify({ seq: 1, time: T, type: 'message.accepted', subject: 'café ☕' }))),
    strict: /not terminated/,
    torn: true,
  },
];

describe('parseLines: whole events and the torn tail', () => {
  it.each(CASES.map((c) => [c.what, c] as const))('%s', (_what, c) => {
    const r = parseLines(c.text, 'bus/events/000001.jsonl', true);
    expect(r.events.map((e) => e.seq)).toEqual(c.seqs);
    expect(r.goodBytes).toBe(c.goodBytes);
    expect(endsTorn(c.text)).toBe(c.torn);
    if (c.strict === null) expect(parseLines(c.text, 'x', false)).toEqual(r);
    else expect(() => parseLines(c.text, 'bus/events/000001.jsonl', false)).toThrow(c.strict);
  });

  it.each([
    ['a damaged line before the last', lines(ev(1), 'not json', ev(3))],
    ['an empty line in the middle', lines(ev(1), '', ev(3))],
    [
      'a JSON line that is not an event (unknown type) before the last',
      lines(ev(1), JSON.stringify({ seq: 2, time: T, type: 'bogus' }), ev(3)),
    ],
  ])('%s is damage even in the last segment, named by file and byte', (_what, text) => {
    const at = bytes(lines(ev(1)));
    let err: unknown;
    try {
      parseLines(text, 'bus/events/000002.jsonl', true);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LogCorrupt);
    expect((err as Error).message).toBe(
      `bus/events/000002.jsonl: byte ${at} holds a line that is not an event; the log is damaged there. Move the segment aside and run \`mailroom doctor\``,
    );
  });
});
