/**
 * The org's copy of the config's JSON Schema, for editors: `init` writes it to
 * .mailroom/mailroom.schema.json and starts mailroom.yaml with a yaml-language-server line
 * naming it (a path relative to mailroom.yaml). `mailroom config schema` prints the same.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Layout } from '../../workspaces/layout.js';
import { configJsonSchema } from './json-schema.js';

export const SCHEMA_FILE = '.mailroom/mailroom.schema.json';
export const SCHEMA_LINE = `# yaml-language-server: $schema=${SCHEMA_FILE}\n`;

export function writeSchemaFile(layout: Layout): void {
  const file = path.join(layout.root, SCHEMA_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, JSON.stringify(configJsonSchema(), null, 2) + '\n');
}
