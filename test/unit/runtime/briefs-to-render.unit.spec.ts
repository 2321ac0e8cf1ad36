/** Whose BRIEF.md a board render looks at: everyone once, then only agents with an open task now or at the last render. */
import { describe, expect, it } from 'vitest';
import { briefsToRender } from '../../../runtime/decide/briefs-to-render.js';

const agents = ['ann', 'bob', 'cy', 'dee'];
const members = new Set(agents);

describe('briefsToRender', () => {
  const table: Array<{ what: string; same: boolean; now: string[]; before: string[]; want: string[] }> = [
    { what: 'the first render: every agent, in order', same: false, now: [], before: [], want: agents },
    {
      what: 'the list of agents changed: every agent, whoever is busy',
      same: false,
      now: ['cy'],
      before: ['bob'],
      want: agents,
    },
    { what: 'nobody busy, nobody was: nothing to look at', same: true, now: [], before: [], want: [] },
    { what: 'a new task: its agents', same: true, now: ['bob', 'cy'], before: [], want: ['bob', 'cy'] },
    {
      what: "an agent's last task closed: back to the idle brief",
      same: true,
      now: [],
      before: ['dee'],
      want: ['dee'],
    },
    {
      what: 'busy now and before: each once, the busy ones first',
      same: true,
      now: ['cy', 'ann'],
      before: ['ann', 'bob'],
      want: ['cy', 'ann', 'bob'],
    },
    {
      what: 'the operator and other orgs have no BRIEF.md here',
      same: true,
      now: ['operator', 'legal@acme', 'ann'],
      before: ['gone'],
      want: ['ann'],
    },
  ];
  it.each(table)('$what', ({ same, now, before, want }) =>
    expect(briefsToRender(agents, members, same, now, before)).toEqual(want),
  );
});
