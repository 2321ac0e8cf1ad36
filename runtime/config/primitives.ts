/**
 * The checks every section of mailroom.yaml is built from, each with one wording: a problem
 * is `<path>: <what is wrong>, got <value>` or `<path>: unknown <noun> <value>; allowed
 * values: ...`, so a person sees the key, what was found and what to write instead.
 * Pure: each check appends to a list of problems and returns the value it read, or undefined.
 */
import { RESERVED_NAMES } from '../../bus/vocabulary.js';
import { formatDuration, parseDuration } from '../../bus/time.js';
import { NAME_RE, type Rule } from './schema.js';

export type Problems = string[];

export function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A value as it appears in a message: JSON, so text is quoted and `null` is visible. */
export function show(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v); // YAML's .inf and .nan, which JSON shows as null
  return JSON.stringify(v) ?? String(v);
}

/** `agents` + `cfo` -> `agents.cfo`; at the top level the key alone. */
export function at(path: string | null, key: string): string {
  return path === null ? key : `${path}.${key}`;
}

/** A map with no prototype: looking up `constructor` or `__proto__` in it finds nothing. */
export function emptyMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** Edit distance of two short words (for "did you mean"). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** ` (did you mean "command"?)` when one allowed word is a typo away, else nothing. */
export function didYouMean(word: string, allowed: readonly string[]): string {
  const near = allowed.filter((a) => distance(word.toLowerCase(), a) <= Math.min(2, Math.floor(a.length / 3)));
  return near.length === 1 ? ` (did you mean ${show(near[0])}?)` : '';
}

/** `agents.cfo.comand: unknown key "comand" ...`; at the top level, where the path would only repeat the key, without it. */
export function checkKeys(
  p: Problems,
  map: Record<string, unknown>,
  allowed: readonly string[],
  path: string | null,
): void {
  for (const key of Object.keys(map)) {
    if (allowed.includes(key)) continue;
    const where = path === null ? '' : `${at(path, key)}: `;
    p.push(`${where}unknown key ${show(key)}${didYouMean(key, allowed)}; allowed keys: ${allowed.join(', ')}`);
  }
}

export function oneOf<T extends string>(
  p: Problems,
  value: unknown,
  values: readonly T[],
  noun: string,
  path: string,
): T | undefined {
  if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
  p.push(`${path}: unknown ${noun} ${show(value)}; allowed values: ${values.join(', ')}`);
  return undefined;
}

export function wholeNumber(
  p: Problems,
  value: unknown,
  rule: { min: number; max?: number; unit?: string; hint?: string },
  path: string,
): number | undefined {
  const { min, max, unit, hint } = rule;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && (max === undefined || value <= max))
    return value;
  p.push(
    `${path}: must be a whole number${unit ? ` of ${unit}` : ''} from ${min} ${max === undefined ? 'up' : `to ${max}`}, got ${show(value)}${hint ? `; ${hint}` : ''}`,
  );
  return undefined;
}

/** A non-negative amount such as a budget in dollars (a decimal number). */
export function amount(p: Problems, value: unknown, unit: string, path: string): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  p.push(`${path}: must be a number of ${unit} from 0 up (decimals allowed, e.g. 12.5), got ${show(value)}`);
  return undefined;
}

export function decimal(p: Problems, value: unknown, min: number, path: string): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= min) return value;
  p.push(`${path}: must be a number from ${min} up, got ${show(value)}`);
  return undefined;
}

export function duration(p: Problems, value: unknown, min: number, path: string): number | undefined {
  const ms = parseDuration(value);
  if (ms !== null && ms >= min) return ms;
  const atLeast = min > 0 ? ` of at least ${formatDuration(min)}` : '';
  p.push(
    `${path}: ${show(value)} is not a duration${atLeast}; write a number and a unit (ms, s, m, h, d), e.g. 250ms, 30s, 5m, 4h, 1d`,
  );
  return undefined;
}

export function boolean(p: Problems, value: unknown, path: string): boolean | undefined {
  if (typeof value === 'boolean') return value;
  p.push(`${path}: must be true or false, got ${show(value)}`);
  return undefined;
}

export function text(
  p: Problems,
  value: unknown,
  rule: { what: string; nonEmpty?: boolean },
  path: string,
): string | undefined {
  if (typeof value === 'string' && !(rule.nonEmpty && value.trim() === '')) return value;
  p.push(`${path}: must be ${rule.what}, got ${show(value)}`);
  return undefined;
}

/** The names JavaScript gives every object; a name that is one of them is refused everywhere. */
export const BUILT_IN_NAMES: readonly string[] = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];

/** Checks an agent, group or lane name. True when it may be used. */
export function name(p: Problems, value: string, noun: 'agent' | 'group' | 'lane', path: string): boolean {
  const before = p.length;
  if (!NAME_RE.test(value))
    p.push(
      `${path}: a${noun === 'agent' ? 'n' : ''} ${noun} name is lowercase letters, digits, - and _, starting with a letter (at most 40)`,
    );
  else if (BUILT_IN_NAMES.includes(value))
    p.push(
      `${path}: ${show(value)} is a name every JavaScript object already has, so mailroom cannot tell it apart; choose another name`,
    );
  if (noun !== 'lane' && (RESERVED_NAMES as readonly string[]).includes(value))
    p.push(`${path}: ${show(value)} is reserved (${RESERVED_NAMES.join(', ')}); choose another name`);
  return p.length === before;
}

/** The value a rule reads: durations in ms, whole numbers, booleans, text, one of a set. */
export type Parsed<R extends Rule> = R extends { kind: 'duration' | 'whole' | 'amount' | 'number' }
  ? number
  : R extends { kind: 'boolean' }
    ? boolean
    : R extends { kind: 'oneOf'; values: readonly (infer V)[] }
      ? V
      : string;

export type Options<T extends Readonly<Record<string, Rule>>> = {
  -readonly [K in keyof T]: Parsed<T[K]> | (T[K] extends { default: unknown } ? never : undefined);
};

/** Check one value against its rule. */
export function check<R extends Rule>(p: Problems, value: unknown, rule: R, path: string): Parsed<R> | undefined {
  switch (rule.kind) {
    case 'duration':
      return duration(p, value, rule.min, path) as Parsed<R> | undefined;
    case 'whole':
      return wholeNumber(p, value, rule, path) as Parsed<R> | undefined;
    case 'amount':
      return amount(p, value, rule.unit, path) as Parsed<R> | undefined;
    case 'number':
      return decimal(p, value, rule.min, path) as Parsed<R> | undefined;
    case 'oneOf':
      return oneOf(p, value, rule.values, rule.noun, path) as Parsed<R> | undefined;
    case 'boolean':
      return boolean(p, value, path) as Parsed<R> | undefined;
    case 'text':
      return text(p, value, rule, path) as Parsed<R> | undefined;
  }
}

/**
 * Read every key of a table from a map. An absent key takes the rule's default, if it has one;
 * so does `key:` with no value (null), except for text, where an empty `command:` is a mistake.
 */
export function readOptions<T extends Readonly<Record<string, Rule>>>(
  p: Problems,
  map: Record<string, unknown>,
  table: T,
  path: string | null,
): Options<T> {
  const out: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(table)) {
    const raw = map[key];
    if (raw !== undefined && (raw !== null || rule.kind === 'text')) out[key] = check(p, raw, rule, at(path, key));
    if (out[key] === undefined && rule.default !== undefined) out[key] = check([], rule.default, rule, at(path, key));
  }
  return out as Options<T>;
}
