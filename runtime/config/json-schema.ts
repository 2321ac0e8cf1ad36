/**
 * A JSON Schema (draft-07) of mailroom.yaml for editors (yaml-language-server completes and
 * checks a file that names it). Built from the tables and patterns the validator itself uses
 * (schema.ts, grants.ts, primitives.ts), so a key, a default or an allowed value cannot be
 * added to one and forgotten in the other.
 *
 * The schema is the validator's outline, not its equal: it cannot see across keys (a lane that
 * exists, group members that are agents, read_only_paths outside the org) or compare
 * durations, so `validateConfig` stays the judge and the schema only ever accepts more.
 */
import { PRIORITIES } from '../../bus/priority.js';
import { DURATION_RE, formatDuration } from '../../bus/time.js';
import { RESERVED_NAMES } from '../../bus/vocabulary.js';
import { ENV_NAME_RE, RESERVED_ENV, RUNS_CODE, SECRET_LIKE, SECRET_NAME_RE } from './grants.js';
import { MODEL_OPTIONS, MODEL_PRICE_DOC, MODEL_REQUIRED, MODEL_SECRET_DOC, PRICE_OPTIONS } from './model.js';
import { BUILT_IN_NAMES } from './primitives.js';
import { BUILT_IN_KINDS, GRANT_CURRENCY_RE, GRANT_UNTIL_RE } from './governance.js';
import {
  AGENT_LIST_DOCS,
  AGENT_OPTIONS,
  BRIDGE_NATS_OPTIONS,
  BRIDGE_OPTIONS,
  DEFAULTS,
  LANE_OPTIONS,
  NAME_RE,
  SECTION_DOCS,
  TOP_OPTIONS,
  type Rule,
} from './schema.js';

export type JsonSchema = { readonly [keyword: string]: unknown };

/** What parseDuration reads, around spaces it trims. */
const DURATION_PATTERN = `^\\s*${DURATION_RE.source.slice(1, -1)}\\s*$`;

/** A pattern without flags that matches like `re` with the `i` flag (for letters only). */
function caseless(source: string): string {
  return source.replace(/[A-Z]/g, (c) => `[${c}${c.toLowerCase()}]`);
}

/** The names that run code: prefixes and exact names, as one pattern. */
const RUNS_CODE_PATTERN = RUNS_CODE.map((r) => (r.prefix ? `^${r.name}` : `^${r.name}$`)).join('|');

/** Every option may also be left empty (`key:`), which means its default; text may not. */
export function ruleSchema(rule: Rule): JsonSchema {
  const orNull = (type: string) => [type, 'null'];
  const base = { description: rule.doc, ...(rule.default !== undefined ? { default: rule.default } : {}) };
  switch (rule.kind) {
    case 'duration':
      return {
        ...base,
        type: orNull('string'),
        pattern: DURATION_PATTERN,
        description: `${rule.doc} A duration${rule.min > 0 ? ` of at least ${formatDuration(rule.min)}` : ''}: 250ms, 30s, 5m, 4h, 1d.`,
      };
    case 'whole':
      return {
        ...base,
        type: orNull('integer'),
        minimum: rule.min,
        ...(rule.max !== undefined ? { maximum: rule.max } : {}),
      };
    case 'amount':
      return { ...base, type: orNull('number'), minimum: 0 };
    case 'number':
      return { ...base, type: orNull('number'), minimum: rule.min };
    case 'oneOf':
      return { ...base, enum: [...rule.values, null] };
    case 'boolean':
      return { ...base, type: orNull('boolean') };
    case 'text':
      return { ...base, type: 'string', ...(rule.nonEmpty ? { pattern: '\\S' } : {}) };
  }
}

function options(table: Readonly<Record<string, Rule>>): Record<string, JsonSchema> {
  return Object.fromEntries(Object.entries(table).map(([key, rule]) => [key, ruleSchema(rule)]));
}

function names(noun: string, reserved: readonly string[]): JsonSchema {
  return {
    pattern: NAME_RE.source,
    not: { enum: [...reserved, ...BUILT_IN_NAMES] },
    description: `A${/^[aeiou]/.test(noun) ? 'n' : ''} ${noun} name: lowercase letters, digits, - and _, starting with a letter (at most 40).`,
  };
}

const GRANT_REFUSED: JsonSchema = { anyOf: [{ enum: RESERVED_ENV }, { pattern: RUNS_CODE_PATTERN }] };

