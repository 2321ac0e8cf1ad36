/**
 * Programmatic edits of mailroom.yaml that keep its comments and key order (the `yaml`
 * package's Document API). Maps merge by key: a patch that names one agent changes only that
 * agent; `null` removes a key; lists and scalars are replaced. Pure: text in, text out.
 */
import YAML from 'yaml';
import { parseDocumentUnique, parseUnique } from './yaml-unique.js';

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export class EditError extends Error {
  override name = 'EditError';
}

function parseDoc(text: string, what: string): YAML.Document {
  const doc = parseDocumentUnique(text, { schema: 'core' });
  if (doc.errors.length) throw new EditError(`${what} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  return doc;
}

/** `agents.cfo.lane` -> ['agents', 'cfo', 'lane']. */
export function parsePath(p: string): string[] {
  const parts = p.split('.');
  if (parts.some((x) => x === '') || parts.some((x) => ['__proto__', 'constructor', 'prototype'].includes(x))) {
    throw new EditError(`${JSON.stringify(p)} is not a config path; write keys joined by dots, e.g. agents.cfo.lane`);
  }
  return parts;
}

/** Set one value (given as YAML, e.g. `3`, `deepseek`, `[a, b]`, `{ concurrency: 2 }`, `null` to remove). */
export function setValue(text: string, path: string, valueYaml: string): string {
  const doc = parseDoc(text, 'mailroom.yaml');
  const keys = parsePath(path);
  let value: unknown;
  try {
    value = YAML.parse(valueYaml, { schema: 'core' });
  } catch (err) {
    throw new EditError(
      `the value ${JSON.stringify(valueYaml)} is not valid YAML: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  if (value === null) doc.deleteIn(keys);
  else doc.setIn(keys, doc.createNode(value, { flow: Array.isArray(value) || isMap(value) }));
  return doc.toString({ lineWidth: 0 });
}

/** Merge a partial document into the config, map by map. */
export function mergePatch(text: string, patchText: string): string {
  const doc = parseDoc(text, 'mailroom.yaml');
  const patch = parseDoc(patchText, 'the patch').toJS() as unknown;
  if (patch === null || patch === undefined) return text;
  if (!isMap(patch)) throw new EditError('the patch must be a YAML mapping (a partial mailroom.yaml)');
  const apply = (at: string[], value: unknown) => {
    if (value === null) {
      doc.deleteIn(at);
      return;
    }
    const existing = at.length ? doc.getIn(at) : doc.contents;
    if (isMap(value) && YAML.isMap(existing)) {
      for (const [k, v] of Object.entries(value)) apply([...at, k], v);
      return;
    }
    doc.setIn(
      at,
      doc.createNode(value, { flow: Array.isArray(value) || (isMap(value) && Object.keys(value).length <= 3) }),
    );
  };
  for (const [k, v] of Object.entries(patch)) apply([k], v);
  return doc.toString({ lineWidth: 0 });
}

export function toJS(text: string): unknown {
  try {
    return parseUnique(text, { schema: 'core' });
  } catch {
    return null;
  }
}
