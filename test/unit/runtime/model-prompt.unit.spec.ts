/** The prompt from the thread within its budget, and the answer as an outbox file. */
import { describe, expect, it } from 'vitest';
import { parseMessage, readStamped } from '../../../bus/message.js';
import { assemblePrompt, estimateTokens, instructions, type ThreadMessage } from '../../../runtime/model/prompt.js';
import { replyText } from '../../../runtime/model/reply.js';
import { threadEntry } from '../../../runtime/model/thread.js';

const msg = (n: number, from: string, body: string): ThreadMessage => ({
  id: `m${n}`,
  from,
  sent: `2026-12-01T10:0${n}:00.000Z`,
  subject: `s${n}`,
  body,
});
const NEW = msg(9, 'maya', 'What now?');

describe('assemblePrompt', () => {
  it('system = instructions + system file + brief; the new message last, as the sender wrote it', () => {
    const p = assemblePrompt({
      agent: 'scout',
      systemFile: 'You scout.\n',
      brief: '# Brief\nT-1 open\n',
      thread: [],
      message: NEW,
      historyTokens: 100,
    });
    expect(p.system).toBe(`${instructions('scout')}\n\nYou scout.\n\n# Your brief (BRIEF.md)\n\n# Brief\nT-1 open`);
    expect(p.turns).toEqual([
      { role: 'user', content: 'From: maya\nSent: 2026-12-01T10:09:00.000Z\nSubject: s9\n\nWhat now?' },
    ]);
    expect([p.kept, p.omitted]).toEqual([0, 0]);
  });

  it("the agent's own messages are assistant turns; neighbours of one role are joined; the first turn is a user's", () => {
    const p = assemblePrompt({
      agent: 'scout',
      thread: [msg(1, 'scout', 'I asked.'), msg(2, 'legal', 'A.'), msg(3, 'maya', 'B.')],
      message: NEW,
      historyTokens: 1000,
    });
    expect(p.turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user']);
    expect(p.turns[0]!.content).toBe('(earlier in this thread)');
    expect(p.turns[1]!.content).toBe('I asked.');
    expect(p.turns[2]!.content).toMatch(
      /^From: legal[\s\S]*A\.\n\n---\n\nFrom: maya[\s\S]*B\.\n\n---\n\nFrom: maya[\s\S]*What now\?$/,
    );
  });

  it.each([
    [0, 0, 3],
    [20, 1, 2], // each rendered message is about 16 tokens: one fits
    [32, 2, 1], // two of about 16 tokens each
    [10_000, 3, 0],
  ])('a budget of %i tokens keeps the newest %i, and says how many were left out (%i)', (budget, kept, omitted) => {
    const thread = [msg(1, 'legal', 'first'), msg(2, 'maya', 'second'), msg(3, 'legal', 'third')];
    const p = assemblePrompt({ agent: 'scout', thread, message: NEW, historyTokens: budget });
    expect([p.kept, p.omitted]).toEqual([kept, omitted]);
    const all = p.turns.map((t) => t.content).join('\n');
    if (omitted)
      expect(all).toContain(`(${omitted} earlier message${omitted === 1 ? '' : 's'} of this thread left out)`);
    expect(all.includes('third')).toBe(kept >= 1);
    expect(all.includes('first')).toBe(kept === 3);
    expect(all).toContain('What now?');
  });

  it('estimates four characters a token, rounding up', () => {
    expect([estimateTokens(''), estimateTokens('abc'), estimateTokens('abcd'), estimateTokens('abcde')]).toEqual([
      0, 1, 1, 2,
    ]);
  });
});

describe('replyText', () => {
  const incoming = { id: 'abcdefghijkl', from: 'maya', subject: 'Review' };
  it('plain text: a reply to the sender, in the thread, that the daemon accepts', () => {
    const t = replyText('\n\nLooks fine.', incoming)!;
    expect(t).toBe('---\nto: maya\nreply_to: abcdefghijkl\nsubject: "Re: Review"\n---\nLooks fine.\n');
    expect(parseMessage(Buffer.from(t), 1e6)).toMatchObject({
      to: ['maya'],
      replyTo: 'abcdefghijkl',
      subject: 'Re: Review',
      body: 'Looks fine.\n',
    });
  });

  it('keeps one Re:', () => {
    expect(replyText('ok', { ...incoming, subject: 'Re: Review' })).toContain('subject: "Re: Review"');
    expect(replyText('ok', { id: 'abcdefghijkl', from: 'maya' })).toContain('subject: "Re: abcdefghijkl"');
  });

  it('empty: nothing is sent', () => {
    expect(replyText('  \n ', incoming)).toBeNull();
  });

  it.each([
    [
      'a new task: reply_to added',
      '---\nto: legal\nkind: task\nsubject: Check it\n---\nPlease.',
      '---\nreply_to: abcdefghijkl\nto: legal\nkind: task\nsubject: Check it\n---\nPlease.\n',
    ],
    [
      'a task update: as written',
      '---\ntask: T-3\nstatus: done\n---\nDone.',
      '---\ntask: T-3\nstatus: done\n---\nDone.\n',
    ],
    [
      'its own reply_to: as written',
      '---\nto: maya\nreply_to: zzzzzzzzzzzz\n---\nx',
      '---\nto: maya\nreply_to: zzzzzzzzzzzz\n---\nx\n',
    ],
    ['an unclosed block: as written, for the daemon to bounce', '---\nto: legal\nno end', '---\nto: legal\nno end\n'],
  ])('front matter, %s', (_what, answer, file) => {
    expect(replyText(answer, incoming)).toBe(file);
  });
});

describe('threadEntry', () => {
  it('reads a stamped message; refuses a text without stamps', () => {
    const text =
      '---\nto:\n  - scout\npriority: normal\nsubject: Hi\nkind: message\nid: abcdefghijkl\nfrom: maya\nsent: 2026-12-01T10:00:00.000Z\nthread: abcdefghijkl\nhops: 0\n---\nBody.\n';
    expect(readStamped(text).id).toBe('abcdefghijkl');
    expect(threadEntry(text)).toEqual({
      id: 'abcdefghijkl',
      thread: 'abcdefghijkl',
      from: 'maya',
      to: ['scout'],
      sent: '2026-12-01T10:00:00.000Z',
      subject: 'Hi',
      body: 'Body.\n',
    });
    expect(threadEntry('---\nto: x\n---\nno stamps\n')).toBeNull();
    expect(threadEntry('no front matter')).toBeNull();
  });
});
