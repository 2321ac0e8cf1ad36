/** Addresses `agent@org` and how `to:` routes them: peers, this org's own name, refusals. */
import { describe, expect, it } from 'vitest';
import { localRecipients, parseAddress, remoteByOrg } from '../../../bus/address.js';
import { Rejection } from '../../../bus/rejection.js';
import { route, type Directory } from '../../../bus/route.js';

describe('parseAddress', () => {
  it.each([
    ['legal@acme', { agent: 'legal', org: 'acme' }],
    ['a-b_c@x-1', { agent: 'a-b_c', org: 'x-1' }],
    ['legal', null],
    ['legal@', null],
    ['@acme', null],
    ['Legal@acme', null],
    ['a@b@c', null],
    ['../x@acme', null],
  ])('%s', (name, want) => expect(parseAddress(name)).toEqual(want));

  it('splits recipients into local ones and remote ones by org', () => {
    const to = ['cfo', 'legal@acme', 'ceo@acme', 'x@gamma'];
    expect(localRecipients(to)).toEqual(['cfo']);
    expect([...remoteByOrg(to)]).toEqual([
      ['acme', ['legal@acme', 'ceo@acme']],
      ['gamma', ['x@gamma']],
    ]);
  });
});

const dir: Directory = {
  agents: { maya: {}, cfo: {} },
  groups: { team: ['cfo', 'legal@acme'] },
  bridge: { org: 'beta', peers: ['acme'] },
};
const alone: Directory = { agents: { maya: {}, cfo: {} }, groups: {} };

function outcome(to: string[], d: Directory): string[] | string {
  try {
    return route(to, 'maya', d);
  } catch (err) {
    if (err instanceof Rejection) return `REJECTED: ${err.reason}`;
    throw err;
  }
}

describe('route with a bridge', () => {
  it.each<[string[], Directory, string[] | RegExp]>([
    [['legal@acme'], dir, ['legal@acme']],
    [['cfo', 'legal@acme'], dir, ['cfo', 'legal@acme']],
    [['team'], dir, ['cfo', 'legal@acme']],
    [['cfo@beta'], dir, ['cfo']],
    [['nobody@beta'], dir, /"nobody@beta" is not an agent or group of this org/],
    [['x@gamma'], dir, /org "gamma" is not one of this org's peers \(acme\)/],
    [['x@acme'], alone, /this org has no bridge/],
    [['X@acme'], dir, /not an address of the form agent@org/],
  ])('%j', (to, d, want) => {
    const got = outcome(to, d);
    if (want instanceof RegExp) expect(got).toMatch(want);
    else expect(got).toEqual(want);
  });
});
