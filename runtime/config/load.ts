/**
 * mailroom.yaml from disk or text: parse (the safe YAML core schema), refuse an empty or
 * half-saved file, validate. And the text `mailroom init` writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { PRIORITIES } from '../../bus/priority.js';
import { ConfigError, DEFAULTS, type OrgConfig } from './schema.js';
import { validateConfig } from './validate.js';
import { parseUnique } from './yaml-unique.js';

/** Parse and validate the text of `file`; the org root is the folder of `file`. */
export function parseConfigText(text: string, file: string): OrgConfig {
  let doc: unknown;
  try {
    doc = parseUnique(text, { schema: 'core', maxAliasCount: 20, prettyErrors: true });
  } catch (err) {
    throw new ConfigError(file, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  // An empty file is what an editor leaves for a moment while it saves in place: never "no agents".
  if (doc === null || doc === undefined)
    throw new ConfigError(file, ['the file is empty; an org needs at least `agents:` (a map keyed by agent name)']);
  if (typeof doc === 'object' && !Array.isArray(doc) && !Object.hasOwn(doc, 'agents')) {
    throw new ConfigError(file, [
      'agents: is missing; an org is a map of agents keyed by name (agents: { legal: {}, cfo: {} })',
    ]);
  }
  return validateConfig(doc, file, path.dirname(path.resolve(file)));
}

export function loadConfig(file: string): OrgConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [
      code === 'ENOENT'
        ? 'no such file; create an org with `mailroom init <dir> --agents a,b,c`'
        : `cannot read: ${(err as Error).message}`,
    ]);
  }
  return parseConfigText(text, file);
}

/** The text `mailroom init` writes. */
export function initialConfigText(agents: string[]): string {
  const doc = new YAML.Document({
    agents: Object.fromEntries(agents.map((a) => [a, {}])),
    groups: {},
    stuck_after: { ...DEFAULTS.stuck_after },
  });
  doc.commentBefore =
    ' mailroom org. Agents are a map keyed by name (never a list).\n' +
    ' groups: { leads: [maya, oliver] } lets `to: leads` reach several agents.\n' +
    ` stuck_after: unread mail older than this, per priority (${PRIORITIES.join(', ')}), is alerted.`;
  return doc.toString({ lineWidth: 0 });
}
