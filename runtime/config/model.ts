/**
 * An agent's `model:` section: a model handler instead of a `command:`. The table of its keys
 * (read by the validator and by json-schema.ts), its defaults, and its validator. A model agent
 * gets mailroom's own model client as its command (runtime/model/command.ts), so it runs
 * through the same runner, lanes, attempts, timeout and jail as any handler. Pure.
 */
import { formatDuration } from '../../bus/time.js';
import { DEFAULT_BASE_URLS, PROVIDERS } from '../model/providers.js';
import { grantProblem, SECRET_NAME_RE } from './grants.js';
import { checkKeys, isMap, readOptions, show, type Problems } from './primitives.js';
import type { ModelConfig, Rule } from './schema.js';

export const MODEL_DEFAULTS = Object.freeze({ max_tokens: 2000, history_tokens: 6000, request_timeout_ms: 120_000 });

export const MODEL_OPTIONS = {
  provider: {
    kind: 'oneOf',
    values: PROVIDERS,
    noun: 'provider',
    doc: 'openai: any chat-completions API (OpenAI, DeepSeek, OpenRouter, Ollama, vLLM: set base_url); anthropic: the Messages API.',
  },
  model: {
    kind: 'text',
    what: 'a model name such as deepseek-chat',
    nonEmpty: true,
    doc: 'The model, as the provider names it: deepseek-chat, gpt-4o-mini, claude-sonnet-4-5, llama3.1.',
  },
  base_url: {
    kind: 'text',
    what: 'an http(s) URL such as https://api.deepseek.com/v1',
    nonEmpty: true,
    doc: `The API's base URL. Default: ${DEFAULT_BASE_URLS.openai} (openai), ${DEFAULT_BASE_URLS.anthropic} (anthropic).`,
  },
  max_tokens: {
    kind: 'whole',
    min: 1,
    max: 1_000_000,
    default: MODEL_DEFAULTS.max_tokens,
    doc: 'The longest answer, in tokens.',
  },
  system: {
    kind: 'text',
    what: 'a file path relative to the workspace, e.g. prompts/scout.md',
    nonEmpty: true,
    doc: "The system prompt's file, relative to the agent's workspace (the jailed handler sees nothing else).",
  },
  request_timeout: {
    kind: 'duration',
    min: 10,
    doc: "One HTTP request may take this long (default: 2m, or 80% of the agent's timeout if that is shorter); below the agent's timeout.",
  },
  history_tokens: {
    kind: 'whole',
    min: 0,
    default: MODEL_DEFAULTS.history_tokens,
    doc: 'Earlier messages of the thread are kept, newest first, within about this many tokens (characters / 4).',
  },
} as const satisfies Readonly<Record<string, Rule>>;

export const MODEL_SECRET_DOC =
  'The stored secret holding the API key (mailroom secret set NAME); the handler receives it like a secrets: grant. None: no key is sent (a local Ollama).';
export const MODEL_PRICE_DOC =
  'US dollars per million tokens, for the cost on the board: { input_per_mtok: 0.27, output_per_mtok: 1.10 }.';
export const PRICE_OPTIONS = {
  input_per_mtok: { kind: 'number', min: 0, doc: 'US dollars per million input (prompt) tokens.' },
  output_per_mtok: { kind: 'number', min: 0, doc: 'US dollars per million output (answer) tokens.' },
} as const satisfies Readonly<Record<string, Rule>>;

export const MODEL_REQUIRED = ['provider', 'model'] as const;
export const MODEL_KEYS: readonly string[] = [...Object.keys(MODEL_OPTIONS), 'secret', 'price'];

