/**
 * The org's agent names, once per loaded config. `config.agents` is a map without a prototype
 * and, at 10,000 agents, in V8's dictionary mode: each `Object.keys` of it sorts 10,000 keys
 * (about 1 ms here), and the daemon asked after every commit (several per batch): a third of
 * the daemon's CPU at 100 msgs/s and 10,000 agents (`npm run bench -- --agents 10000`).
 */
import type { OrgConfig } from './schema.js';

const names = new WeakMap<OrgConfig, readonly string[]>();

/** `Object.keys(config.agents)`, in the same order, worked out once per config object (configs are never changed in place). */
export function agentNames(config: OrgConfig): readonly string[] {
  let n = names.get(config);
  if (!n) names.set(config, (n = Object.freeze(Object.keys(config.agents))));
  return n;
}
