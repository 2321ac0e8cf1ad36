/**
 * `to:` -> recipients. An agent, a list, a group, or `*`. `*` and groups mean the configured
 * agents other than the sender, never `operator`. One unknown name rejects the whole message.
 * Names are looked up as own keys only: `to: constructor` is an unknown name like any other.
 * Pure.
 */

import { OPERATOR } from './vocabulary.js';
import { Rejection } from './rejection.js';
import { didYouMean } from './suggest.js';

export interface Directory {
  readonly agents: Readonly<Record<string, unknown>>;
  readonly groups: Readonly<Record<string, readonly string[]>>;
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
    } else {
      const known = [...Object.keys(dir.agents), OPERATOR].join(', ');
      const groups = Object.keys(dir.groups);
      throw new Rejection(
        `to: ${JSON.stringify(name)} is not an agent or group of this org, so the whole message was held back${didYouMean(name, [...Object.keys(dir.agents), ...groups, OPERATOR])}`,
        `Use one of the agents (${known})${groups.length ? `, a group (${groups.join(', ')})` : ''}, or "*".`,
      );
    }
  }
  if (out.size === 0) throw new Rejection(`to: ${JSON.stringify(to)} reaches nobody besides the sender`, 'Name at least one other agent.');
  return [...out].sort();
}
