/**
 * How a handler is started, shared by the runner and `mailroom try`: the program (the jail
 * around `/bin/sh -c <command>`, or the shell alone) and the environment (the allow-list, the
 * agent's grants, its secrets, and a model agent's settings).
 */
import { jailArgs, jailFor } from '../../workspaces/jail.js';
import type { Layout } from '../../workspaces/layout.js';
import { readSecrets } from '../../workspaces/secrets.js';
import type { AgentConfig } from '../config/schema.js';
import { modelEnv } from '../model/command.js';
import { handlerEnv } from './handler.js';

/** The argv of a run in `workspace`, or why it may not run (sandbox: bwrap without a working bwrap). */
export function handlerArgv(root: string, workspace: string, cfg: AgentConfig): { argv: string[] } | { refuse: string } {
  const jail = jailFor(cfg);
  if (jail.refuse) return { refuse: jail.refuse };
  // A model agent's command is node running this package: a jail that hides the host must show modelReadOnlyPaths().
  return { argv: jail.jailed ? ['bwrap', ...jailArgs(root, workspace, cfg.command!)] : ['/bin/sh', '-c', cfg.command!] };
}

/** The environment of a run; `missing` names granted secrets that are not stored. */
export function handlerEnvFor(layout: Layout, cfg: AgentConfig, workspace: string, message: string): { env: Record<string, string>; missing: string[] } {
  const { values, missing } = readSecrets(layout, cfg.secrets);
  const model = cfg.model ? modelEnv(cfg.model) : {};
  return { env: { ...handlerEnv(process.env, workspace, cfg.name, message, cfg.env), ...model, ...values }, missing };
}
