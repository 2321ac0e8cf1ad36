/**
 * The two HTTP APIs a model handler speaks, as plain data: a request to send and the answer
 * read back. `openai` is the chat-completions API that OpenAI, DeepSeek, OpenRouter, Ollama
 * and vLLM all serve (only base_url differs); `anthropic` is the Messages API. Pure: no I/O,
 * no SDK (the SDKs retry on their own, which would hide 429s from the lane; see the README).
 */
import type { ModelConfig, ModelPrice } from '../config/schema.js';

export const PROVIDERS = ['openai', 'anthropic'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const DEFAULT_BASE_URLS: Readonly<Record<Provider, string>> = Object.freeze({
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
});

/** The Messages API version mailroom speaks. */
export const ANTHROPIC_VERSION = '2023-06-01';

export interface Turn {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

export interface Prompt {
  readonly system: string;
  /** Alternating, starting with `user`; the last is the new message. */
  readonly turns: readonly Turn[];
}

export interface HttpRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface TokenUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
}

export interface Answer {
  readonly text: string;
  readonly usage: TokenUsage;
}

/** A 2xx answer that is not what the API promises: a failed attempt (retried), with this reason. */
export class MalformedAnswer extends Error {
  override name = 'MalformedAnswer';
}

type RequestSettings = Pick<ModelConfig, 'provider' | 'model' | 'baseUrl' | 'maxTokens'>;

/** The request for one answer. `key` is the API key (none for a local server without one). */
export function buildRequest(m: RequestSettings, prompt: Prompt, key: string | undefined): HttpRequest {
  const json = { 'content-type': 'application/json' };
  if (m.provider === 'anthropic') {
    const body = { model: m.model, max_tokens: m.maxTokens, system: prompt.system, messages: prompt.turns };
    return {
      url: `${m.baseUrl}/messages`,
      headers: { ...json, 'anthropic-version': ANTHROPIC_VERSION, ...(key ? { 'x-api-key': key } : {}) },
      body: JSON.stringify(body),
    };
  }
  const body = {
    model: m.model,
    max_tokens: m.maxTokens,
    stream: false,
    messages: [{ role: 'system', content: prompt.system }, ...prompt.turns],
  };
  return {
    url: `${m.baseUrl}/chat/completions`,
    headers: { ...json, ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  };
}

function count(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  throw new MalformedAnswer(`${what} is ${JSON.stringify(v) ?? 'missing'}, not a token count`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function readOpenai(j: Record<string, unknown>): Answer {
  const choice = Array.isArray(j.choices) ? j.choices[0] : undefined;
  const message = isObject(choice) ? choice.message : undefined;
  const text = isObject(message) ? message.content : undefined;
  if (typeof text !== 'string') throw new MalformedAnswer('choices[0].message.content is not text');
  const u = isObject(j.usage) ? j.usage : {};
  return {
    text,
    usage: {
      input_tokens: count(u.prompt_tokens, 'usage.prompt_tokens'),
      output_tokens: count(u.completion_tokens, 'usage.completion_tokens'),
    },
  };
}

function readAnthropic(j: Record<string, unknown>): Answer {
  if (!Array.isArray(j.content)) throw new MalformedAnswer('content is not a list of blocks');
  const text = j.content
    .filter((b): b is { type: 'text'; text: string } => isObject(b) && b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text)
    .join('');
  const u = isObject(j.usage) ? j.usage : {};
  return {
    text,
    usage: {
      input_tokens: count(u.input_tokens, 'usage.input_tokens'),
      output_tokens: count(u.output_tokens, 'usage.output_tokens'),
    },
  };
}

/** The answer in a 2xx response body; MalformedAnswer when it is not one. */
export function readAnswer(provider: Provider, body: string): Answer {
  let j: unknown;
  try {
    j = JSON.parse(body);
  } catch {
    throw new MalformedAnswer(`the body is not JSON: ${JSON.stringify(body.slice(0, 120))}`);
  }
  if (!isObject(j)) throw new MalformedAnswer('the body is not a JSON object');
  return provider === 'anthropic' ? readAnthropic(j) : readOpenai(j);
}

/** US dollars for `usage` at `price` (per million tokens), to the micro-dollar; 0 without a price. */
export function costOf(usage: TokenUsage, price: ModelPrice | undefined): number {
  if (!price) return 0;
  return Math.round(usage.input_tokens * price.inputPerMtok + usage.output_tokens * price.outputPerMtok) / 1e6;
}
