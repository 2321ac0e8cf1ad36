/**
 * How a `model:` agent runs: as a handler like any other, whose command is mailroom's own model
 * client (run.ts, built to dist/runtime/model/run.js) started by this very node. Its settings
 * travel in MAILROOM_MODEL (JSON, no secret in it); its API key is the agent's secret, handed
 * over as an environment variable like every `secrets:` grant.
 *
 * The jail must show this package (and its node_modules) read-only for the command to start:
 * `modelReadOnlyPaths()` lists what to bind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelConfig } from '../config/schema.js';

export const MODEL_RUN_JS = fileURLToPath(new URL('./run.js', import.meta.url));

/** The package's folder: the nearest ancestor of this file holding package.json. */
export const PACKAGE_DIR = (() => {
  let dir = path.dirname(MODEL_RUN_JS);
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The command of every model agent. */
export function modelCommand(): string {
  return `exec ${shellQuote(process.execPath)} ${shellQuote(MODEL_RUN_JS)}`;
}

/** What a model handler receives beside the usual environment. */
export function modelEnv(model: ModelConfig): Record<string, string> {
  return { MAILROOM_MODEL: JSON.stringify(model) };
}

/** Host folders a jail must show read-only for the model client to run: the package, its modules (resolved) and node. */
export function modelReadOnlyPaths(): string[] {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return null;
    }
  };
  const paths = [
    real(PACKAGE_DIR),
    real(path.join(PACKAGE_DIR, 'node_modules')),
    real(path.dirname(path.dirname(process.execPath))),
  ];
  return [...new Set(paths.filter((p): p is string => p !== null))];
}
