/**
 * `to:` -> recipients. An agent, a list, a group, or `*`. `*` and groups mean the configured
 * agents other than the sender, never `operator`. One unknown name rejects the whole message.
 * Names are looked up as own keys only: `to: constructor` is an unknown name like any other.
 * `agent@org` is an agent of another org, reached over the bridge: allowed only when the org is
 * one of `bridge.peers` (`agent@<this org>` is the local agent). Pure.
 */

import { OPERATOR } from './vocabulary.js';
import { Rejection } from './rejection.js';
import { didYouMean } from './suggest.js';
import { parseAddress } from './address.js';

export interface Directory {
  readonly agents: Readonly<Record<string, unknown>>;
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** This org's name on the bridge and the orgs it may send to; null: no bridge. */
  readonly bridge?: { readonly org: string; readonly peers: readonly string[] } | null;
}

/** `agent@org` -> the recipient: the local agent for this org's own name, else the address itself. */
function remote(name: string, dir: Directory): string | null {
  if (!name.includes('@')) return null;
  const a = parseAddress(name);
  if (!a)
    throw new Rejection(
      `to: ${JSON.stringify(name)} is not an address of the form agent@org`,
      'Write the agent and its org, e.g. `to: legal@acme`.',
    );
  const bridge = dir.bridge;
  if (bridge && a.org === bridge.org) {
    if (Object.hasOwn(dir.agents, a.agent) || a.agent === OPERATOR) return a.agent;
    return null; // reported below as an unknown name of this org
  }
  if (!bridge)
    throw new Rejection(
      `to: ${JSON.stringify(name)} is at another org, and this org has no bridge`,
      'Configure `bridge:` in mailroom.yaml (see the README, "Beyond one machine"), or write to an agent of this org.',
    );
  if (!bridge.peers.includes(a.org)) {
    throw new Rejection(
      `to: ${JSON.stringify(name)}: org ${JSON.stringify(a.org)} is not one of this org's peers (${bridge.peers.join(', ') || 'none'}), so the whole message was rejected`,
      `Check the org's name, or add it to bridge.peers in mailroom.yaml.`,
    );
  }
  return name;
}

export function route(to: readonly string[], sender: string, dir: Directory): string[] {
  const out = new Set<string>();
  for (const name of to) {
    if (name === '*') {
      for (const a of Object.keys(dir.agents)) if (a !== sender) out.add(a);
    } else if (Object.hasOwn(dir.groups, name)) {
      for (const a of dir.groups[name]!) if (a !== sender) out.add(a);
    } else if (Object.hasOwn(dir.agents, name) || name === OPERATOR) {
      out.add(name);
    } else if (remote(name, dir) !== null) {
      out.add(remote(name, dir)!);
    } else {
      const known = [...Object.keys(dir.agents), OPERATOR].join(', ');
      const groups = Object.keys(dir.groups);
      throw new Rejection(
        `to: ${JSON.stringify(name)} is not an agent or group of this org, so the whole message was rejected${didYouMean(name, [...Object.keys(dir.agents), ...groups, OPERATOR])}`,
        `Use one of the agents (${known})${groups.length ? `, a group (${groups.join(', ')})` : ''}, or "*".`,
      );
    }
  }
  if (out.size === 0)
    throw new Rejection(
      `to: ${JSON.stringify(to)} reaches nobody besides the sender`,
      'Name at least one other agent.',
    );
  return [...out].sort();
}
