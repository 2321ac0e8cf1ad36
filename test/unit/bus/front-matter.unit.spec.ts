import { describe, expect, it } from 'vitest';
import { readFrontMatter, splitFrontMatter, verbatimSubject } from '../../../bus/front-matter.js';
import { Rejection } from '../../../bus/rejection.js';

const read = (text: string) => readFrontMatter(splitFrontMatter(text));
const crlf = (s: string) => s.replace(/\n/g, '\r\n');

describe('splitFrontMatter', () => {
  it.each([
    ['LF, closed by ---', '---\nto: legal\n---\nbody\n', 'to: legal', 'body\n'],
    ['CRLF, closed by ---', '---\r\nto: legal\r\n---\r\nbody\r\n', 'to: legal', 'body\r\n'],
    ['LF, closed by ...', '---\nto: legal\n...\nbody\n', 'to: legal', 'body\n'],
    ['CRLF, closed by ...', '---\r\nto: legal\r\n...\r\nbody\r\n', 'to: legal', 'body\r\n'],
    ['an empty block', '---\n---\n', '', ''],
    ['--- in the body stays in the body', '---\nto: a\n---\nx\n---\ny\n', 'to: a', 'x\n---\ny\n'],
  ])('%s', (_what, text, fm, body) => {
    expect(splitFrontMatter(text)).toEqual({ frontMatter: fm, body });
  });

  it.each([
    ['no opening line', 'to: a\n---\n', /no front matter/],
    ['never closed', '---\nto: a\n', /never closed/],
    ['an ambiguous ---- line', '---\nto: a\n----\n', /not exactly ---/],
    ['a js block', '---js\n1\n---\n', /never evaluates code/],
  ])('rejects %s', (_what, text, reason) => {
    expect(() => splitFrontMatter(text)).toThrow(Rejection);
    expect(() => splitFrontMatter(text)).toThrow(reason);
  });
});

describe('CRLF with each key last: no value keeps its \\r', () => {
  const keys: Array<[string, string, unknown]> = [
    ['to', 'legal', 'legal'],
    ['priority', 'high', 'high'],
    ['subject', 'Re: the contract', 'Re: the contract'],
    ['kind', 'task', 'task'],
    ['due', '2026-11-27', '2026-11-27'],
    ['reply_to', 'k3x9p2qa7b1c', 'k3x9p2qa7b1c'],
  ];
  it.each(keys.map(([k]) => [k]))('%s last', (last) => {
    const lines = [...keys.filter(([k]) => k !== last), ...keys.filter(([k]) => k === last)].map(
      ([k, v]) => `${k}: ${v}`,
    );
    for (const close of ['---', '...']) {
      const data = read(crlf(`---\n${lines.join('\n')}\n${close}\nbody\n`));
      for (const [k, , want] of keys) expect(data[k], `${k} (closed by ${close})`).toBe(want);
    }
  });
});

describe('the subject rule: whatever follows subject: on its line', () => {
  it.each([
    ['Re: the contract', 'Re: the contract'],
    ['Re: Re: Fwd: numbers', 'Re: Re: Fwd: numbers'],
    ['12345', '12345'],
    ['3.14', '3.14'],
    ['true', 'true'],
    ['null', 'null'],
    ['#tag', '#tag'],
    ['Review # section 4', 'Review # section 4'],
    ['[draft] the plan', '[draft] the plan'],
    ['{not: a map}', '{not: a map}'],
    ['- a dash', '- a dash'],
    ['*bold* & @someone !important %done', '*bold* & @someone !important %done'],
    ["'tis the season", "'tis the season"],
    ['"Re: x" and more', '"Re: x" and more'],
    ['  spaces around  ', 'spaces around'],
    ['Ünïcødé ✓', 'Ünïcødé ✓'],
    // Quoted: YAML's meaning is kept (what mailroom itself writes when it stamps).
    ['"Q3: numbers"', 'Q3: numbers'],
    ['"quoted" # a comment', 'quoted'],
    ["'single: quoted'", 'single: quoted'],
    ["'it''s'", "it's"],
    ['"tab\\there"', 'tab\there'],
    ['"12345"', '12345'],
  ])('subject: %s', (raw, want) => {
    expect(read(`---\nto: legal\nsubject: ${raw}\n---\n`).subject).toBe(want);
  });

  it('leaves an empty value and block scalars to YAML', () => {
    expect(read('---\nsubject:\n---\n').subject).toBeNull();
    expect(read('---\nsubject: |\n  two\n  lines\n---\n').subject).toBe('two\nlines\n');
    expect(read('---\nsubject: >-\n  folded\n  text\n---\n').subject).toBe('folded text');
  });

  it('has no length limit of its own', () => {
    const long = 'x'.repeat(10_000);
    expect(read(`---\nsubject: ${long}\n---\n`).subject).toBe(long);
  });

  it('only touches top-level subject: lines', () => {
    expect(verbatimSubject('to: a\n  subject: nested')).toBe('to: a\n  subject: nested');
    expect(verbatimSubject('to: a')).toBe('to: a');
    expect(verbatimSubject('subject: Re: x')).toBe('subject: "Re: x"');
  });

  it('still refuses two subjects', () => {
    expect(() => read('---\nsubject: a\nsubject: b\n---\n')).toThrow(/not valid YAML/);
  });
});
