/**
 * The jail's per-agent settings in mailroom.yaml: `network` and `read_only_paths` (the full
 * validation of every key lives in config.unit.spec.ts; these are the fields the jail reads).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../../runtime/config/config.js';

function problems(text: string): string[] {
  try {
    parseConfigText(text, 'mailroom.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config: the jail settings of an agent', () => {
  it('defaults: sandbox auto (jailed, or refused), network host, nothing granted', () => {
    const c = parseConfigText('agents:\n  cfo: { command: x }\n', 'mailroom.yaml');
    expect(c.agents.cfo).toMatchObject({ sandbox: 'auto', network: 'host', readOnlyPaths: [] });
  });

  it('reads network: none and read_only_paths', () => {
    const c = parseConfigText(
      'agents:\n  cfo: { command: x, network: none, read_only_paths: [/home/me/.local, /opt/tool] }\n',
      'mailroom.yaml',
    );
    expect(c.agents.cfo).toMatchObject({ network: 'none', readOnlyPaths: ['/home/me/.local', '/opt/tool'] });
  });

  it.each([
    [
      'an unknown network',
      'agents:\n  cfo: { command: x, network: lan }\n',
      /agents\.cfo\.network: unknown network "lan"; allowed values: host, none/,
    ],
    [
      'a relative granted path',
      'agents:\n  cfo: { command: x, read_only_paths: [tools] }\n',
      /agents\.cfo\.read_only_paths: "tools" is not an absolute path/,
    ],
    [
      'a granted path that is not a list',
      'agents:\n  cfo: { command: x, read_only_paths: /opt }\n',
      /agents\.cfo\.read_only_paths: must be a list/,
    ],
  ])('refuses %s', (_what, text, why) => {
    expect(
      problems(text).some((p) => why.test(p)),
      problems(text).join('\n'),
    ).toBe(true);
  });
});
