/** Routing: `to:` names expand to recipients (groups, `*`), never to the sender. */
import { describe, expect, it } from 'vitest';
import { route } from '../../../bus/route.js';
import { parseConfigText } from '../../../runtime/config/config.js';

const config = parseConfigText(
  'agents:\n  maya: {}\n  oliver: {}\n  legal: {}\n  cfo: {}\ngroups:\n  finance: [cfo, maya]\n',
  'mailroom.yaml',
);

describe('routing', () => {
  it('expands groups and *, never to the sender, never to operator', () => {
    expect(route(['finance'], 'maya', config)).toEqual(['cfo']);
    expect(route(['*'], 'maya', config)).toEqual(['cfo', 'legal', 'oliver']);
    expect(route(['legal', 'legal', 'finance'], 'oliver', config)).toEqual(['cfo', 'legal', 'maya']);
    expect(route(['operator'], 'maya', config)).toEqual(['operator']);
  });
  it('rejects the whole message for one unknown name, listing who exists', () => {
    expect(() => route(['legal', 'lawyer'], 'maya', config)).toThrow(
      /"lawyer" is not an agent or group.*whole message was rejected/,
    );
  });
});
