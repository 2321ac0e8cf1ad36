import micromatch from 'micromatch';
import { describe, expect, it } from 'vitest';
import { keptName } from '../../../bus/store/deadletter.js';
import { spoolName } from '../../../bus/store/spool.js';
import {
  INBOX_GLOB,
  cutToBytes,
  derivedId,
  fileTime,
  inboxName,
  isId,
  isIgnoredName,
  newId,
  parseInboxName,
  selfCheckNames,
  slugOf,
} from '../../../bus/names.js';
import { PRIORITIES } from '../../../bus/priority.js';

describe('inbox names', () => {
  const sent = '2026-11-24T03:04:05.678Z';

  it('sort most urgent first, then oldest first, under plain ls order', () => {
    const names = [
      inboxName({ priority: 'low', sent, id: 'aaaaaaaaaaaa', subject: 'later' }),
      inboxName({ priority: 'critical', sent: '2026-11-24T09:00:00.000Z', id: 'bbbbbbbbbbbb', subject: 'new fire' }),
      inboxName({ priority: 'critical', sent, id: 'cccccccccccc', subject: 'old fire' }),
      inboxName({ priority: 'normal', sent, id: 'dddddddddddd' }),
    ];
    expect([...names].sort().map((n) => parseInboxName(n)!.slug)).toEqual(['old-fire', 'new-fire', 'message', 'later']);
  });

  it('round-trip through the parser, for every priority', () => {
    for (const priority of PRIORITIES) {
      const name = inboxName({ priority, sent, id: 'abc123def456', subject: 'Review: Q3 numbers!' });
      expect(name).toBe(
        `${PRIORITIES.indexOf(priority)}-${priority}-20261124T030405.678Z-abc123def456-review-q3-numbers.md`,
      );
      expect(parseInboxName(name)).toEqual({ priority, sent, id: 'abc123def456', slug: 'review-q3-numbers' });
      expect(micromatch.isMatch(name, INBOX_GLOB)).toBe(true);
    }
  });

  it('are not recognised when a person names a file by hand', () => {
    for (const n of [
      'draft.md',
      '1-urgent-20261124T030405.678Z-abc123def456-x.md',
      '0-critical-x.md',
      '2-normal-20261124T030405.678Z-ABC123DEF456-x.md',
    ]) {
      expect(parseInboxName(n)).toBeNull();
    }
  });

  it('make a slug of any subject, never empty and never a path', () => {
    expect(slugOf('Ünïcødé ✓ contract')).toBe('unic-de-contract');
    expect(slugOf('Café résumé')).toBe('cafe-resume');
    expect(slugOf('../../etc/passwd')).toBe('etc-passwd');
    expect(slugOf('~~~')).toBe('message');
    expect(slugOf(undefined)).toBe('message');
    expect(slugOf('x'.repeat(300)).length).toBe(40);
  });

  it('pass the start-up self-check', () => {
    expect(selfCheckNames(sent)).toEqual([]);
  });

  it('use file times without colons', () => {
    expect(fileTime(sent)).toBe('20261124T030405.678Z');
  });
});

describe('ids', () => {
  it('are 12 characters of [0-9a-z], fresh each time', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(isId(id)).toBe(true);
  });
  it('derived ids are stable, so a repeat after a crash finds the same name', () => {
    expect(derivedId('bounce', 'abc')).toBe(derivedId('bounce', 'abc'));
    expect(derivedId('bounce', 'abc')).not.toBe(derivedId('alert', 'abc'));
    expect(isId(derivedId('x'))).toBe(true);
  });
});

describe('ignored names', () => {
  it('are dotfiles and editor temp files, never mail', () => {
    for (const n of ['.x.md', '.#draft.md', 'draft.md~', '.draft.md.swp', 'draft.tmp', '4913', '#draft.md#'])
      expect(isIgnoredName(n), n).toBe(true);
    for (const n of ['draft.md', 'notes.txt', 'tmp.md', 'swp']) expect(isIgnoredName(n), n).toBe(false);
  });
});

describe('names that must fit in 255 bytes', () => {
  it('cut on a character boundary', () => {
    expect(cutToBytes('ééé', 5)).toBe('éé');
    expect(cutToBytes('abc', 5)).toBe('abc');
    expect(Buffer.byteLength(cutToBytes('ü'.repeat(200), 201))).toBe(200);
  });
  it('a kept dead letter and its .reason.md fit, whatever the original name', () => {
    const kept = keptName('abc123def456', 'ü'.repeat(126));
    expect(Buffer.byteLength(`${kept}.reason.md`)).toBeLessThanOrEqual(255);
    expect(kept.startsWith('abc123def456-üü')).toBe(true);
    expect(keptName('abc123def456', '.hidden')).toBe('abc123def456-_hidden');
    expect(Buffer.byteLength(spoolName('abc123def456', 'x'.repeat(40), 'é'.repeat(127)))).toBeLessThanOrEqual(255);
  });
});
