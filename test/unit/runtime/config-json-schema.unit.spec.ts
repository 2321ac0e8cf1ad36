/**
 * The JSON Schema of mailroom.yaml against every example config: the README's yaml blocks and
 * the config texts written in the tests. The schema may accept more than the validator (it
 * cannot see across keys), never less. Checked with a small JSON Schema evaluator of exactly
 * the keywords the schema uses (a test below fails if the schema grows a keyword it lacks).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { configJsonSchema, type JsonSchema } from '../../../runtime/config/json-schema.js';
import { parseConfigText } from '../../../runtime/config/load.js';
import { AGENT_KEYS, LANE_KEYS, TOP_KEYS } from '../../../runtime/config/schema.js';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');
const SCHEMA = configJsonSchema();
const ANNOTATIONS = ['$schema', 'title', 'description', 'default'];
const CHECKS = [
  'type',
  'properties',
  'additionalProperties',
  'required',
  'enum',
  'pattern',
  'minimum',
  'maximum',
  'items',
  'minItems',
  'propertyNames',
  'not',
  'anyOf',
];

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** The JSON Schema (draft-07) meaning of the keywords in CHECKS. Returns the paths that fail. */
function errors(s: JsonSchema, v: unknown, at = '$'): string[] {
  const out: string[] = [];
  const fail = (why: string) => out.push(`${at}: ${why}`);
  const t = typeOf(v);
  if (s.type !== undefined) {
    const types = ([] as string[]).concat(s.type as string);
    if (!types.some((x) => x === t || (x === 'number' && t === 'integer')))
      fail(`type ${t}, wanted ${types.join('|')}`);
  }
  if (s.enum && !(s.enum as unknown[]).some((e) => e === v)) fail(`${JSON.stringify(v)} not in enum`);
  if (typeof v === 'string' && s.pattern !== undefined && !new RegExp(s.pattern as string, 'u').test(v))
    fail(`${JSON.stringify(v)} !~ ${s.pattern}`);
  if (typeof v === 'number' && s.minimum !== undefined && v < (s.minimum as number)) fail(`${v} < minimum`);
  if (typeof v === 'number' && s.maximum !== undefined && v > (s.maximum as number)) fail(`${v} > maximum`);
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < (s.minItems as number)) fail('too few items');
    if (s.items) v.forEach((x, i) => out.push(...errors(s.items as JsonSchema, x, `${at}[${i}]`)));
  }
  if (t === 'object') {
    const o = v as Record<string, unknown>;
    for (const r of (s.required as string[] | undefined) ?? []) if (!Object.hasOwn(o, r)) fail(`missing ${r}`);
    const props = (s.properties as Record<string, JsonSchema> | undefined) ?? {};
    for (const [k, x] of Object.entries(o)) {
      if (s.propertyNames) out.push(...errors(s.propertyNames as JsonSchema, k, `${at}{${k}}`));
      if (Object.hasOwn(props, k)) out.push(...errors(props[k]!, x, `${at}.${k}`));
      else if (s.additionalProperties === false) fail(`unknown key ${k}`);
      else if (typeof s.additionalProperties === 'object')
        out.push(...errors(s.additionalProperties as JsonSchema, x, `${at}.${k}`));
    }
  }
  if (s.not && errors(s.not as JsonSchema, v, at).length === 0) fail('matches a refused schema');
  if (s.anyOf && (s.anyOf as JsonSchema[]).every((x) => errors(x, v, at).length > 0)) fail('matches none of anyOf');
  return out;
}

/** Every keyword used anywhere in a schema. */
function keywords(s: unknown, acc = new Set<string>()): Set<string> {
  if (Array.isArray(s)) s.forEach((x) => keywords(x, acc));
  else if (s && typeof s === 'object') {
    for (const [k, v] of Object.entries(s)) {
      acc.add(k);
      if (k === 'properties') Object.values(v as object).forEach((x) => keywords(x, acc));
      else if (k !== 'enum' && k !== 'default' && k !== 'required') keywords(v, acc);
    }
  }
  return acc;
}

function accepted(text: string): boolean {
  try {
    parseConfigText(text, '/srv/org/mailroom.yaml');
    return true;
  } catch {
    return false;
  }
}

