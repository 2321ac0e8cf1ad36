import { describe, expect, it } from 'vitest';
import { inboxName } from '../../../bus/names.js';
import { PRIORITIES } from '../../../bus/priority.js';
import { idOfCopy, UnreadIndex } from '../../../runtime/daemon/unread-index.js';
import { backlogs, type StuckAfter } from '../../../runtime/decide/unread.js';

const MIN = 60_000;
const STUCK: StuckAfter = { critical: 5 * MIN, high: 30 * MIN, normal: 4 * 60 * MIN, low: 24 * 60 * MIN };
const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const name = (id: string, priority: keyof StuckAfter, minutesAgo: number, subject = 'hello') =>
  inboxName({ priority, sent: new Date(T0 - minutesAgo * MIN).toISOString(), id, subject });

function indexOf(inboxes: Array<[string, string[]]>): UnreadIndex {
  const index = new UnreadIndex();
  for (const [agent, names] of inboxes) index.listed(agent, names);
  return index;
}

describe('the unread index finds the backlogs a listing of the same inboxes finds', () => {
  const cases: Array<[string, Array<[string, string[]]>]> = [
    ['nothing', []],
    ['nothing stuck', [['cfo', [name('aaaaaaaaaaaa', 'critical', 1), name('bbbbbbbbbbbb', 'low', 600)]]]],
    [
      'two agents, priorities by rank, other files skipped',
      [
        [
          'cfo',
          [
            name('aaaaaaaaaaaa', 'normal', 300),
            name('bbbbbbbbbbbb', 'critical', 6),
            'notes.md',
            name('cccccccccccc', 'high', 31),
            name('ffffffffffff', 'critical', 9),
          ],
        ],
        ['legal', [name('aaaaaaaaaaaa', 'critical', 6), name('dddddddddddd', 'normal', 10)]],
      ],
    ],
    ['the operator is never stuck', [['operator', [name('eeeeeeeeeeee', 'critical', 600)]]]],
    [
      'one message under two names counts once',
      [['cfo', [name('aaaaaaaaaaaa', 'high', 40, 'one'), name('aaaaaaaaaaaa', 'high', 40, 'two')]]],
    ],
    [
      'equal ages: the first met is the oldest',
      [['cfo', [name('aaaaaaaaaaaa', 'critical', 7), name('bbbbbbbbbbbb', 'critical', 7)]]],
    ],
  ];
  it.each(cases)('%s', (_what, inboxes) => {
    const agents = inboxes.map(([a]) => a);
    expect(indexOf(inboxes).backlogs(agents, STUCK, T0)).toEqual(backlogs(inboxes, STUCK, T0));
  });

  it('agents come in the order asked, and an agent not asked for is left out', () => {
    const index = indexOf([
      ['cfo', [name('aaaaaaaaaaaa', 'critical', 6)]],
      ['legal', [name('bbbbbbbbbbbb', 'critical', 6)]],
    ]);
    expect(index.backlogs(['legal', 'cfo'], STUCK, T0).map((b) => b.agent)).toEqual(['legal', 'cfo']);
    expect(index.backlogs(['cfo'], STUCK, T0).map((b) => b.agent)).toEqual(['cfo']);
  });
});

describe('keeping the index right', () => {
  const a = name('aaaaaaaaaaaa', 'critical', 6);
  const b = name('bbbbbbbbbbbb', 'critical', 7);
  const c = name('cccccccccccc', 'high', 40);

  it('a delivered copy is added; a name that is not a delivered copy is not', () => {
    const index = new UnreadIndex();
    index.add('cfo', a);
    index.add('cfo', 'notes.md');
    expect(index.names('cfo')).toEqual([a]);
    expect(index.has('cfo', a)).toBe(true);
  });

  it('a listing says what is there: a copy moved to done/ (or deleted) leaves, one found is added', () => {
    const index = indexOf([['cfo', [a, b]]]);
    index.listing('cfo');
    index.listed('cfo', [b, c]);
    expect(index.names('cfo').sort()).toEqual([b, c].sort());
    index.listing('cfo');
    index.listed('cfo', []);
    expect(index.names('cfo')).toEqual([]);
    expect(index.size).toBe(0);
  });

  it('a copy delivered while a listing was under way stays, whatever the listing found', () => {
    const index = indexOf([['cfo', [a]]]);
    index.listing('cfo');
    index.add('cfo', b); // linked after the readdir read the folder
    index.listed('cfo', [a]);
    expect(index.names('cfo').sort()).toEqual([a, b].sort());
    index.listing('cfo');
    index.listed('cfo', [a]); // the next listing decides
    expect(index.names('cfo')).toEqual([a]);
  });

  it('backlogs follow the copies as they come and go (an agent with nothing stuck is passed over by its oldest copy)', () => {
    const fresh = name('dddddddddddd', 'critical', 1);
    const index = indexOf([['cfo', [fresh, c]]]);
    const stuck = () => index.backlogs(['cfo'], STUCK, T0).map((x) => [x.priority, x.count, x.id]);
    expect(stuck()).toEqual([['high', 1, 'cccccccccccc']]);
    index.listing('cfo');
    index.listed('cfo', [fresh]); // the stuck copy was moved to done/
    expect(stuck()).toEqual([]);
    index.add('cfo', b); // delivered late: sent 7 minutes ago, critical
    expect(stuck()).toEqual([['critical', 1, 'bbbbbbbbbbbb']]);
    expect(index.backlogs(['cfo'], STUCK, T0 - 3 * MIN)).toEqual([]); // 4 minutes old then: not stuck yet
    index.listing('cfo');
    index.listed('cfo', []);
    expect(stuck()).toEqual([]);
    index.add('cfo', a);
    expect(stuck()).toEqual([['critical', 1, 'aaaaaaaaaaaa']]);
  });

  it('a failed listing says nothing', () => {
    const index = indexOf([['cfo', [a]]]);
    index.listing('cfo');
    index.listed('cfo', null);
    expect(index.names('cfo')).toEqual([a]);
  });

  it('ids: every copy`s message id, in every inbox', () => {
    const index = indexOf([
      ['cfo', [a, b]],
      ['legal', [c]],
    ]);
    expect([...index.ids()].sort()).toEqual(['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc']);
  });

  it.each(PRIORITIES)('idOfCopy reads the id of a %s copy', (priority) => {
    expect(
      idOfCopy(inboxName({ priority, sent: new Date(T0).toISOString(), id: 'k3x9p2qa7b1c', subject: 'a-b-c' })),
    ).toBe('k3x9p2qa7b1c');
  });
});
