/**
 * Secrets live in .mailroom/secrets/<NAME> (files 0600 in a 0700 folder), never in
 * mailroom.yaml. The config grants them by name (`agents: { cfo: { secrets: [ANTHROPIC_API_KEY] } }`)
 * and a handler receives only its own grants, as environment variables. Values never appear
 * on a command line, in a log, or in `secret list`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Layout } from './layout.js';

export const SECRET_NAME_RE = /^[A-Z_][A-Z0-9_]{0,63}$/;

export function secretsDir(layout: Layout): string {
  return path.join(layout.private, 'secrets');
}

export function listSecrets(layout: Layout): string[] {
  try {
    return fs
      .readdirSync(secretsDir(layout))
      .filter((n) => SECRET_NAME_RE.test(n))
      .sort();
  } catch {
    return [];
  }
}

export function setSecret(layout: Layout, name: string, value: string): void {
  if (!SECRET_NAME_RE.test(name))
    throw new Error(
      `secret name ${JSON.stringify(name)}: use capital letters, digits and _ (an environment variable name), e.g. ANTHROPIC_API_KEY`,
    );
  const dir = secretsDir(layout);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(layout.private, 0o700);
  fs.chmodSync(dir, 0o700);
  const tmp = path.join(dir, `.${name}.${process.pid}`);
  fs.writeFileSync(tmp, value, { mode: 0o600, flag: 'wx' });
  fs.renameSync(tmp, path.join(dir, name));
}

/** False when there is no such secret; throws for a name that is not one (never a path). */
export function removeSecret(layout: Layout, name: string): boolean {
  if (!SECRET_NAME_RE.test(name))
    throw new Error(
      `secret name ${JSON.stringify(name)}: use capital letters, digits and _ (an environment variable name), e.g. ANTHROPIC_API_KEY`,
    );
  try {
    fs.unlinkSync(path.join(secretsDir(layout), name));
    return true;
  } catch {
    return false;
  }
}

/** The values of the named secrets that exist; missing names are returned separately. */
export function readSecrets(
  layout: Layout,
  names: readonly string[],
): { values: Record<string, string>; missing: string[] } {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    try {
      values[name] = fs.readFileSync(path.join(secretsDir(layout), name), 'utf8').replace(/\r?\n$/, '');
    } catch {
      missing.push(name);
    }
  }
  return { values, missing };
}