/** The yaml blocks of the README that are configs (they have agents:). */
function readmeConfigs(): string[] {
  const md = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  return [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((t) => /^agents:/m.test(t));
}

/** String literals in the test sources that hold a config (a line starting with agents:); `${...}` becomes x. */
function testConfigs(): string[] {
  const files = fs
    .readdirSync(path.join(REPO, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'));
  const out = new Set<string>();
  for (const f of files) {
    const src = fs.readFileSync(path.join(REPO, 'test', f), 'utf8');
    for (const m of src.matchAll(/'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\]|\\.)*)`/g)) {
      const raw = (m[1] ?? m[2]!).replace(/\$\{[^}]*\}/g, 'x');
      const text = raw.replace(/\\n/g, '\n').replace(/\\(['"`\\])/g, '$1');
      if (/^agents:/m.test(text)) out.add(text);
    }
  }
  return [...out];
}

describe('configJsonSchema', () => {
  it('uses only the keywords checked here', () => {
    expect([...keywords(SCHEMA)].filter((k) => ![...ANNOTATIONS, ...CHECKS].includes(k))).toEqual([]);
  });

  it('has exactly the keys the validator allows, in every section', () => {
    const props = (s: unknown) => Object.keys((s as { properties: object }).properties);
    const top = SCHEMA.properties as Record<string, JsonSchema>;
    expect(props(SCHEMA)).toEqual([...TOP_KEYS]);
    expect(props(top.agents!.additionalProperties).sort()).toEqual([...AGENT_KEYS].sort());
    expect(props(top.lanes!.additionalProperties)).toEqual([...LANE_KEYS]);
  });

  it('gives every default a value its own schema accepts', () => {
    const walk = (s: unknown, at: string): void => {
      if (!s || typeof s !== 'object') return;
      const o = s as JsonSchema;
      if (o.default !== undefined) expect(errors(o, o.default, at)).toEqual([]);
      for (const [k, v] of Object.entries(o)) if (k !== 'default' && k !== 'enum') walk(v, `${at}.${k}`);
    };
    walk(SCHEMA, '$');
  });

  it('accepts every config example in the README', () => {
    const blocks = readmeConfigs();
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const b of blocks) expect(errors(SCHEMA, YAML.parse(b)), b).toEqual([]);
  });

  it('accepts every config text in the tests that the validator accepts', () => {
    const texts = testConfigs().filter(accepted);
    expect(texts.length).toBeGreaterThanOrEqual(15);
    for (const t of texts) expect(errors(SCHEMA, YAML.parse(t)), t).toEqual([]);
  });

  it('accepts what init writes and a config with every key', () => {
    const full = fs.readFileSync(path.join(REPO, 'test', 'unit', 'runtime', 'full-config.yaml'), 'utf8');
    expect(accepted(full)).toBe(true);
    expect(errors(SCHEMA, YAML.parse(full))).toEqual([]);
    const keys = new Set(Object.keys(YAML.parse(full) as object));
    expect(TOP_KEYS.filter((k) => !keys.has(k))).toEqual([]);
  });

  it.each([
    ['no agents', 'groups: {}\n'],
    ['agents as a list', 'agents: [a, b]\n'],
    ['an unknown top key', 'agents: {}\nagentz: {}\n'],
    ['an unknown agent key', 'agents:\n  a: { comand: x }\n'],
    ['a bad agent name', 'agents:\n  Alice: {}\n'],
    ['a reserved agent name', 'agents:\n  operator: {}\n'],
    ['an agent named constructor', 'agents:\n  constructor: {}\n'],
    ['a duration with no unit', 'agents:\n  a: { timeout: 600 }\n'],
    ['a word for a duration', 'agents: {}\nscan_interval: soon\n'],
    ['a zero concurrency', 'agents: {}\nlanes: { l: { concurrency: 0 } }\n'],
    ['101 attempts', 'agents:\n  a: { max_attempts: 101 }\n'],
    ['an unknown sandbox', 'agents:\n  a: { sandbox: docker }\n'],
    ['an unknown network', 'network: bridge\nagents: {}\n'],
    ['a secret in env', 'agents:\n  a: { env: { api_token: x } }\n'],
    ['LD_PRELOAD in env', 'agents:\n  a: { env: { LD_PRELOAD: x } }\n'],
    ['BASH_FUNC_ in env', 'agents:\n  a: { env: { BASH_FUNC_x: x } }\n'],
    ['HOME in env', 'agents:\n  a: { env: { HOME: x } }\n'],
    ['PYTHONPATH as a secret', 'agents:\n  a: { secrets: [PYTHONPATH] }\n'],
    ['a lowercase secret', 'agents:\n  a: { secrets: [key] }\n'],
    ['a relative read-only path', 'agents:\n  a: { read_only_paths: [bin] }\n'],
    ['an empty group', 'agents: { a: {} }\ngroups: { g: [] }\n'],
    ['a non-canonical priority', 'agents: {}\nstuck_after: { urgent: 5m }\n'],
    ['an empty command', 'agents:\n  a: { command: "" }\n'],
    ['a negative board_done_max', 'agents: {}\nboard_done_max: -1\n'],
    ['unlimited for board_done_max', 'agents: {}\nboard_done_max: unlimited\n'],
  ])('refuses %s, as the validator does', (_what, text) => {
    expect(accepted(text)).toBe(false);
    expect(errors(SCHEMA, YAML.parse(text))).not.toEqual([]);
  });
});
