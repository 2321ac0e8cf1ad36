/** The provider mapping (requests, answers, cost) and how an HTTP failure becomes a handler exit. */
import { describe, expect, it } from 'vitest';
import { classifyStatus, goDurationMs, providerText, waitFromHeaders } from '../../../runtime/model/errors.js';
import { buildRequest, costOf, MalformedAnswer, readAnswer } from '../../../runtime/model/providers.js';
import { readExit } from '../../../runtime/lanes/retry.js';

const prompt = { system: 'Be brief.', turns: [{ role: 'user' as const, content: 'Hi' }] };

describe('buildRequest', () => {
  it('openai: chat completions, the system prompt first, a bearer key', () => {
    const r = buildRequest(
      { provider: 'openai', model: 'deepseek-chat', baseUrl: 'https://api.deepseek.com/v1', maxTokens: 100 },
      prompt,
      'sk-1',
    );
    expect(r.url).toBe('https://api.deepseek.com/v1/chat/completions');
    expect(r.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer sk-1' });
    expect(JSON.parse(r.body)).toEqual({
      model: 'deepseek-chat',
      max_tokens: 100,
      stream: false,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    });
  });

  it('anthropic: the Messages API, system apart, x-api-key and anthropic-version', () => {
    const r = buildRequest(
      { provider: 'anthropic', model: 'claude', baseUrl: 'https://api.anthropic.com/v1', maxTokens: 100 },
      prompt,
      'sk-ant',
    );
    expect(r.url).toBe('https://api.anthropic.com/v1/messages');
    expect(r.headers).toEqual({
      'content-type': 'application/json',
      'x-api-key': 'sk-ant',
      'anthropic-version': '2023-06-01',
    });
    expect(JSON.parse(r.body)).toEqual({
      model: 'claude',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hi' }],
    });
  });

  it('without a key (a local Ollama) sends no authorization', () => {
    expect(
      buildRequest(
        { provider: 'openai', model: 'llama', baseUrl: 'http://127.0.0.1:11434/v1', maxTokens: 1 },
        prompt,
        undefined,
      ).headers,
    ).toEqual({ 'content-type': 'application/json' });
  });
});

describe('readAnswer', () => {
  it.each([
    [
      'openai',
      {
        choices: [{ message: { role: 'assistant', content: 'Hello' } }],
        usage: { prompt_tokens: 12, completion_tokens: 3 },
      },
      { text: 'Hello', usage: { input_tokens: 12, output_tokens: 3 } },
    ],
    [
      'anthropic',
      {
        content: [{ type: 'text', text: 'Hel' }, { type: 'tool_use' }, { type: 'text', text: 'lo' }],
        usage: { input_tokens: 12, output_tokens: 3 },
      },
      { text: 'Hello', usage: { input_tokens: 12, output_tokens: 3 } },
    ],
  ] as const)('%s', (provider, body, answer) => {
    expect(readAnswer(provider, JSON.stringify(body))).toEqual(answer);
  });

  it.each([
    ['openai', '{"choices": [', 'the body is not JSON'],
    ['openai', '[1]', 'not a JSON object'],
    ['openai', '{"choices": []}', 'choices[0].message.content is not text'],
    ['openai', '{"choices": [{"message": {"content": "x"}}]}', 'usage.prompt_tokens is missing'],
    ['anthropic', '{"content": "x"}', 'content is not a list'],
    ['anthropic', '{"content": [], "usage": {"input_tokens": -1, "output_tokens": 1}}', 'usage.input_tokens is -1'],
  ] as const)('%s refuses %s', (provider, body, said) => {
    expect(() => readAnswer(provider, body)).toThrow(MalformedAnswer);
    expect(() => readAnswer(provider, body)).toThrow(said);
  });
});

describe('costOf', () => {
  it.each([
    [{ input_tokens: 1_000_000, output_tokens: 1_000_000 }, { inputPerMtok: 0.27, outputPerMtok: 1.1 }, 1.37],
    [{ input_tokens: 1200, output_tokens: 300 }, { inputPerMtok: 3, outputPerMtok: 15 }, 0.0081],
    [{ input_tokens: 1, output_tokens: 0 }, { inputPerMtok: 0.27, outputPerMtok: 1.1 }, 0],
    [{ input_tokens: 1200, output_tokens: 300 }, undefined, 0],
  ])('%j at %j is %s dollars', (usage, price, dollars) => {
    expect(costOf(usage, price)).toBe(dollars);
  });
});

describe('errors: status and headers -> exit code and retry-after', () => {
  const NOW = Date.parse('2026-12-01T10:00:00Z');
  it.each([
    [429, { 'retry-after': '7' }, 75, 7],
    [429, { 'retry-after-ms': '1500' }, 75, 2],
    [429, { 'retry-after': 'Tue, 01 Dec 2026 10:00:30 GMT' }, 75, 30],
    [
      429,
      {
        'anthropic-ratelimit-requests-reset': '2026-12-01T10:00:12Z',
        'anthropic-ratelimit-tokens-reset': '2026-12-01T10:00:04Z',
      },
      75,
      12,
    ],
    [429, { 'x-ratelimit-reset-requests': '6m0s', 'x-ratelimit-reset-tokens': '20ms' }, 75, 360],
    [429, {}, 75, undefined],
    [529, { 'retry-after': '0' }, 75, 1],
    [503, { 'retry-after': '99999' }, 75, 3600],
    [500, { 'retry-after': '5' }, 1, undefined],
    [502, {}, 1, undefined],
    [408, {}, 1, undefined],
    [400, {}, 78, undefined],
    [401, {}, 78, undefined],
    [404, {}, 78, undefined],
  ])('%i %j -> exit %i, retry-after %s', (status, headers, exitCode, retryAfter) => {
    const f = classifyStatus(status, headers, '', NOW);
    expect(f.exitCode).toBe(exitCode);
    expect(f.retryAfter).toBe(retryAfter);
  });

  it("keeps the provider's own words, in both APIs' error shapes", () => {
    expect(providerText('{"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}')).toBe(
      'invalid_request_error: Incorrect API key provided',
    );
    expect(providerText('{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}')).toBe(
      'overloaded_error: Overloaded',
    );
    expect(providerText('<html>Bad   gateway</html>')).toBe('<html>Bad gateway</html>');
    expect(providerText('')).toBe('(no body)');
    expect(classifyStatus(401, {}, '{"error": {"message": "bad key"}}', NOW).message).toMatch(
      /^HTTP 401: bad key \(a request the provider refuses/,
    );
  });

  it('reads Go durations and refuses what is not one', () => {
    expect([
      goDurationMs('20ms'),
      goDurationMs('1s'),
      goDurationMs('6m0s'),
      goDurationMs('1h2m3.5s'),
      goDurationMs('soon'),
      goDurationMs('5x'),
    ]).toEqual([20, 1000, 360_000, 3_723_500, null, null]);
    expect(waitFromHeaders({ 'content-type': 'x' }, NOW)).toBeNull();
  });

  it('exit 78 is final at once in the exit-code table', () => {
    expect(readExit({ exitCode: 78, signal: null, timedOut: false }, 1000)).toEqual({
      outcome: 'permanent',
      reason: 'exit 78 (permanent failure: no more attempts)',
    });
  });
});
