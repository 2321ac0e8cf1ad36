import { describe, expect, it } from 'vitest';
import { validateEnv, validateReadOnlyPaths, validateSecrets } from '../../../runtime/config/agents.js';
import { grantProblem, RUNS_CODE } from '../../../runtime/config/grants.js';
import { parseConfigText } from '../../../runtime/config/load.js';
import type { Problems } from '../../../runtime/config/primitives.js';
import { ConfigError, type OrgConfig } from '../../../runtime/config/schema.js';
import {
  checkLaneRefs,
  validateConfig,
  validateGroups,
  validateLanes,
  validateStuckAfter,
} from '../../../runtime/config/validate.js';

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

function run<T>(f: (p: Problems) => T): { value: T; problems: Problems } {
  const p: Problems = [];
  return { value: f(p), problems: p };
}

describe('validateConfig: the sections together', () => {
  it('fills every default, network and read_only_paths included', () => {
    const c = parseConfigText('agents:\n  cfo: { command: "echo hi" }\n', FILE);
    expect(c.agents.cfo).toEqual({
      name: 'cfo',
      description: undefined,
      command: 'echo hi',
      lane: undefined,
      timeout: 600_000,
      maxAttempts: 3,
      retryBackoff: 5000,
      env: {},
      secrets: [],
      sandbox: 'auto',
      network: 'host',
      readOnlyPaths: [],
      governance: {
        mayApprove: {},
        maySendTo: null,
        maxRecipients: 8,
        maxTaskDepth: 3,
        tasksPerHour: 30,
        messagesPerMinute: 120,
        maxTeam: 5,
        budgetDailyUsd: null,
        contextWarn: null,
      },
    });
    expect(c).toMatchObject({
      maxMessageBytes: 1_048_576,
      maxAttachmentBytes: 64 * 1_048_576,
      scanInterval: 2000,
      writeGrace: 600_000,
      settle: 1000,
      watch: true,
      waitWarning: 120_000,
      startupStagger: 250,
      killGrace: 5000,
    });
    expect(Object.isFrozen(c) && Object.isFrozen(c.agents) && Object.isFrozen(c.agents.cfo)).toBe(true);
  });

  it('org-wide sandbox and network are the defaults an agent can override', () => {
    const c = parseConfigText(
      'sandbox: none\nnetwork: none\nagents:\n  a: {}\n  b: { sandbox: bwrap, network: host }\n',
      FILE,
    );
    expect([c.agents.a!.sandbox, c.agents.a!.network, c.agents.b!.sandbox, c.agents.b!.network]).toEqual([
      'none',
      'none',
      'bwrap',
      'host',
    ]);
  });

  it('agents, groups and lanes have no prototype: built-in names are never found', () => {
    const c: OrgConfig = parseConfigText(
      'agents:\n  cfo: { command: x, lane: l }\ngroups: { g: [cfo] }\nlanes: { l: {} }\n',
      FILE,
    );
    for (const m of [c.agents, c.groups, c.lanes]) {
      expect(['constructor' in m, 'toString' in m, '__proto__' in m, 'hasOwnProperty' in m]).toEqual([
        false,
        false,
        false,
        false,
      ]);
    }
  });

  it.each([
    [
      'an agent named constructor',
      'agents:\n  constructor: {}\n',
      /agents\.constructor: "constructor" is a name every JavaScript object already has/,
    ],
    ['an agent named __proto__', 'agents:\n  __proto__: {}\n', /agents\.__proto__: an agent name is lowercase/],
    ['an agent named toString', 'agents:\n  toString: {}\n', /agents\.toString: an agent name is lowercase/],
    [
      'a group named constructor',
      'agents: { a: {} }\ngroups: { constructor: [a] }\n',
      /groups\.constructor: "constructor" is a name/,
    ],
    [
      'a group with member constructor',
      'agents: { a: {} }\ngroups: { g: [constructor] }\n',
      /groups\.g: "constructor" is not a configured agent; agents: a/,
    ],
    [
      'a group with member toString',
      'agents: { a: {} }\ngroups: { g: [toString] }\n',
      /groups\.g: "toString" is not a configured agent/,
    ],
    [
      'lane: constructor',
      'agents:\n  a: { command: x, lane: constructor }\n',
      /agents\.a\.lane: "constructor" is not a lane; lanes: \(none: add lanes:/,
    ],
    [
      'lane: __proto__',
      'agents:\n  a: { command: x, lane: __proto__ }\nlanes: { l: {} }\n',
      /agents\.a\.lane: "__proto__" is not a lane; lanes: l$/,
    ],
    [
      'a lane named constructor',
      'agents: {}\nlanes: { constructor: {} }\n',
      /lanes\.constructor: "constructor" is a name/,
    ],
  ])('refuses %s without throwing anything but a ConfigError', (_what, text, re) => {
    expect(problems(text).join('\n')).toMatch(re);
  });

  it('settle: 0 is allowed; settle must be shorter than write_grace', () => {
    expect(parseConfigText('agents: {}\nsettle: 0s\n', FILE).settle).toBe(0);
    expect(parseConfigText('agents: {}\nsettle: 250ms\n', FILE).settle).toBe(250);
    expect(problems('agents: {}\nsettle: 2m\nwrite_grace: 1m\n')).toEqual([
      'settle: 2m must be shorter than write_grace (1m), or every file written in place is dead-lettered before it settles',
    ]);
  });

  it('board_done_max: 1000 unless set; 0 or a whole number, and what to write for no limit', () => {
    expect(parseConfigText('agents: {}\n', FILE)).toMatchObject({ boardDoneAfter: 7 * 86_400_000, boardDoneMax: 1000 });
    expect(parseConfigText('agents: {}\nboard_done_max: 0\n', FILE).boardDoneMax).toBe(0);
    expect(parseConfigText('agents: {}\nboard_done_max: 250000\n', FILE).boardDoneMax).toBe(250_000);
    expect(parseConfigText('agents: {}\nboard_done_max:\n', FILE).boardDoneMax).toBe(1000);
    const hint =
      'for no limit but board_done_after, write a large number such as 1000000 (each finished task kept costs the daemon about 1 KB)';
    for (const [raw, shown] of [
      ['-1', '-1'],
      ['2.5', '2.5'],
      ['unlimited', '"unlimited"'],
      ['.inf', 'Infinity'],
      ['"100"', '"100"'],
    ])
      expect(problems(`agents: {}\nboard_done_max: ${raw}\n`)).toEqual([
        `board_done_max: must be a whole number of finished tasks from 0 up, got ${shown}; ${hint}`,
      ]);
  });

  it('refuses what is not a mapping, and keeps collecting across sections', () => {
    expect(() => validateConfig([1], FILE, '/srv/org')).toThrow(/must be a YAML mapping/);
    const p = problems(
      'agents:\n  A: {}\ngroups: []\nlanes: 3\nstuck_after: soon\nwatch: 1\nmax_message_bytes: 10\nscan_interval: 1ms\nnetwork: wifi\nsandbox: auto\n',
    );
    expect(p).toEqual([
      'max_message_bytes: must be a whole number of bytes from 64 up, got 10',
      'scan_interval: "1ms" is not a duration of at least 100ms; write a number and a unit (ms, s, m, h, d), e.g. 250ms, 30s, 5m, 4h, 1d',
      'watch: must be true or false, got 1',
      'sandbox: unknown sandbox "auto"; allowed values: bwrap, none',
      'network: unknown network "wifi"; allowed values: host, none',
      'agents.A: an agent name is lowercase letters, digits, - and _, starting with a letter (at most 40)',
      'groups: must be a map from group name to a list of agents (groups: { leads: [maya, oliver] }), got []',
      'lanes: must be a map from lane name to { concurrency: n, per_minute: n }, got 3',
      'stuck_after: must be a map from priority (critical, high, normal, low) to a duration such as 30m, got "soon"',
    ]);
  });
});

describe('agents: one validator per setting', () => {
  it.each([
    ['an ordinary grant', { MODEL: 'v3', N: 2, DEBUG: true }, { MODEL: 'v3', N: '2', DEBUG: 'true' }, []],
    ['not a map', ['A=1'], {}, ['e: must be a map of NAME: value, e.g. { MODEL: deepseek-v3 }']],
    [
      'a bad name',
      { 'A-B': 'x' },
      {},
      ['e.A-B: not a valid environment variable name (letters, digits and _, not starting with a digit)'],
    ],
    ['a name mailroom sets', { HOME: '/x' }, {}, ['e.HOME: HOME is set by mailroom itself; it cannot be granted']],
    ['TMPDIR', { TMPDIR: '/tmp' }, {}, ['e.TMPDIR: TMPDIR is set by mailroom itself; it cannot be granted']],
    [
      'a secret',
      { openai_key: 'sk' },
      {},
      [
        'e.openai_key: looks like a secret, and secrets never go in mailroom.yaml; store it with `mailroom secret set OPENAI_KEY` and grant it with secrets: [OPENAI_KEY]',
      ],
    ],
    ['a map as value', { X: { a: 1 } }, {}, ['e.X: must be text, got {"a":1}']],
    ['a NUL in a value', { X: 'a\0b' }, {}, ['e.X: must be text without NUL characters']],
  ])('env: %s', (_what, raw, env, problems) => {
    const r = run((p) => validateEnv(p, raw, 'e'));
    expect({ ...r.value }).toEqual(env);
    expect(r.problems).toEqual(problems);
  });

  it.each([
    'LD_PRELOAD',
    'LD_LIBRARY_PATH',
    'LD_AUDIT',
    'BASH_ENV',
    'ENV',
    'NODE_OPTIONS',
    'PYTHONSTARTUP',
    'PYTHONPATH',
    'PERL5OPT',
    'RUBYOPT',
    'GCONV_PATH',
    'IFS',
    'PS4',
    'SHELLOPTS',
    'BASH_FUNC_ls%%',
    'BASH_FUNC_x',
    'GLIBC_TUNABLES',
    'JAVA_TOOL_OPTIONS',
  ])('env: refuses %s, which runs code around a program, and says why and what to do', (name) => {
    const r = run((p) => validateEnv(p, { [name]: 'x' }, 'e'));
    if (name.includes('%')) return expect(r.problems[0]).toMatch(/not a valid environment variable name/);
    expect(r.problems).toEqual([`e.${name}: ${grantProblem(name)}`]);
    expect(r.problems[0]).toMatch(
      new RegExp(
        `^e\\.${name}: ${name} runs code before or around a program \\(.+\\), so mailroom never grants it; if the handler really needs it, set it in its command, where it is plain to see \\(command: "${name}=\\.\\.\\. \\./run\\.sh"\\)$`,
      ),
    );
  });

  it.each(['NODE_ENV', 'PYTHONUNBUFFERED', 'LANG', 'MODEL', 'LDAP_HOST', 'ENVIRONMENT', 'PS1'])(
    'env: grants %s, which runs nothing',
    (name) => {
      expect(run((p) => validateEnv(p, { [name]: 'x' }, 'e')).problems).toEqual([]);
    },
  );

  it('every entry of the run-code table is refused', () => {
    for (const r of RUNS_CODE)
      expect(grantProblem(r.prefix ? `${r.name}X` : r.name)).toMatch(/runs code before or around a program/);
  });

  it.each([
    ['names', ['A_KEY', 'B', 'A_KEY'], ['A_KEY', 'B'], []],
    ['not a list', 'A_KEY', [], ['s: must be a list of secret names, e.g. [ANTHROPIC_API_KEY]']],
    ['a lowercase name', ['a_key'], [], ['s: "a_key" is not a secret name (capital letters, digits, _)']],
    ['a path', ['../X'], [], ['s: "../X" is not a secret name (capital letters, digits, _)']],
    ['a name mailroom sets', ['PATH'], [], ['s: PATH is set by mailroom itself; it cannot be granted']],
    ['a name that runs code', ['LD_PRELOAD'], [], [`s: ${grantProblem('LD_PRELOAD')}`]],
  ])('secrets: %s', (_what, raw, secrets, problems) => {
    const r = run((p) => validateSecrets(p, raw, 's'));
    expect(r.value).toEqual(secrets);
    expect(r.problems).toEqual(problems);
  });

  const ORG =
    'is inside the org (/srv/org), which the jail exists to hide (mailroom.yaml, .mailroom/secrets, the other workspaces); grant a folder outside the org';
  it.each([
    [
      'absolute paths, cleaned',
      ['/opt/tool/', '/home/me/.local/bin', '/opt//tool'],
      ['/opt/tool', '/home/me/.local/bin'],
      [],
    ],
    ['a prefix of the root that is not its parent', ['/srv/org2', '/srv/o'], ['/srv/org2', '/srv/o'], []],
    ['not a list', '/opt', [], ['r: must be a list of absolute paths, e.g. [/home/me/.local/bin]']],
    [
      'a relative path',
      ['bin'],
      [],
      ['r: "bin" is not an absolute path; the jail shows host paths by their full name, e.g. /home/me/.local/bin'],
    ],
    [
      'a home path',
      ['~/.local'],
      [],
      [
        'r: "~/.local" is not an absolute path (~ is not expanded: write the whole path); the jail shows host paths by their full name, e.g. /home/me/.local/bin',
      ],
    ],
    ['the org root', ['/srv/org'], [], [`r: "/srv/org" ${ORG}`]],
    ['a folder in the org', ['/srv/org/.mailroom/secrets'], [], [`r: "/srv/org/.mailroom/secrets" ${ORG}`]],
    ['a way into the org by ..', ['/opt/../srv/org/bus'], [], [`r: "/opt/../srv/org/bus" ${ORG}`]],
    ['a parent of the org (the jail still hides the org inside it)', ['/srv'], ['/srv'], []],
    [
      'the whole host',
      ['/'],
      [],
      [
        'r: "/" would show the whole host inside the jail (home folders, other orgs); grant the folders the handler needs',
      ],
    ],
  ])('read_only_paths: %s', (_what, raw, paths, problems) => {
    const r = run((p) => validateReadOnlyPaths(p, raw, '/srv/org', 'r'));
    expect(r.value).toEqual(paths);
    expect(r.problems).toEqual(problems);
  });

  it('read_only_paths are judged against the folder of mailroom.yaml', () => {
    expect(problems('agents:\n  a: { read_only_paths: [/srv/org/workspaces/b] }\n')).toEqual([
      `agents.a.read_only_paths: "/srv/org/workspaces/b" ${ORG}`,
    ]);
    expect(
      parseConfigText('agents:\n  a: { read_only_paths: [/srv/org/workspaces/b] }\n', '/elsewhere/mailroom.yaml').agents
        .a!.readOnlyPaths,
    ).toEqual(['/srv/org/workspaces/b']);
  });

  it.each([
    ['a list for an agent', 'agents:\n  a: [x]\n', 'agents.a: must be a map of settings (or {}), got ["x"]'],
    [
      'a lane that is not a name',
      'agents:\n  a: { command: x, lane: 3 }\n',
      'agents.a.lane: must be a lane name from lanes:, got 3',
    ],
    ['an empty command', 'agents:\n  a: { command: "" }\n', 'agents.a.command: must be a shell command (text), got ""'],
    [
      'a network that is not one',
      'agents:\n  a: { network: bridge }\n',
      'agents.a.network: unknown network "bridge"; allowed values: host, none',
    ],
    [
      'too many attempts',
      'agents:\n  a: { max_attempts: 101 }\n',
      'agents.a.max_attempts: must be a whole number from 1 to 100, got 101',
    ],
    [
      'a timeout with no unit',
      'agents:\n  a: { timeout: 600 }\n',
      'agents.a.timeout: 600 is not a duration of at least 10ms; write a number and a unit (ms, s, m, h, d), e.g. 250ms, 30s, 5m, 4h, 1d',
    ],
  ])('an agent: %s', (_what, text, problem) => {
    expect(problems(text)).toEqual([problem]);
  });
});

describe('groups, lanes, stuck_after', () => {
  const agents = parseConfigText('agents: { a: {}, b: {}, x: { command: run } }\n', FILE).agents;

  it.each([
    ['members, deduplicated', { g: ['a', 'b', 'a'] }, { g: ['a', 'b'] }, []],
    ['an empty list', { g: [] }, {}, ['groups.g: must be a non-empty list of agent names, got []']],
    [
      'a stranger',
      { g: ['a', 'zed'] },
      { g: ['a', 'zed'] },
      ['groups.g: "zed" is not a configured agent; agents: a, b, x'],
    ],
    [
      'the name of an agent',
      { a: ['b'] },
      { a: ['b'] },
      ['groups.a: an agent has the same name; a name in to: must mean one thing'],
    ],
    [
      'a reserved name',
      { all: ['a'] },
      { all: ['a'] },
      ['groups.all: "all" is reserved (operator, mailroom, all, staging); choose another name'],
    ],
  ])('groups: %s', (_what, raw, groups, problems) => {
    const r = run((p) => validateGroups(p, raw, agents));
    expect({ ...r.value }).toEqual(groups);
    expect(r.problems).toEqual(problems);
  });

  it.each([
    ['defaults', { l: {} }, { l: { name: 'l', concurrency: 1, perMinute: null } }, []],
    ['both limits', { l: { concurrency: 2, per_minute: 30 } }, { l: { name: 'l', concurrency: 2, perMinute: 30 } }, []],
    [
      'a typo',
      { l: { concurency: 2 } },
      { l: { name: 'l', concurrency: 1, perMinute: null } },
      [
        'lanes.l.concurency: unknown key "concurency" (did you mean "concurrency"?); allowed keys: concurrency, per_minute, budget_daily_usd',
      ],
    ],
    ['not a map', { l: 2 }, {}, ['lanes.l: must be a map like { concurrency: 2, per_minute: 30 }, got 2']],
    [
      'a zero rate',
      { l: { per_minute: 0 } },
      { l: { name: 'l', concurrency: 1, perMinute: null } },
      ['lanes.l.per_minute: must be a whole number from 1 up, got 0'],
    ],
  ])('lanes: %s', (_what, raw, lanes, problems) => {
    const r = run((p) => validateLanes(p, raw));
    expect({ ...r.value }).toEqual(lanes);
    expect(r.problems).toEqual(problems);
  });

  it('lane references: the lane must exist, and the agent must have a command', () => {
    const withLanes = parseConfigText('agents:\n  a: {}\n  x: { command: run }\n', FILE).agents;
    const refs = { ...withLanes, a: { ...withLanes.a!, lane: 'l' }, x: { ...withLanes.x!, lane: 'm' } };
    expect(run((p) => checkLaneRefs(p, refs, { l: { name: 'l', concurrency: 1, perMinute: null } })).problems).toEqual([
      'agents.a.lane: only an agent with a command: runs in a lane',
      'agents.x.lane: "m" is not a lane; lanes: l',
    ]);
  });

  it.each([
    [
      'one priority, the rest default',
      { critical: '1m' },
      { critical: 60_000, high: 1_800_000, normal: 14_400_000, low: 86_400_000 },
      [],
    ],
    [
      'a non-canonical priority',
      { P1: '5m' },
      null,
      ['stuck_after: unknown priority "P1"; allowed values: critical, high, normal, low'],
    ],
    [
      'zero',
      { high: '0s' },
      null,
      [
        'stuck_after.high: "0s" is not a duration of at least 1ms; write a number and a unit (ms, s, m, h, d), e.g. 250ms, 30s, 5m, 4h, 1d',
      ],
    ],
  ])('stuck_after: %s', (_what, raw, value, problems) => {
    const r = run((p) => validateStuckAfter(p, raw));
    if (value) expect(r.value).toEqual(value);
    expect(r.problems).toEqual(problems);
  });
});

describe('config diff with built-in names', () => {
  it('treats constructor and toString as ordinary keys, without throwing', async () => {
    const { diffConfigs } = await import('../../../runtime/config/diff.js');
    expect(diffConfigs({ agents: { a: {} } }, { agents: { a: {}, constructor: {} } }).summary).toBe(
      'adds agents constructor',
    );
    expect(diffConfigs({ agents: { a: {}, toString: { secrets: ['K'] } } }, { agents: { a: {} } }).removals).toEqual([
      'removes 1 of 2 agents: toString',
    ]);
    expect(diffConfigs({ agents: { a: { secrets: ['K'] } } }, { agents: { a: { constructor: [] } } }).removals).toEqual(
      ['takes secret grant(s) K away from agent a'],
    );
  });
});
