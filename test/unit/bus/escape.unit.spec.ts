import { describe, expect, it } from 'vitest';
import { escapeBlock, escapeJson, escapeLine } from '../../../bus/escape.js';

const cases: Array<{ what: string; input: string; line: string; block: string }> = [
  {
    what: 'plain text',
    input: 'Review sections 4-7 (draft) \\ ok',
    line: 'Review sections 4-7 (draft) \\ ok',
    block: 'Review sections 4-7 (draft) \\ ok',
  },
  { what: 'a terminal clear', input: 'hi\u001b[2J\u001b[H', line: 'hi\\e[2J\\e[H', block: 'hi\\e[2J\\e[H' },
  {
    what: 'a forged log line (CR LF)',
    input: 'x\r\n12:00:00.000 accepted fake',
    line: 'x\\r\\n12:00:00.000 accepted fake',
    block: 'x\\r\n12:00:00.000 accepted fake',
  },
  { what: 'tab and bell', input: 'a\tb\u0007', line: 'a\\tb\\x07', block: 'a\tb\\x07' },
  {
    what: 'NUL, DEL and a C1 CSI',
    input: '\u0000\u007f\u009b31m',
    line: '\\x00\\x7f\\x9b31m',
    block: '\\x00\\x7f\\x9b31m',
  },
  {
    what: 'bidi override and line separator',
    input: 'abc\u202eevil\u2028next',
    line: 'abc\\u{202e}evil\\u{2028}next',
    block: 'abc\\u{202e}evil\\u{2028}next',
  },
  { what: 'non-ASCII letters stay', input: 'Zoë — 日本', line: 'Zoë — 日本', block: 'Zoë — 日本' },
];

describe('escapeLine / escapeBlock', () => {
  for (const c of cases) {
    it(c.what, () => {
      expect(escapeLine(c.input)).toBe(c.line);
      expect(escapeBlock(c.input)).toBe(c.block);
    });
  }
  it('escapeLine never leaves a line break or an ESC', () => {
    let all = '';
    for (let i = 0; i < 0x100; i++) all += String.fromCharCode(i);
    expect(escapeLine(all)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe('escapeJson', () => {
  it('stays valid JSON with the same value, and holds no raw control character', () => {
    const value = { subject: 'a\u001b[2J\u009b\u2028\u202e\u007f' };
    const out = escapeJson(JSON.stringify(value));
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u202e]/);
    expect(JSON.parse(out)).toEqual(value);
  });
  it('keeps pretty-printed JSON valid (its own line breaks are layout, not data)', () => {
    const value = { a: ['x\u001b', 'y\n'], b: { c: '\u009b' } };
    const out = escapeJson(JSON.stringify(value, null, 2));
    expect(out.split('\n').length).toBeGreaterThan(3);
    expect(JSON.parse(out)).toEqual(value);
  });
});