/** The agent settings that are references or lists; typed so that a new one in AGENT_LIST_DOCS needs a schema here. */
const AGENT_LISTS: Record<keyof typeof AGENT_LIST_DOCS, JsonSchema> = {
  lane: { type: 'string', pattern: NAME_RE.source },
  env: {
    type: ['object', 'null'],
    propertyNames: {
      pattern: ENV_NAME_RE.source,
      not: { anyOf: [...(GRANT_REFUSED.anyOf as JsonSchema[]), { pattern: caseless(SECRET_LIKE.source) }] },
    },
    additionalProperties: { type: ['string', 'number', 'boolean'] },
  },
  secrets: { type: ['array', 'null'], items: { type: 'string', pattern: SECRET_NAME_RE.source, not: GRANT_REFUSED } },
  read_only_paths: { type: ['array', 'null'], items: { type: 'string', pattern: '^/' }, default: [] },
  may_approve: {
    type: ['object', 'null'],
    propertyNames: { pattern: NAME_RE.source },
    additionalProperties: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        max_amount: { type: 'number', minimum: 0 },
        currency: { type: 'string', pattern: GRANT_CURRENCY_RE.source },
        until: { type: 'string', pattern: GRANT_UNTIL_RE.source },
      },
    },
  },
  may_send_to: {
    type: ['array', 'null'],
    items: { type: 'string', anyOf: [{ pattern: NAME_RE.source }, { enum: ['*'] }] },
  },
  model: {
    type: 'object',
    additionalProperties: false,
    required: [...MODEL_REQUIRED],
    properties: {
      ...options(MODEL_OPTIONS),
      secret: { description: MODEL_SECRET_DOC, type: 'string', pattern: SECRET_NAME_RE.source, not: GRANT_REFUSED },
      price: {
        description: MODEL_PRICE_DOC,
        type: 'object',
        additionalProperties: false,
        required: Object.keys(PRICE_OPTIONS),
        properties: options(PRICE_OPTIONS),
      },
    },
  },
};

function agentSchema(): JsonSchema {
  const lists = Object.fromEntries(
    Object.entries(AGENT_LISTS).map(([k, s]) => [
      k,
      { description: AGENT_LIST_DOCS[k as keyof typeof AGENT_LIST_DOCS], ...s },
    ]),
  );
  return { type: ['object', 'null'], additionalProperties: false, properties: { ...options(AGENT_OPTIONS), ...lists } };
}

/** One duration per priority: how old unread mail may grow before it is alerted. */
function stuckSchema(): JsonSchema {
  const stuck = Object.fromEntries(
    PRIORITIES.map((p) => [
      p,
      ruleSchema({
        kind: 'duration',
        min: 1,
        default: DEFAULTS.stuck_after[p],
        doc: `Unread ${p} mail older than this is alerted.`,
      }),
    ]),
  );
  return { type: ['object', 'null'], additionalProperties: false, properties: stuck };
}

/** The bridge to other orgs over NATS. */
function bridgeSchema(): JsonSchema {
  return {
    type: ['object', 'null'],
    additionalProperties: false,
    required: ['nats'],
    properties: {
      nats: {
        type: 'object',
        additionalProperties: false,
        required: ['org'],
        properties: {
          ...options(BRIDGE_NATS_OPTIONS),
          org: { ...ruleSchema(BRIDGE_NATS_OPTIONS.org), pattern: NAME_RE.source },
          creds: { ...ruleSchema(BRIDGE_NATS_OPTIONS.creds), pattern: SECRET_NAME_RE.source },
        },
      },
      peers: {
        type: ['array', 'null'],
        description: 'The orgs this org may send to (to: agent@<peer>).',
        items: { type: 'string', pattern: NAME_RE.source },
      },
      ...options(BRIDGE_OPTIONS),
    },
  };
}

function sections(): Record<keyof typeof SECTION_DOCS, JsonSchema> {
  return {
    agents: {
      type: ['object', 'null'],
      propertyNames: names('agent', RESERVED_NAMES),
      additionalProperties: agentSchema(),
    },
    groups: {
      type: ['object', 'null'],
      propertyNames: names('group', RESERVED_NAMES),
      additionalProperties: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', pattern: `${NAME_RE.source.slice(0, -1)}(@${NAME_RE.source.slice(1, -1)})?$` },
      },
    },
    lanes: {
      type: ['object', 'null'],
      propertyNames: names('lane', []),
      additionalProperties: { type: 'object', additionalProperties: false, properties: options(LANE_OPTIONS) },
    },
    stuck_after: stuckSchema(),
    approval_required: {
      type: ['array', 'null'],
      items: { type: 'string', pattern: NAME_RE.source, not: { enum: [...BUILT_IN_KINDS] } },
    },
    bridge: bridgeSchema(),
  };
}

/** The JSON Schema of mailroom.yaml. */
export function configJsonSchema(): JsonSchema {
  const described = Object.entries(sections()).map(([k, s]) => [
    k,
    { description: SECTION_DOCS[k as keyof typeof SECTION_DOCS], ...s },
  ]);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'mailroom.yaml',
    description: 'The configuration of a mailroom org: its agents, groups, lanes and limits.',
    type: 'object',
    required: ['agents'],
    additionalProperties: false,
    properties: { ...Object.fromEntries(described), ...options(TOP_OPTIONS) },
  };
}
