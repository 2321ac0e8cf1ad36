/**
 * How a handler is started, shared by the runner and `mailroom try`: the program (the jail
 * around `/bin/sh -c <command>`, or the shell alone) and the environment (the allow-list, the
 * agent's grants, its secrets, and a model agent's settings).
 */
import { handlerArgv as jailedArgv } from '../../workspaces/jail.js';
import type { Layout } from '../../workspaces/layout.js';
import { readSecrets } from '../../workspaces/secrets.js';
import type { AgentConfig } from '../config/schema.js';
import { modelEnv, modelReadOnlyPaths } from '../model/command.js';
import { handlerEnv } from './handler.js';

/** The argv of a run in `workspace`, or why it may not run (no working bwrap, or a jail that cannot be built). */
export function handlerArgv(
  root: string,
  workspace: string,
  cfg: AgentConfig,
): { argv: string[] } | { refuse: string } {
  // A model agent's command is node running this package: the jail, which hides the host, shows it read-only.
  const settings = cfg.model ? { ...cfg, readOnlyPaths: [...cfg.readOnlyPaths, ...modelReadOnlyPaths()] } : cfg;
  return jailedArgv(settings, { root, workspace }, cfg.command!);
}

/** The environment of a run; `missing` names granted secrets that are not stored. */
export function handlerEnvFor(
  layout: Layout,
  cfg: AgentConfig,
  workspace: string,
  message: string,
): { env: Record<string, string>; missing: string[] } {
  const { values, missing } = readSecrets(layout, cfg.secrets);
  const model = cfg.model ? modelEnv(cfg.model) : {};
  return { env: { ...handlerEnv(process.env, workspace, cfg.name, message, cfg.env), ...model, ...values }, missing };
}
