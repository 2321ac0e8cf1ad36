/** File names that are not UTF-8: carried by their bytes, shown escaped. */
import { describe, expect, it } from 'vitest';
import { candidateBytes, escapeRawName, isUtf8Name, rawCandidate } from '../../../bus/names.js';

describe('raw names', () => {
  const table: Array<{ what: string; bytes: Buffer; shown: string; utf8: boolean }> = [
    { what: 'plain ASCII', bytes: Buffer.from('report.md'), shown: 'report.md', utf8: true },
    { what: 'valid UTF-8', bytes: Buffer.from('Ünïcødé ✓.md'), shown: 'Ünïcødé ✓.md', utf8: true },
    { what: 'a Latin-1 byte', bytes: Buffer.from([0x72, 0xe9, 0x2e, 0x6d, 0x64]), shown: 'r\\xe9.md', utf8: false },
    {
      what: 'a lone continuation byte and a backslash',
      bytes: Buffer.from([0x5c, 0x80, 0x61]),
      shown: '\\\\\\x80a',
      utf8: false,
    },
    {
      what: 'a truncated 3-byte character then valid text',
      bytes: Buffer.concat([Buffer.from([0xe2, 0x9c]), Buffer.from('ok ✓')]),
      shown: '\\xe2\\x9cok ✓',
      utf8: false,
    },
    { what: 'an overlong encoding of /', bytes: Buffer.from([0xc0, 0xaf]), shown: '\\xc0\\xaf', utf8: false },
  ];
  for (const t of table) {
    it(t.what, () => {
      expect(isUtf8Name(t.bytes)).toBe(t.utf8);
      expect(escapeRawName(t.bytes)).toBe(t.shown);
      const c = rawCandidate(t.bytes);
      if (t.utf8) {
        expect(c).toBe(t.shown);
        expect(candidateBytes(c)).toBeNull();
      } else {
        expect(c.startsWith('\0')).toBe(true);
        expect(candidateBytes(c)!.equals(t.bytes)).toBe(true);
      }
    });
  }
});
