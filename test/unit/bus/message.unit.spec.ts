import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { frontMatterText } from '../../../bus/front-matter.js';
import { decodeText, hasPathCharacters, parseMessage, readStamped, stampMessage } from '../../../bus/message.js';
import { Rejection } from '../../../bus/rejection.js';

const MiB = 1_048_576;
const bytes = (s: string) => new TextEncoder().encode(s);
const parse = (s: string) => parseMessage(bytes(s), MiB);

function rejection(fn: () => unknown): Rejection {
  try {
    fn();
  } catch (err) {
    if (err instanceof Rejection) return err;
    throw err;
  }
  throw new Error('expected a Rejection');
}

describe('parseMessage', () => {
  it('reads the keys, defaults priority to normal and kind to message', () => {
    const d = parse('---\nto: legal\nsubject: Review the NDA\n---\nPlease.\n');
    expect(d).toMatchObject({
      to: ['legal'],
      priority: 'normal',
      kind: 'message',
      subject: 'Review the NDA',
      body: 'Please.\n',
    });
  });

  it('takes a list, a group name or * in to:', () => {
    expect(parse('---\nto: [legal, cfo]\n---\n').to).toEqual(['legal', 'cfo']);
    expect(parse('---\nto: "*"\n---\n').to).toEqual(['*']);
  });

  it.each([
    ['an empty file', '', /empty/],
    ['no front matter', 'hello\n', /no front matter/],
    ['front matter never closed', '---\nto: x\n', /never closed/],
    ['invalid YAML', '---\nto: [legal\n---\n', /not valid YAML/],
    ['a JS front matter', '---js\n{ to: "x" }\n---\n', /never evaluates code/],
    ['a JSON front matter', '---json\n{"to": "x"}\n---\n', /never evaluates code|not accepted/],
    ['a list instead of keys', '---\n- to\n---\n', /mapping/],
    ['an unknown key', '---\nto: legal\nurgency: high\n---\n', /unknown key "urgency"/],
    [
      'priority urgent',
      '---\nto: legal\npriority: urgent\n---\n',
      /unknown priority "urgent".*critical, high, normal, low/,
    ],
    ['priority P1', '---\nto: legal\npriority: P1\n---\n', /unknown priority "P1"/],
    ['a path in to:', '---\nto: ../cfo\n---\n', /path characters/],
    ['a slash in to:', '---\nto: legal/inbox\n---\n', /path characters/],
    ['an empty to: list', '---\nto: []\n---\n', /empty list/],
    ['status without task', '---\nto: legal\nstatus: done\n---\n', /task: is missing/],
    ['a bad task id', '---\ntask: 12\nstatus: done\n---\n', /must be text|not a task id/],
    ['an unknown status', '---\ntask: T-1\nstatus: finished\n---\n', /unknown status "finished"/],
    ['a due that is no date', '---\nto: legal\ndue: soon\n---\n', /not a date/],
    ['an absolute attachment', '---\nto: legal\nattachments: [/etc/passwd]\n---\n', /absolute path/],
    ['__proto__ as a key', '---\n__proto__: {}\nto: legal\n---\n', /not allowed|unknown key/],
  ])('rejects %s, saying what and how to fix it', (_what, text, reason) => {
    const r = rejection(() => parse(text));
    expect(r.message).toMatch(reason);
    expect(r.fix.length).toBeGreaterThan(10);
  });

  it('rejects binary, non-UTF-8 and oversized bytes before parsing', () => {
    expect(rejection(() => decodeText(new Uint8Array([0x2d, 0, 0x2d]), MiB)).message).toMatch(/NUL/);
    expect(rejection(() => decodeText(new Uint8Array([0xff, 0xfe, 0x41]), MiB)).message).toMatch(/UTF-8/);
    expect(rejection(() => decodeText(new Uint8Array(101), 100)).message).toMatch(/101 bytes, over the limit of 100/);
  });

  it('tells names from paths', () => {
    for (const n of ['../x', 'a/b', 'a\\b', '..', '.']) expect(hasPathCharacters(n)).toBe(true);
    for (const n of ['legal', 'cfo-2', 'x.y']) expect(hasPathCharacters(n)).toBe(false);
  });
});

describe('stampMessage', () => {
  it('puts the stamped keys in front and keeps the body byte for byte', () => {
    const draft = parse('---\nto: legal\nsubject: "Q3: numbers"\npriority: high\n---\n# Body\n\nwith --- inside\n');
    const text = stampMessage(draft, {
      id: 'abc123def456',
      from: 'maya',
      to: ['legal'],
      sent: '2026-11-24T00:00:00.000Z',
      thread: 'abc123def456',
      hops: 0,
    });
    expect(text.startsWith('---\nid: abc123def456\nfrom: maya\nto: legal\npriority: high\n')).toBe(true);
    expect(text.endsWith('---\n# Body\n\nwith --- inside\n')).toBe(true);
    expect(readStamped(text)).toMatchObject({
      id: 'abc123def456',
      from: 'maya',
      subject: 'Q3: numbers',
      thread: 'abc123def456',
      hops: 0,
    });
    // A stamped text parses again as a message (stamped keys are allowed on input).
    expect(parse(text).subject).toBe('Q3: numbers');
  });

  it('names a new task and rewrites attachment paths to the inbox copy', () => {
    const draft = parse('---\nto: legal\nkind: task\nattachments: [drafts/nda.pdf]\n---\n');
    const text = stampMessage(draft, {
      id: 'abc123def456',
      from: 'maya',
      to: ['legal'],
      sent: '2026-11-24T00:00:00.000Z',
      thread: 'abc123def456',
      hops: 0,
      taskId: 'T-7',
    });
    expect(readStamped(text)).toMatchObject({
      kind: 'task',
      task: 'T-7',
      attachments: ['attachments/abc123def456/nda.pdf'],
    });
  });
});

describe('frontMatterText (the fast stamped front matter)', () => {
  const cases: Array<Record<string, unknown>> = [
    {
      id: 'abc123def456',
      from: 'maya',
      to: 'legal',
      priority: 'high',
      subject: 'Review the NDA',
      thread: 'abc123def456',
      hops: 0,
      sent: '2026-11-24T00:00:00.000Z',
    },
    { id: '123456789012', from: 'operator', to: ['legal', 'cfo'], subject: 'Q3: numbers # and more' },
    { id: '1e5678901234', subject: 'true' },
    { id: '0x1f2e3d4c5b6a', subject: '12.5' },
    { id: '0o1234567012', subject: '2026' },
    { id: '9abcdefghijk', subject: '3 apples' },
    { subject: 'null' },
    { subject: 'Ünïcødé ✓ "quoted" \\ back' },
    { subject: "it's (mostly) fine, really." },
    { subject: '- starts like a list' },
    { subject: 'ends with a space ' },
    { subject: '  leading spaces' },
    { subject: 'tab\there and\nnewline' },
    { subject: 'C1 control \u0085 here' },
    { subject: 'yes' },
    { subject: '' },
    { attachments: ['attachments/abc123def456/report.pdf', 'attachments/abc123def456/a b.txt'] },
    { due: '2026-11-27' },
    { task: 'T-12', status: 'in_progress' },
  ];

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('reads back exactly: %s', (_name, fm) => {
    const text = frontMatterText(fm);
    expect(YAML.parse(text, { schema: 'core' })).toEqual(fm);
  });

  it('writes the same text as the yaml package for everyday values', () => {
    for (const fm of cases.slice(0, 5).concat(cases.slice(16)))
      expect(frontMatterText(fm)).toBe(YAML.stringify(fm, { lineWidth: 0 }));
  });
});
