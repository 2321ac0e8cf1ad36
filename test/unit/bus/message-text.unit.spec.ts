/** Issue 11, "text is text": what any program writes is read as the writer meant it. */
import { describe, expect, it } from 'vitest';
import { parseMessage, readStamped, stampMessage } from '../../../bus/message.js';
import { Rejection } from '../../../bus/rejection.js';
import { route } from '../../../bus/route.js';

const parse = (s: string) => parseMessage(new TextEncoder().encode(s), 1_048_576);
function rejection(fn: () => unknown): Rejection {
  try {
    fn();
  } catch (err) {
    if (err instanceof Rejection) return err;
    throw err;
  }
  throw new Error('expected a Rejection');
}

describe('parseMessage reads text as written', () => {
  it.each([
    [
      'CRLF, priority last',
      '---\r\nto: legal\r\npriority: high\r\n---\r\nhi\r\n',
      { to: ['legal'], priority: 'high', body: 'hi\r\n' },
    ],
    ['CRLF, to last', '---\r\npriority: low\r\nto: legal\r\n---\r\n', { to: ['legal'], priority: 'low' }],
    ['CRLF, subject last', '---\r\nto: legal\r\nsubject: Re: the contract\r\n---\r\n', { subject: 'Re: the contract' }],
    ['CRLF, kind last', '---\r\nto: legal\r\nkind: task\r\n---\r\n', { kind: 'task' }],
    ['CRLF, status last', '---\r\ntask: T-3\r\nstatus: done\r\n---\r\n', { task: 'T-3', status: 'done' }],
    ['closed by ...', '---\nto: legal\n...\nbody\n', { to: ['legal'], body: 'body\n' }],
    ['a reply subject', '---\nto: legal\nsubject: Re: the contract\n---\n', { subject: 'Re: the contract' }],
    ['a digits subject', '---\nto: legal\nsubject: 12345\n---\n', { subject: '12345' }],
    ['a # subject', '---\nto: legal\nsubject: #tag\n---\n', { subject: '#tag' }],
    ['a quoted subject', '---\nto: legal\nsubject: "Q3: numbers"\n---\n', { subject: 'Q3: numbers' }],
    ['to: a, b', '---\nto: legal, oliver\n---\n', { to: ['legal', 'oliver'] }],
    ['to: a,b', '---\nto: legal,oliver\n---\n', { to: ['legal', 'oliver'] }],
    ['to: [a, b]', '---\nto: [legal, oliver]\n---\n', { to: ['legal', 'oliver'] }],
    ['a 5,000-character subject', `---\nto: legal\nsubject: ${'s'.repeat(5000)}\n---\n`, { subject: 's'.repeat(5000) }],
    [
      'a 10,000-character subject',
      `---\nto: legal\nsubject: ${'s'.repeat(10_000)}\n---\n`,
      { subject: 's'.repeat(10_000) },
    ],
  ])('%s', (_what, text, want) => {
    expect(parse(text)).toMatchObject(want);
  });

  it('a stamped reply subject reads back the same', () => {
    for (const subject of ['Re: the contract', '12345', '#tag', 'a # b', '"quoted"', "it's", 'x: y: z', ' padded ']) {
      const text = stampMessage(
        { ...parse('---\nto: legal\n---\n'), subject },
        {
          id: 'abc123def456',
          from: 'maya',
          to: ['legal'],
          sent: '2026-11-24T00:00:00.000Z',
          thread: 'abc123def456',
          hops: 0,
        },
      );
      expect(readStamped(text).subject, subject).toBe(subject);
      expect(parse(text).subject, subject).toBe(subject);
    }
  });
});

describe('a near miss is still refused, with what was meant', () => {
  it.each([
    ['priority: High', '---\nto: legal\npriority: High\n---\n', /unknown priority "High".*did you mean "high"\?/],
    ['priority: hihg', '---\nto: legal\npriority: hihg\n---\n', /did you mean "high"\?/],
    [
      'priority: urgent (no guess)',
      '---\nto: legal\npriority: urgent\n---\n',
      /allowed values: critical, high, normal, low$/,
    ],
    ['kind: Task', '---\nto: legal\nkind: Task\n---\n', /unknown kind "Task".*did you mean "task"\?/],
    ['status: Done', '---\ntask: T-1\nstatus: Done\n---\n', /unknown status "Done".*did you mean "done"\?/],
    ['prioirty:', '---\nto: legal\nprioirty: high\n---\n', /unknown key "prioirty".*did you mean "priority"\?/],
    ['to: a,, b', '---\nto: legal,, oliver\n---\n', /is not an agent name/],
    [
      'a subject over 10,000 characters',
      `---\nto: legal\nsubject: ${'s'.repeat(10_001)}\n---\n`,
      /subject: is 10001 characters, over the limit of 10000/,
    ],
  ])('%s', (_what, text, reason) => {
    expect(rejection(() => parse(text)).message).toMatch(reason);
  });

  const dir = { agents: { maya: {}, legal: {}, oliver: {} }, groups: { leads: ['maya', 'legal'] } };
  it.each([
    ['Legal', /not an agent or group.*did you mean "legal"\?/],
    ['legl', /did you mean "legal"\?/],
    ['Leads', /did you mean "leads"\?/],
    ['marketing', /whole message was rejected$/],
  ])('to: %s', (name, reason) => {
    expect(rejection(() => route([name], 'maya', dir)).message).toMatch(reason);
  });
});
