/**
 * An HTTP failure of a model API, read as a handler exit (runtime/lanes/retry.ts):
 *
 *   429, 503, 529 (rate-limited, unavailable, overloaded) -> exit 75: the lane cools down for
 *       `retry-after: N` (printed on stderr), N from the provider's headers, else the default
 *   408, 409, any other 5xx, a timeout, no connection     -> exit 1: a failed attempt, back-off
 *   any other 4xx (bad key, unknown model, too long)      -> exit 78: permanent, no more attempts
 *
 * The provider's own error text is kept for the dead letter and the bounce. Pure: `now` comes in.
 */
import { EXIT_PERMANENT, EXIT_TEMPFAIL } from '../lanes/retry.js';

export const EXIT_FAILED = 1;

export interface HttpFailure {
  exitCode: typeof EXIT_FAILED | typeof EXIT_TEMPFAIL | typeof EXIT_PERMANENT;
  /** Whole seconds the lane should wait, when the provider said (only with exit 75). */
  retryAfter?: number;
  /** For people: the status and the provider's own words. */
  message: string;
}

const TEMPORARY = new Set([429, 503, 529]);
const RETRIED = new Set([408, 409]);
/** A provider asking for more than this is believed only up to here (the lane re-asks then). */
const MAX_WAIT_S = 3600;

/** Go-style durations in OpenAI's x-ratelimit-reset-* headers: `20ms`, `1s`, `6m0s`, `1h2m3.5s`. */
export function goDurationMs(s: string): number | null {
  const parts = [...s.trim().matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== s.trim()) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  return parts.reduce((t, p) => t + Number(p[1]) * unit[p[2] as keyof typeof unit], 0);
}

/** How long the provider asks us to wait, in ms, from its headers (names in lower case); null when it does not say. */
export function waitFromHeaders(h: Readonly<Record<string, string>>, now: number): number | null {
  if (h['retry-after-ms'] !== undefined && Number.isFinite(Number(h['retry-after-ms'])))
    return Number(h['retry-after-ms']);
  const ra = h['retry-after'];
  if (ra !== undefined) {
    if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Number(ra) * 1000;
    const at = Date.parse(ra);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  const waits: number[] = [];
  for (const [name, value] of Object.entries(h)) {
    if (/^anthropic-ratelimit-.*-reset$/.test(name)) {
      const at = Date.parse(value);
      if (Number.isFinite(at)) waits.push(Math.max(0, at - now));
    } else if (/^x-ratelimit-reset-/.test(name)) {
      const ms = goDurationMs(value) ?? (/^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : null);
      if (ms !== null) waits.push(ms);
    }
  }
  return waits.length ? Math.max(...waits) : null;
}

/** The provider's error text: `error.message` in both APIs' error bodies, else the start of the body. */
export function providerText(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown; type?: unknown } | string; message?: unknown };
    const e = j.error;
    if (typeof e === 'string') return e;
    if (e && typeof e.message === 'string') return typeof e.type === 'string' ? `${e.type}: ${e.message}` : e.message;
    if (typeof j.message === 'string') return j.message;
  } catch {
    /* not JSON: the text itself */
  }
  const text = body.replace(/\s+/g, ' ').trim();
  return text ? text.slice(0, 300) : '(no body)';
}

/** What an HTTP status other than 2xx means for the run. */
export function classifyStatus(
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
  now: number,
): HttpFailure {
  const message = `HTTP ${status}: ${providerText(body)}`;
  if (TEMPORARY.has(status)) {
    const ms = waitFromHeaders(headers, now);
    const retryAfter = ms === null ? undefined : Math.min(MAX_WAIT_S, Math.max(1, Math.ceil(ms / 1000)));
    return { exitCode: EXIT_TEMPFAIL, ...(retryAfter !== undefined ? { retryAfter } : {}), message };
  }
  if (status >= 500 || RETRIED.has(status)) return { exitCode: EXIT_FAILED, message };
  return {
    exitCode: EXIT_PERMANENT,
    message: `${message} (a request the provider refuses; trying again would not help: check the model name, the key and base_url)`,
  };
}
