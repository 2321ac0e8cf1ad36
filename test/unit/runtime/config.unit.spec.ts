import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../runtime/config/load.js';
import { ConfigError } from '../../../runtime/config/schema.js';
import { diffConfigs } from '../../../runtime/config/diff.js';
import { EditError, mergePatch, setValue, toJS } from '../../../runtime/config/edit.js';
import { formatDuration, parseDuration } from '../../../bus/time.js';

function problems(text: string): string[] {
  try {
    parseConfigText(text, 'mailroom.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config validation', () => {
  it('accepts the documented shape and fills defaults', () => {
    const c = parseConfigText(
      'agents:\n  cfo: { command: "echo hi", lane: deepseek, secrets: [ANTHROPIC_API_KEY] }\n  legal: {}\nlanes:\n  deepseek: { concurrency: 2, per_minute: 30 }\nstuck_after: { critical: 1m }\n',
      'mailroom.yaml',
    );
    expect(Object.keys(c.agents)).toEqual(['cfo', 'legal']);
    expect(c.lanes.deepseek).toMatchObject({ concurrency: 2, perMinute: 30 });
    expect(c.stuckAfter).toEqual({ critical: 60_000, high: 30 * 60_000, normal: 4 * 3_600_000, low: 86_400_000 });
    expect(c.maxMessageBytes).toBe(1_048_576);
  });

  it.each([
    ['agents as a list', 'agents: [cfo, legal]\n', /map keyed by agent name.*not a list/],
    [
      'a non-canonical priority in stuck_after',
      'agents: {}\nstuck_after: { urgent: 5m }\n',
      /stuck_after: unknown priority "urgent"; allowed values: critical, high, normal, low/,
    ],
    ['P1 in stuck_after', 'agents: {}\nstuck_after: { P1: 5m }\n', /unknown priority "P1"/],
    ['a duration that is not one', 'agents: {}\nstuck_after: { high: soon }\n', /not a duration/],
    ['an unknown top-level key', 'agents: {}\nagentz: {}\n', /unknown key "agentz"/],
    ['an unknown agent key', 'agents:\n  cfo: { comand: x }\n', /agents\.cfo\.comand: unknown key/],
    [
      'a lane that does not exist',
      'agents:\n  cfo: { command: x, lane: openai }\n',
      /agents\.cfo\.lane: "openai" is not a lane/,
    ],
    [
      'a secret in env',
      'agents:\n  cfo: { command: x, env: { API_TOKEN: abc } }\n',
      /looks like a secret.*mailroom secret set API_TOKEN/,
    ],
    [
      'a group naming a stranger',
      'agents: { cfo: {} }\ngroups: { finance: [cfo, bob] }\n',
      /groups\.finance: "bob" is not a configured agent/,
    ],
    [
      'a group named like an agent',
      'agents: { cfo: {} }\ngroups: { cfo: [cfo] }\n',
      /a name in to: must mean one thing/,
    ],
    ['a reserved agent name', 'agents: { operator: {} }\n', /reserved/],
    ['an empty file', '', /the file is empty/],
    ['a file of comments only', '# nothing yet\n', /the file is empty/],
    ['no agents key', 'lanes: {}\n', /agents: is missing/],
    [
      'a zero concurrency',
      'agents: {}\nlanes: { x: { concurrency: 0 } }\n',
      /concurrency: must be a whole number from 1 up/,
    ],
    ['an unknown sandbox', 'agents: { cfo: { command: x, sandbox: docker } }\n', /unknown sandbox "docker"/],
  ])('refuses %s, naming the key and the fix', (_what, text, re) => {
    const p = problems(text);
    expect(p.join('\n')).toMatch(re);
  });

  it('collects every problem at once, not just the first', () => {
    expect(
      problems('agents:\n  cfo: { lane: nope, max_attempts: 0 }\nstuck_after: { urgent: 5m }\n').length,
    ).toBeGreaterThanOrEqual(3);
  });
});

describe('programmatic edits', () => {
  const text =
    '# the org\nagents:\n  # money\n  cfo: { lane: deepseek }\n  legal: {}\nlanes:\n  deepseek: { concurrency: 2 }\n';

  it('set changes one value and keeps comments and key order', () => {
    const out = setValue(text, 'lanes.deepseek.concurrency', '3');
    expect(out).toContain('# the org');
    expect(out).toContain('# money');
    expect(out.indexOf('agents:')).toBeLessThan(out.indexOf('lanes:'));
    expect(toJS(out)).toMatchObject({
      lanes: { deepseek: { concurrency: 3 } },
      agents: { cfo: { lane: 'deepseek' }, legal: {} },
    });
    expect(toJS(setValue(text, 'agents.legal', 'null'))).toEqual({
      agents: { cfo: { lane: 'deepseek' } },
      lanes: { deepseek: { concurrency: 2 } },
    });
  });

  it('a patch naming one agent changes only that agent (maps merge by key)', () => {
    const out = mergePatch(text, 'agents:\n  cfo: { description: money }\n');
    expect(toJS(out)).toEqual({
      agents: { cfo: { lane: 'deepseek', description: 'money' }, legal: {} },
      lanes: { deepseek: { concurrency: 2 } },
    });
    expect(out).toContain('# money');
  });

  it('null in a patch removes a key; lists are replaced', () => {
    expect(toJS(mergePatch(text, 'agents:\n  legal: null\n'))).toMatchObject({ agents: { cfo: { lane: 'deepseek' } } });
    expect((toJS(mergePatch(text, 'agents:\n  legal: null\n')) as { agents: object }).agents).not.toHaveProperty(
      'legal',
    );
  });

  it('refuses bad YAML and bad paths with an EditError', () => {
    expect(() => mergePatch(text, 'agents: [')).toThrow(EditError);
    expect(() => mergePatch(text, '- a\n- b\n')).toThrow(/mapping/);
    expect(() => setValue(text, 'agents..cfo', '1')).toThrow(/not a config path/);
    expect(() => setValue(text, '__proto__.x', '1')).toThrow(EditError);
  });
});

describe('config diff', () => {
  const thirty = { agents: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`a${i + 1}`, {}])) };

  it('says exactly what would go: removes 29 of 30 agents', () => {
    const d = diffConfigs(thirty, { agents: { a1: {} } });
    expect(d.removals).toHaveLength(1);
    expect(d.removals[0]).toBe(
      `removes 29 of 30 agents: ${Array.from({ length: 29 }, (_, i) => `a${i + 2}`).join(', ')}`,
    ); // every one
    expect(d.summary).toMatch(/^removes 29 of 30 agents: a2, .*\(17 more\)$/); // the history line stays short
  });

  it('counts a taken secret grant and an emptied list as destructive, an addition as not', () => {
    expect(
      diffConfigs({ agents: { cfo: { secrets: ['K'] } } }, { agents: { cfo: { secrets: [] } } }).removals.join('\n'),
    ).toMatch(/takes secret grant\(s\) K away from agent cfo/);
    expect(
      diffConfigs(
        { agents: { a: {}, b: {} }, groups: { g: ['a', 'b'] } },
        { agents: { a: {}, b: {} }, groups: { g: [] } },
      ).removals.join('\n'),
    ).toMatch(/empties the list groups\.g/);
    const add = diffConfigs({ agents: { a: {} } }, { agents: { a: {}, b: {} } });
    expect(add.removals).toEqual([]);
    expect(add.summary).toBe('adds agents b');
  });

  it('summarises a setting change in one line', () => {
    expect(diffConfigs({ lanes: { x: { concurrency: 2 } } }, { lanes: { x: { concurrency: 3 } } }).summary).toBe(
      'changes lanes.x.concurrency: 2 -> 3',
    );
    expect(diffConfigs(thirty, thirty).summary).toBe('no change');
  });
});

describe('durations', () => {
  it('parse the units of the config and refuse anything else', () => {
    expect(['250ms', '30s', '5m', '4h', '1d', '1.5s'].map(parseDuration)).toEqual([
      250, 30_000, 300_000, 14_400_000, 86_400_000, 1500,
    ]);
    for (const bad of ['5', '5 minutes', '-1s', '', 5]) expect(parseDuration(bad)).toBeNull();
  });
  it('format for people', () => {
    expect([250, 1500, 61_000, 3_600_000 + 120_000, 3 * 86_400_000].map(formatDuration)).toEqual([
      '250ms',
      '1s',
      '1m 1s',
      '1h 2m',
      '3d',
    ]);
  });
});
