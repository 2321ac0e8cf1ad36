/**
 * The runtime (issue: run the agents): eleven agents on one key, lanes, visibility, usage and
 * why (restarts are in restart.int.spec.ts). Handlers are the mock agent (no model, no key); stamps are the
 * handlers' own start/stop records. sandbox: none so the stamp file may live outside the
 * workspaces (the jail is tested in test/int/safety/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeOrg, message, type Org } from '../../support/org.js';
import { mailroom, statusJson } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { idOf } from '../../support/mail.js';
import { maxConcurrent, MOCK, readStamps } from '../../support/runs.js';

let org: Org;

function orgWith(agents: Record<string, string>, extra = ''): { org: Org; stampFile: string } {
  const o = makeOrg(['placeholder']);
  const stampFile = path.join(o.tmp, 'stamps.txt');
  const lines = Object.entries(agents).map(([name, settings]) => `  ${name}: { ${settings} }`);
  fs.writeFileSync(
    o.p('mailroom.yaml'),
    `sandbox: none\nagents:\n${lines.join('\n')}\n${extra}`.replaceAll('$MOCK', MOCK).replaceAll('$STAMPS', stampFile),
  );
  return { org: o, stampFile };
}

describe('eleven agents, one API key', () => {
  it('handles all 11 with never more than 2 running, the queue visible while it drains', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `agent${i + 1}`);
    const agents = Object.fromEntries(
      names.map((n) => [n, 'command: $MOCK, lane: deepseek, env: { MOCK_STAMPS: $STAMPS }']),
    );
    const made = orgWith({ ...agents, boss: '' }, 'lanes:\n  deepseek: { concurrency: 2 }\n');
    org = made.org;
    await org.start();
    for (const n of names)
      org.drop('boss', `to-${n}.md`, message({ to: n, subject: `job for ${n}` }, 'mock: sleep 300\nmock: silent\n'));

    // While it drains: the lane is full and runs wait with a queue ahead of them.
    const seen = await waitFor(() => {
      const s = statusJson(org);
      const lane = s.lanes.find((l: any) => l.name === 'deepseek');
      return lane && lane.running.length === 2 && s.waiting.some((w: any) => w.queue_ahead > 0) ? s : null;
    }, 'a full lane with a visible queue');
    const lane = seen.lanes.find((l: any) => l.name === 'deepseek');
    expect(lane.concurrency).toBe(2);
    expect(lane.queued).toBeGreaterThan(0);
    expect(seen.waiting[0]).toHaveProperty('waited_ms');
    const human = mailroom(['status', '--root', org.root]).stdout;
    expect(human).toMatch(/deepseek/);

    await waitFor(() => names.every((n) => org.ls('workspaces', n, 'done').length === 1), 'all 11 handled', 30_000);
    const ss = readStamps(made.stampFile);
    expect(ss.filter((s) => s.what === 'start')).toHaveLength(11);
    expect(maxConcurrent(ss)).toBe(2);
    expect(org.events().filter((e) => e.type === 'handler.succeeded')).toHaveLength(11);
    for (const n of names) expect(org.ls('workspaces', n, 'inbox')).toEqual([]);
  });
});

describe('environment and usage', () => {
  it('a handler gets its workspace as cwd and HOME, the message on stdin, and only the allow-listed env', async () => {
    const cmd = 'env > seen-env.txt; pwd > seen-cwd.txt; cat > seen-stdin.txt';
    const made = orgWith({ reader: `command: ${JSON.stringify(cmd)}, env: { GREETING: hello }`, boss: '' });
    org = made.org;
    process.env.LEAKY_VARIABLE = 'must-not-leak';
    process.env.MAILROOM_ROOT = org.root;
    try {
      await org.start();
    } finally {
      delete process.env.LEAKY_VARIABLE;
      delete process.env.MAILROOM_ROOT;
    }
    org.drop('boss', 'e.md', message({ to: 'reader', subject: 'env check' }, 'stdin body\n'));
    await waitFor(() => org.ls('workspaces', 'reader', 'done').length === 1, 'the run');
    const ws = org.p('workspaces', 'reader');
    const env = Object.fromEntries(
      org
        .read('workspaces', 'reader', 'seen-env.txt')
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env.HOME).toBe(ws);
    expect(env.MAILROOM_AGENT).toBe('reader');
    expect(env.MAILROOM_MESSAGE).toMatch(new RegExp(`^${ws}/inbox/\\d-normal-.*-env-check\\.md$`));
    expect(env.GREETING).toBe('hello');
    expect(env.PATH).toBeTruthy();
    expect(env.TMPDIR).toBe(`${ws}/.tmp`);
    expect(env).not.toHaveProperty('LEAKY_VARIABLE');
    expect(env).not.toHaveProperty('MAILROOM_ROOT');
    const allowed = new Set([
      'PATH',
      'HOME',
      'LANG',
      'TZ',
      'TMPDIR',
      'MAILROOM_MESSAGE',
      'MAILROOM_AGENT',
      'GREETING',
      'PWD',
      'SHLVL',
      '_',
      'OLDPWD',
    ]);
    expect(Object.keys(env).filter((k) => !allowed.has(k))).toEqual([]);
    expect(org.read('workspaces', 'reader', 'seen-cwd.txt').trim()).toBe(ws);
    expect(org.read('workspaces', 'reader', 'seen-stdin.txt')).toMatch(
      /^---\nid: [0-9a-z]{12}\nfrom: boss\nto: reader\n[\s\S]*---\nstdin body\n$/,
    );
  });

  it('usage printed by handlers adds up on the board, per agent and day', async () => {
    const made = orgWith({ cfo: 'command: $MOCK', legal: 'command: $MOCK', boss: '' });
    org = made.org;
    await org.start();
    for (const [i, a] of ['cfo', 'cfo', 'legal'].entries())
      org.drop('boss', `u${i}.md`, message({ to: a, subject: `usage ${i}` }, 'mock: silent\n'));
    await waitFor(
      () => org.ls('workspaces', 'cfo', 'done').length === 2 && org.ls('workspaces', 'legal', 'done').length === 1,
      'three runs',
    );
    await waitFor(() => JSON.parse(org.read('board', 'board.json')).costs.cfo, 'costs in board.json');
    const board = JSON.parse(org.read('board', 'board.json'));
    const day = Object.keys(board.costs.cfo)[0]!;
    expect(day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(board.costs.cfo[day]).toMatchObject({ runs: 2, output_tokens: 84, cost_usd: 0.0002 });
    expect(board.costs.legal[day]).toMatchObject({ runs: 1, output_tokens: 42 });
    const line = mailroom(['board', '--root', org.root])
      .stdout.split('\n')
      .find((l) => l.startsWith('Cost'));
    expect(line).toMatch(/0\.0003/);
    const succeeded = org.events().find((e) => e.type === 'handler.succeeded' && e.agent === 'legal');
    expect(succeeded?.usage).toEqual({ input_tokens: expect.any(Number), output_tokens: 42, cost_usd: 0.0001 });
  });
});

describe('why', () => {
  it('answers for an external agent, a run waiting for its lane, and a failed attempt', async () => {
    const made = orgWith(
      {
        external: '',
        busy: 'command: $MOCK, lane: one',
        waiter: 'command: $MOCK, lane: one',
        flaky: 'command: $MOCK, max_attempts: 3, retry_backoff: 30s',
        boss: '',
      },
      'lanes:\n  one: { concurrency: 1 }\nwait_warning: 500ms\n',
    );
    org = made.org;
    await org.start();
    org.drop('boss', 'x.md', message({ to: 'external', subject: 'for a person' }));
    // busy holds the lane past the end of the test (its run ends with the org), so the wait below
    // lasts however slow the machine is.
    org.drop(
      'boss',
      'b.md',
      message({ to: 'busy', subject: 'long job', priority: 'high' }, 'mock: sleep 60000\nmock: silent\n'),
    );
    const ext = await waitFor(() => org.ls('workspaces', 'external', 'inbox')[0], 'delivery to external');
    await waitFor(
      () => org.events().some((e) => e.type === 'handler.started' && e.agent === 'busy'),
      'the long job to start',
    );
    org.drop('boss', 'w.md', message({ to: 'waiter', subject: 'waits' }, 'mock: silent\n'));
    org.drop('boss', 'f.md', message({ to: 'flaky', subject: 'fails once' }, 'mock: fail-times 1\nmock: silent\n'));
    const w = await waitFor(() => org.ls('workspaces', 'waiter', 'inbox')[0], 'delivery to waiter');
    const f = await waitFor(() => org.ls('workspaces', 'flaky', 'inbox')[0], 'delivery to flaky');
    await waitFor(
      () => org.events().some((e) => e.type === 'handler.failed' && e.agent === 'flaky'),
      'the first attempt to fail',
    );

    const whyExt = mailroom(['why', idOf(ext), '--root', org.root]);
    expect(whyExt.code).toBe(0);
    expect(whyExt.stdout).toMatch(/no handler: external is an external agent/);
    const whyWait = await waitFor(() => {
      const r = mailroom(['why', idOf(w), '--root', org.root]).stdout;
      return /waiting for lane one/.test(r) ? r : null;
    }, 'why for the waiting run');
    expect(whyWait).toMatch(/it is full \(1 running: [0-9a-z]{12}\)/);
    const whyFail = mailroom(['why', idOf(f), '--root', org.root]).stdout;
    expect(whyFail).toMatch(/attempt 1 failed with exit 1.*next attempt at/);
    expect(whyFail.trim().split('\n').length).toBeLessThanOrEqual(3);
    expect(JSON.parse(mailroom(['why', idOf(f), '--root', org.root, '--json']).stdout)).toHaveProperty('id', idOf(f));

    // A wait past wait_warning is a warning, not a silent stall: in status and in the daemon's log.
    const warned = await waitFor(() => {
      const s = JSON.parse(mailroom(['status', '--root', org.root, '--json']).stdout);
      return s.warnings.find((x: any) => x.id === idOf(w));
    }, 'the wait warning in status');
    expect(warned.waited_ms).toBeGreaterThan(500);
    expect(mailroom(['status', '--root', org.root]).stdout).toMatch(new RegExp(`WARNING ${idOf(w)} waiter`));
    await waitFor(() => org.stderr.includes(`${idOf(w)} for waiter has waited`), 'the wait warning in the daemon log');
  });
});
