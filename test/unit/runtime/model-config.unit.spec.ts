/** The `model:` key of an agent: defaults, the internal command, the secret grant, and every refusal with its wording. */
import { describe, expect, it } from 'vitest';
import { diffConfigs } from '../../../runtime/config/diff.js';
import { parseConfigText } from '../../../runtime/config/load.js';
import { ConfigError } from '../../../runtime/config/schema.js';
import { MODEL_RUN_JS } from '../../../runtime/model/command.js';

const FILE = '/srv/org/mailroom.yaml';

function problems(text: string): string[] {
  try {
    parseConfigText(text, FILE);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const agent = (model: string, extra = '') => `agents:\n  scout: { model: ${model}${extra} }\n`;

describe('model: an agent whose handler is a model', () => {
  it("fills the defaults, runs mailroom's model client as its command, and grants its secret", () => {
    const c = parseConfigText(
      agent(
        '{ provider: openai, model: deepseek-chat, base_url: "https://api.deepseek.com/v1/", secret: DEEPSEEK_API_KEY }',
      ),
      FILE,
    );
    const a = c.agents.scout!;
    expect(a.model).toEqual({
      provider: 'openai',
      model: 'deepseek-chat',
      baseUrl: 'https://api.deepseek.com/v1',
      secret: 'DEEPSEEK_API_KEY',
      maxTokens: 2000,
      system: undefined,
      price: undefined,
      requestTimeout: 120_000,
      historyTokens: 6000,
    });
    expect(a.command).toContain(MODEL_RUN_JS);
    expect(a.command).toContain(process.execPath);
    expect(a.secrets).toEqual(['DEEPSEEK_API_KEY']);
  });

  it.each([
    ['openai', 'https://api.openai.com/v1'],
    ['anthropic', 'https://api.anthropic.com/v1'],
  ])('%s defaults base_url to %s', (provider, url) => {
    expect(parseConfigText(agent(`{ provider: ${provider}, model: m }`), FILE).agents.scout!.model!.baseUrl).toBe(url);
  });

  it('request_timeout defaults to 80% of a short timeout, and reads price and system', () => {
    const c = parseConfigText(
      agent(
        '{ provider: anthropic, model: claude, system: prompts/s.md, price: { input_per_mtok: 3, output_per_mtok: 15 } }',
        ', timeout: 10s',
      ),
      FILE,
    );
    expect(c.agents.scout!.model).toMatchObject({
      requestTimeout: 8000,
      system: 'prompts/s.md',
      price: { inputPerMtok: 3, outputPerMtok: 15 },
    });
  });

  it.each([
    ['no provider', agent('{ model: m }'), 'agents.scout.model.provider: required'],
    ['no model', agent('{ provider: openai }'), 'agents.scout.model.model: required'],
    [
      'an unknown provider',
      agent('{ provider: gemini, model: m }'),
      'agents.scout.model.provider: unknown provider "gemini"; allowed values: openai, anthropic',
    ],
    [
      'an unknown key',
      agent('{ provider: openai, model: m, temprature: 1 }'),
      'agents.scout.model.temprature: unknown key "temprature"',
    ],
    ['not a map', agent('deepseek'), 'agents.scout.model: must be a map like'],
    [
      'a URL that is not http',
      agent('{ provider: openai, model: m, base_url: "ftp://x" }'),
      'agents.scout.model.base_url: "ftp://x" is not an http(s) URL',
    ],
    [
      'a key in the URL',
      agent('{ provider: openai, model: m, base_url: "https://me:sk-1@x/v1" }'),
      'puts a secret in mailroom.yaml',
    ],
    [
      'a lowercase secret',
      agent('{ provider: openai, model: m, secret: key }'),
      'agents.scout.model.secret: "key" is not a secret name',
    ],
    [
      'a secret that runs code',
      agent('{ provider: openai, model: m, secret: LD_PRELOAD }'),
      'agents.scout.model.secret: LD_PRELOAD runs code',
    ],
    [
      'a system file outside the workspace',
      agent('{ provider: openai, model: m, system: ../prompts/x.md }'),
      "must be a path inside the agent's workspace",
    ],
    [
      'an absolute system file',
      agent('{ provider: openai, model: m, system: /etc/x.md }'),
      "must be a path inside the agent's workspace",
    ],
    [
      'half a price',
      agent('{ provider: openai, model: m, price: { input_per_mtok: 1 } }'),
      'agents.scout.model.price.output_per_mtok: required',
    ],
    [
      'a negative price',
      agent('{ provider: openai, model: m, price: { input_per_mtok: -1, output_per_mtok: 1 } }'),
      'agents.scout.model.price.input_per_mtok: must be a number from 0 up, got -1',
    ],
    [
      'a request timeout past the timeout',
      agent('{ provider: openai, model: m, request_timeout: 2m }', ', timeout: 1m'),
      "agents.scout.model.request_timeout: 2m must be below the agent's timeout (1m)",
    ],
    [
      'both command and model',
      agent('{ provider: openai, model: m }', ', command: "./run.sh"'),
      'agents.scout: has both command: and model:',
    ],
    [
      'max_tokens of 0',
      agent('{ provider: openai, model: m, max_tokens: 0 }'),
      'agents.scout.model.max_tokens: must be a whole number from 1',
    ],
  ])('refuses %s', (_what, text, said) => {
    expect(problems(text).join('\n')).toContain(said);
  });

  it('a model agent may run in a lane, as a command agent does', () => {
    const c = parseConfigText(
      `${agent('{ provider: openai, model: m }', ', lane: api')}lanes:\n  api: { concurrency: 1 }\n`,
      FILE,
    );
    expect(c.agents.scout!.lane).toBe('api');
  });

  it('MAILROOM_MODEL cannot be granted', () => {
    expect(problems('agents:\n  a: { env: { MAILROOM_MODEL: x } }\n').join('\n')).toContain(
      'MAILROOM_MODEL is set by mailroom itself',
    );
  });

  it('a model secret taken away is a removal that needs --yes, like a secrets: grant', () => {
    const before = { agents: { scout: { model: { provider: 'openai', model: 'm', secret: 'K' } } } };
    expect(diffConfigs(before, { agents: { scout: { model: { provider: 'openai', model: 'm' } } } }).removals).toEqual([
      'takes secret grant(s) K away from agent scout',
    ]);
    expect(diffConfigs(before, before).removals).toEqual([]);
  });
});
