/** The bridge: section of mailroom.yaml: defaults, every refusal in the config's own words, groups with remote members. */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../runtime/config/load.js';
import { ConfigError } from '../../../runtime/config/schema.js';

const base = 'agents:\n  maya: {}\n  cfo: {}\n';

function problems(yaml: string): string[] {
  try {
    parseConfigText(base + yaml, 'mailroom.yaml');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('bridge:', () => {
  it('is off by default, and takes its defaults', () => {
    expect(parseConfigText(base, 'mailroom.yaml').bridge).toBeNull();
    const c = parseConfigText(`${base}bridge:\n  nats: { org: beta }\n  peers: [acme]\n`, 'mailroom.yaml');
    expect(c.bridge).toEqual({ url: 'nats://127.0.0.1:4222', org: 'beta', peers: ['acme'], ackWait: 30_000 });
  });

  it.each([
    ['bridge: 3\n', /bridge: must be a map/],
    ['bridge:\n  peers: [acme]\n', /bridge.nats: must be a map/],
    ['bridge:\n  nats: { url: nats://h:1 }\n', /bridge.nats.org: this org's name on the bridge is missing/],
    ['bridge:\n  nats: { org: Beta }\n', /bridge.nats.org: "Beta" is not a name/],
    ['bridge:\n  nats: { org: beta, url: http://x }\n', /bridge.nats.url: "http:\/\/x" is not a NATS server URL/],
    ['bridge:\n  nats: { org: beta, creds: my-creds }\n', /bridge.nats.creds: "my-creds" is not a secret name/],
    ['bridge:\n  nats: { org: beta, usr: x }\n', /bridge.nats.usr: unknown key "usr"/],
    ['bridge:\n  nats: { org: beta }\n  peers: [beta]\n', /bridge.peers: "beta" is this org itself/],
    ['bridge:\n  nats: { org: beta }\n  peers: acme\n', /bridge.peers: must be a list of org names/],
    ['bridge:\n  nats: { org: beta }\n  ack_wait: 10ms\n', /bridge.ack_wait: "10ms" is not a duration of at least 1s/],
    ['groups:\n  team: [cfo, legal@acme]\n', /groups.team: "legal@acme" is at another org, but this org has no bridge/],
    [
      'groups:\n  team: [cfo, legal@gamma]\nbridge:\n  nats: { org: beta }\n  peers: [acme]\n',
      /groups.team: "legal@gamma": org "gamma" is not in bridge.peers \(acme\)/,
    ],
  ])('%j', (yaml, want) => expect(problems(yaml).join('\n')).toMatch(want));

  it('lets a group name agents of a peer', () => {
    const c = parseConfigText(
      `${base}groups:\n  team: [cfo, legal@acme]\nbridge:\n  nats: { org: beta }\n  peers: [acme]\n`,
      'mailroom.yaml',
    );
    expect(c.groups.team).toEqual(['cfo', 'legal@acme']);
  });
});