function checkUrl(p: Problems, url: string, where: string): string {
  let u: URL | null = null;
  try {
    u = new URL(url);
  } catch {
    /* said below */
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:'))
    p.push(
      `${where}: ${show(url)} is not an http(s) URL; e.g. https://api.deepseek.com/v1 or http://127.0.0.1:11434/v1`,
    );
  else if (u.username || u.password)
    p.push(
      `${where}: a URL with a user or password in it puts a secret in mailroom.yaml; store the key with \`mailroom secret set NAME\` and name it in secret:`,
    );
  return url.replace(/\/+$/, '');
}

function checkSystemPath(p: Problems, file: string, where: string): void {
  if (file.startsWith('/') || file.split('/').includes('..'))
    p.push(
      `${where}: ${show(file)} must be a path inside the agent's workspace (relative, no ..), e.g. prompts/scout.md; the jailed handler sees only its workspace`,
    );
}

function readPrice(p: Problems, raw: unknown, where: string): ModelConfig['price'] {
  if (raw === undefined || raw === null) return undefined;
  if (!isMap(raw)) {
    p.push(`${where}: must be a map like { input_per_mtok: 0.27, output_per_mtok: 1.10 }, got ${show(raw)}`);
    return undefined;
  }
  checkKeys(p, raw, Object.keys(PRICE_OPTIONS), where);
  const o = readOptions(p, raw, PRICE_OPTIONS, where);
  for (const k of Object.keys(PRICE_OPTIONS))
    if (raw[k] === undefined) p.push(`${where}.${k}: required (US dollars per million tokens), e.g. 0.27`);
  return o.input_per_mtok === undefined || o.output_per_mtok === undefined
    ? undefined
    : Object.freeze({ inputPerMtok: o.input_per_mtok, outputPerMtok: o.output_per_mtok });
}

function readSecret(p: Problems, raw: unknown, where: string): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const refused = typeof raw === 'string' ? grantProblem(raw) : undefined;
  if (typeof raw !== 'string' || !SECRET_NAME_RE.test(raw))
    p.push(`${where}: ${show(raw)} is not a secret name (capital letters, digits, _), e.g. DEEPSEEK_API_KEY`);
  else if (refused) p.push(`${where}: ${refused}`);
  else return raw;
  return undefined;
}

/** `agents.<name>.model`, checked. `timeout` is the agent's: the request timeout must stay below it. */
export function validateModel(p: Problems, raw: unknown, where: string, timeout: number): ModelConfig | undefined {
  if (!isMap(raw)) {
    p.push(
      `${where}: must be a map like { provider: openai, model: deepseek-chat, base_url: https://api.deepseek.com/v1, secret: DEEPSEEK_API_KEY }, got ${show(raw)}`,
    );
    return undefined;
  }
  const before = p.length;
  checkKeys(p, raw, MODEL_KEYS, where);
  const o = readOptions(p, raw, MODEL_OPTIONS, where);
  for (const k of MODEL_REQUIRED)
    if (raw[k] === undefined || raw[k] === null) p.push(`${where}.${k}: required; ${MODEL_OPTIONS[k].doc}`);
  const baseUrl =
    o.base_url !== undefined
      ? checkUrl(p, o.base_url, `${where}.base_url`)
      : o.provider
        ? DEFAULT_BASE_URLS[o.provider]
        : '';
  if (o.system !== undefined) checkSystemPath(p, o.system, `${where}.system`);
  const requestTimeout = o.request_timeout ?? Math.min(MODEL_DEFAULTS.request_timeout_ms, Math.floor(timeout * 0.8));
  if (requestTimeout >= timeout)
    p.push(
      `${where}.request_timeout: ${formatDuration(requestTimeout)} must be below the agent's timeout (${formatDuration(timeout)}), so that a slow request fails as a request, with its reason, before the run is killed`,
    );
  const secret = readSecret(p, raw.secret, `${where}.secret`);
  const price = readPrice(p, raw.price, `${where}.price`);
  if (p.length > before || !o.provider || !o.model) return undefined;
  return Object.freeze({
    provider: o.provider,
    model: o.model,
    baseUrl,
    secret,
    maxTokens: o.max_tokens,
    system: o.system,
    price,
    requestTimeout,
    historyTokens: o.history_tokens,
  });
}
