/**
 * Kept only while parallel branches still import `config/config.js`: the config lives in
 * schema.ts (types, defaults, key tables), validate.ts + agents.ts (the checks), load.ts
 * (parse, load, init text) and json-schema.ts. New code imports those files; delete this one
 * once nothing imports it (`grep -rn "config/config.js"`).
 */
export {
  ConfigError,
  DEFAULTS,
  NAME_RE,
  SANDBOXES,
  NETWORKS,
  type AgentConfig,
  type LaneConfig,
  type OrgConfig,
  type Sandbox,
  type Network,
} from './schema.js';
export { validateConfig } from './validate.js';
export { initialConfigText, loadConfig, parseConfigText } from './load.js';
