/**
 * The `agents:` section: one validator per agent setting that is more than one value (env,
 * secrets, read_only_paths), the agent itself, and the section. Pure.
 */
import path from 'node:path';
import type { Network, Sandbox } from '../../workspaces/jail.js';
import { agentGovernance, type OrgGovernance } from './governance.js';
import { ENV_NAME_RE, grantProblem, SECRET_LIKE, SECRET_NAME_RE } from './grants.js';
import { at, checkKeys, emptyMap, isMap, name, readOptions, show, type Problems } from './primitives.js';
import { modelCommand } from '../model/command.js';
import { validateModel } from './model.js';
import { AGENT_KEYS, AGENT_OPTIONS, type AgentConfig } from './schema.js';

/** The org-wide settings an agent inherits. */
export interface AgentDefaults {
  readonly sandbox: Sandbox | 'auto';
  readonly network: Network;
  /** The org root (the folder of mailroom.yaml), which read_only_paths may not show. */
  readonly root: string;
  readonly governance: OrgGovernance;
}

export function validateEnv(p: Problems, raw: unknown, where: string): Record<string, string> {
  const env: Record<string, string> = emptyMap();
  if (raw === undefined || raw === null) return env;
  if (!isMap(raw)) {
    p.push(`${where}: must be a map of NAME: value, e.g. { MODEL: deepseek-v3 }`);
    return env;
  }
  for (const [k, v] of Object.entries(raw)) {
    const key = at(where, k);
    const refused = grantProblem(k);
    if (!ENV_NAME_RE.test(k))
      p.push(`${key}: not a valid environment variable name (letters, digits and _, not starting with a digit)`);
    else if (refused) p.push(`${key}: ${refused}`);
    else if (SECRET_LIKE.test(k.toUpperCase())) {
      const n = k.toUpperCase();
      p.push(
        `${key}: looks like a secret, and secrets never go in mailroom.yaml; store it with \`mailroom secret set ${n}\` and grant it with secrets: [${n}]`,
      );
    } else if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      p.push(`${key}: must be text, got ${show(v)}`);
    else if (String(v).includes('\0')) p.push(`${key}: must be text without NUL characters`);
    else env[k] = String(v);
  }
  return env;
}

export function validateSecrets(p: Problems, raw: unknown, where: string): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    p.push(`${where}: must be a list of secret names, e.g. [ANTHROPIC_API_KEY]`);
    return [];
  }
  const out: string[] = [];
  for (const s of raw) {
    const refused = typeof s === 'string' ? grantProblem(s) : undefined;
    if (typeof s !== 'string' || !SECRET_NAME_RE.test(s))
      p.push(`${where}: ${show(s)} is not a secret name (capital letters, digits, _)`);
    else if (refused) p.push(`${where}: ${refused}`);
    else if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** Is `inner` the folder `outer` or inside it? (Both absolute and normalised.) */
function within(inner: string, outer: string): boolean {
  const rel = path.posix.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.posix.isAbsolute(rel));
}

export function validateReadOnlyPaths(p: Problems, raw: unknown, root: string, where: string): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    p.push(`${where}: must be a list of absolute paths, e.g. [/home/me/.local/bin]`);
    return [];
  }
  const out: string[] = [];
  for (const item of raw) {
    if (typeof item !== 'string' || !path.posix.isAbsolute(item)) {
      const hint = typeof item === 'string' && item.startsWith('~') ? ' (~ is not expanded: write the whole path)' : '';
      p.push(
        `${where}: ${show(item)} is not an absolute path${hint}; the jail shows host paths by their full name, e.g. /home/me/.local/bin`,
      );
      continue;
    }
    const clean = path.posix.normalize(item).replace(/(.)\/+$/, '$1');
    // A folder that holds the org is fine: the jail lays an empty tmpfs over the org after the grants.
    if (clean === '/') {
      p.push(
        `${where}: "/" would show the whole host inside the jail (home folders, other orgs); grant the folders the handler needs`,
      );
    } else if (within(clean, root)) {
      p.push(
        `${where}: ${show(item)} is inside the org (${root}), which the jail exists to hide ` +
          `(mailroom.yaml, .mailroom/secrets, the other workspaces); grant a folder outside the org`,
      );
    } else if (!out.includes(clean)) out.push(clean);
  }
  return out;
}

export function validateAgent(p: Problems, agent: string, raw: unknown, org: AgentDefaults): AgentConfig | undefined {
  const where = `agents.${agent}`;
  const a = raw ?? {};
  if (!isMap(a)) {
    p.push(`${where}: must be a map of settings (or {}), got ${show(a)}`);
    return undefined;
  }
  checkKeys(p, a, AGENT_KEYS, where);
  const o = readOptions(p, a, AGENT_OPTIONS, where);
  if (a.lane !== undefined && typeof a.lane !== 'string')
    p.push(`${where}.lane: must be a lane name from lanes:, got ${show(a.lane)}`);
  const model =
    a.model === undefined || a.model === null ? undefined : validateModel(p, a.model, `${where}.model`, o.timeout);
  if (o.command !== undefined && a.model !== undefined && a.model !== null)
    p.push(`${where}: has both command: and model:; an agent has one handler, so keep one of them`);
  const secrets = validateSecrets(p, a.secrets, `${where}.secrets`);
  if (model?.secret && !secrets.includes(model.secret)) secrets.push(model.secret);
  return Object.freeze({
    name: agent,
    description: o.description,
    command: model ? modelCommand() : o.command,
    model,
    lane: typeof a.lane === 'string' ? a.lane : undefined,
    timeout: o.timeout,
    maxAttempts: o.max_attempts,
    retryBackoff: o.retry_backoff,
    env: Object.freeze(validateEnv(p, a.env, `${where}.env`)),
    secrets: Object.freeze(secrets),
    sandbox: o.sandbox ?? org.sandbox,
    network: o.network ?? org.network,
    readOnlyPaths: Object.freeze(validateReadOnlyPaths(p, a.read_only_paths, org.root, `${where}.read_only_paths`)),
    governance: agentGovernance(p, a, o, org.governance, where),
  });
}

export function validateAgents(p: Problems, raw: unknown, org: AgentDefaults): Record<string, AgentConfig> {
  const agents: Record<string, AgentConfig> = emptyMap();
  if (Array.isArray(raw))
    p.push('agents: must be a map keyed by agent name (agents: { legal: {}, cfo: {} }), not a list');
  else if (!isMap(raw))
    p.push(`agents: must be a map keyed by agent name (agents: { legal: {}, cfo: {} }), got ${show(raw)}`);
  else {
    for (const [agent, settings] of Object.entries(raw)) {
      name(p, agent, 'agent', `agents.${agent}`);
      const cfg = validateAgent(p, agent, settings, org);
      if (cfg) agents[agent] = cfg;
    }
  }
  return agents;
}
