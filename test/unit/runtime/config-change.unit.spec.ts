import { describe, expect, it } from 'vitest';
import { parseConfigText, type OrgConfig } from '../../../runtime/config/config.js';
import {
  configChange,
  recordedAsOwn,
  type ConfigKnown,
  type ConfigSeen,
} from '../../../runtime/decide/config-change.js';

const TWO = 'agents:\n  cfo: {}\n  legal: {}\n';
const ONE = 'agents:\n  cfo: {}\n';
const BAD = 'agents:\n  cfo: {}\nnot_a_key: 1\n';
const seen = (text: string, sha = `sha-${text.length}`): ConfigSeen => {
  try {
    return { text, sha, parsed: parseConfigText(text, 'mailroom.yaml') };
  } catch (err) {
    return { text, sha, parsed: { problems: (err as { problems?: string[] }).problems ?? [String(err)] } };
  }
};
const latest = (text: string | null, version = 3, sha = 'sha-old') => ({ version, sha256: sha, text });
const known = (o: Partial<ConfigKnown> = {}): ConfigKnown => ({
  running: TWO,
  refusedSha: null,
  latest: latest(TWO),
  ...o,
});

describe('configChange: what an edit of mailroom.yaml means', () => {
  const cases: Array<[string, ConfigSeen, ConfigKnown, string, Record<string, unknown>]> = [
    ['the running text: unchanged', seen(TWO), known(), 'unchanged', { refusedSha: null }],
    [
      'back to the running text after a refusal: unchanged, the refusal forgotten',
      seen(TWO),
      known({ refusedSha: 'sha-x' }),
      'unchanged',
      { refusedSha: null },
    ],
    ['an invalid edit: refused with its problems', seen(BAD, 'sha-bad'), known(), 'refuse', { refusedSha: 'sha-bad' }],
    [
      'the same invalid edit again: unchanged (said once)',
      seen(BAD, 'sha-bad'),
      known({ refusedSha: 'sha-bad' }),
      'unchanged',
      { refusedSha: 'sha-bad' },
    ],
    [
      'another invalid edit after a refusal: refused again',
      seen(BAD + '# x\n', 'sha-bad2'),
      known({ refusedSha: 'sha-bad' }),
      'refuse',
      { refusedSha: 'sha-bad2' },
    ],
    [
      'a valid edit that removes an agent: applied, with the removal and the way back',
      seen(ONE),
      known(),
      'apply',
      { removals: ['removes 1 of 2 agents: legal'], previous: 3 },
    ],
    [
      'a valid edit that adds: applied, nothing removed',
      seen(TWO + '  ops: {}\n'),
      known(),
      'apply',
      { removals: [], previous: 3 },
    ],
    [
      'a valid edit already recorded (by `mailroom config`): applied, nothing to record',
      seen(ONE, 'sha-same'),
      known({ latest: latest(TWO, 4, 'sha-same') }),
      'apply',
      { record: null },
    ],
    [
      'start-up with no history: applied, the first version',
      seen(TWO),
      known({ running: null, latest: null }),
      'apply',
      { removals: [], previous: null, summary: 'the config as first seen by the daemon' },
    ],
    [
      'start-up, the latest version unreadable: applied, no diff',
      seen(ONE),
      known({ running: null, latest: latest(null) }),
      'apply',
      { removals: [], previous: 3, summary: 'the config as first seen by the daemon' },
    ],
  ];
  for (const [name, s, k, kind, expected] of cases) {
    it(name, () => {
      const c = configChange(s, k);
      expect(c.kind).toBe(kind);
      if (c.kind === 'refuse') {
        expect(c.problems.join('\n')).toMatch(/not_a_key/);
        expect(c.refusedSha).toBe(expected.refusedSha);
      } else if (c.kind === 'unchanged') {
        expect(c.refusedSha).toBe(expected.refusedSha);
      } else {
        expect((c.config as OrgConfig).agents).toBeDefined();
        if ('record' in expected) expect(c.record).toBe(expected.record);
        else {
          expect(c.record?.previous).toBe(expected.previous);
          expect(c.record?.removals.map((r) => r.replace(/\.$/, ''))).toEqual(expected.removals);
          if (expected.summary) expect(c.record?.summary).toBe(expected.summary);
        }
      }
    });
  }

  const own: Array<[string, { version: number; author: string }, number | null, boolean]> = [
    ['recorded as the next version by this author', { version: 4, author: 'hand-edit' }, 3, true],
    ['someone else recorded it meanwhile', { version: 4, author: 'alice' }, 3, false],
    ['a later version: another edit came first', { version: 5, author: 'hand-edit' }, 3, false],
    ['the first version', { version: 1, author: 'hand-edit' }, null, true],
  ];
  for (const [name, recorded, previous, expected] of own) {
    it(`recordedAsOwn: ${name}`, () =>
      expect(recordedAsOwn(recorded, { summary: '', removals: [], previous }, 'hand-edit')).toBe(expected));
  }
});
