/**
 * The recipes (scripts/recipes/) with stand-in binaries on PATH that print what the real ones
 * print (`claude -p --output-format json`, `codex exec --json`, `openclaw agent`), the Python
 * agent against the stand-in provider, and `mailroom try`, which runs one message through a
 * handler and sends nothing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO, mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { message, type Org } from '../../support/org.js';
import { orgFromYaml } from '../../support/org.js';
import { startDaemon } from '../../support/daemon.js';
import { Provider } from './model-provider.js';

const provider = new Provider();
let org: Org;
let bin: string;
let env: NodeJS.ProcessEnv;
const recipe = (name: string) => JSON.stringify(`node ${path.join(REPO, 'dist', 'scripts', 'recipes', name)}`);

/** Stand-ins: each records its arguments, working directory and stdin, and prints what the real CLI prints. */
function standIns(dir: string): void {
  const record = (name: string) => `printf '%s\\n' "$PWD" "$*" > "${dir}/${name}.args"; cat > "${dir}/${name}.stdin"`;
  const claude = `{"type":"result","subtype":"success","is_error":false,"duration_ms":1200,"num_turns":1,"result":"Claude read it.","session_id":"s1","total_cost_usd":0.0123,"usage":{"input_tokens":10,"cache_creation_input_tokens":5,"cache_read_input_tokens":100,"output_tokens":20}}`;
  const codex = [
    '{"type":"thread.started","thread_id":"t1"}',
    '{"type":"turn.started"}',
    '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"---\\nto: legal\\nkind: task\\nsubject: Fix the build\\n---\\nCodex found a broken build."}}',
    '{"type":"turn.completed","usage":{"input_tokens":120,"cached_input_tokens":0,"output_tokens":45}}',
  ].join('\n');
  const scripts: Record<string, string> = {
    claude: `${record('claude')}\ncat <<'EOF'\n${claude}\nEOF\n`,
    codex: `${record('codex')}\ncat <<'EOF'\n${codex}\nEOF\n`,
    openclaw: `${record('openclaw')}\necho "OpenClaw will handle it."\n`,
  };
  for (const [name, text] of Object.entries(scripts))
    fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${text}`, { mode: 0o755 });
}

beforeAll(async () => {
  const url = await provider.start();
  org = orgFromYaml(`sandbox: none
agents:
  boss: {}
  legal: {}
  claw: {}
  coder: { command: ${recipe('claude-code.js')}, timeout: 20s }
  codexer: { command: ${recipe('codex.js')}, timeout: 20s }
  py: { command: "python3 ${path.join(REPO, 'scripts', 'recipes', 'python-agent.py')}", env: { MODEL_BASE_URL: "${url}", MODEL_NAME: plain }, secrets: [MODEL_API_KEY] }
  scribe: { model: { provider: openai, model: plain, base_url: "${url}", price: { input_per_mtok: 1, output_per_mtok: 2 } } }
`);
  bin = path.join(org.tmp, 'bin');
  fs.mkdirSync(bin);
  standIns(bin);
  env = { PATH: `${bin}:${process.env.PATH}` };
  expect(mailroom(['secret', 'set', 'MODEL_API_KEY', '--root', org.root], { input: 'sk-py' }).code).toBe(0);
  await startDaemon(org, { env: env });
});

afterAll(async () => {
  await org?.cleanup();
  await provider.stop();
});

/** The CLI without blocking this process (spawnSync would stall the stand-in provider, which runs here). */
function mailroomAsync(
  args: string[],
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const inboxOf = (agent: string) =>
  org.ls('workspaces', agent, 'inbox').map((n) => org.read('workspaces', agent, 'inbox', n));
const succeeded = (agent: string) => org.events().find((e) => e.type === 'handler.succeeded' && e.agent === agent);

describe('recipes', () => {
  it('Claude Code: claude -p in the workspace, the message on stdin, its result as the reply, its usage and cost on the board', async () => {
    org.drop('boss', 'c.md', message({ to: 'coder', subject: 'Review' }, 'Please review src/.\n'));
    const reply = await waitFor(() => inboxOf('boss').find((t) => t.includes('from: coder')), "coder's reply");
    expect(reply).toContain('Claude read it.');
    expect(reply).toMatch(/reply_to: \w{12}/);
    const [cwd, args] = fs.readFileSync(path.join(bin, 'claude.args'), 'utf8').split('\n');
    expect(fs.realpathSync(cwd!)).toBe(fs.realpathSync(org.p('workspaces', 'coder')));
    expect(args).toBe('-p --output-format json');
    expect(fs.readFileSync(path.join(bin, 'claude.stdin'), 'utf8')).toContain('Please review src/.');
    expect((await waitFor(() => succeeded('coder'), 'handler.succeeded')).usage).toEqual({
      input_tokens: 115,
      output_tokens: 20,
      cost_usd: 0.0123,
    });
  });

  it('Codex: codex exec --json, the prompt on stdin; an answer with front matter becomes a task', async () => {
    org.drop('boss', 'x.md', message({ to: 'codexer', subject: 'Build' }, 'Is the build green?\n'));
    await waitFor(
      () => inboxOf('legal').find((t) => t.includes('from: codexer') && t.includes('kind: task')),
      "codexer's task for legal",
    );
    expect(fs.readFileSync(path.join(bin, 'codex.args'), 'utf8').split('\n')[1]).toBe(
      'exec --json --skip-git-repo-check -',
    );
    expect(fs.readFileSync(path.join(bin, 'codex.stdin'), 'utf8')).toContain('Is the build green?');
    expect((await waitFor(() => succeeded('codexer'), 'handler.succeeded')).usage).toEqual({
      input_tokens: 120,
      output_tokens: 45,
      cost_usd: 0,
    });
  });

  it('the twenty-line Python agent answers through an OpenAI-compatible API, with its secret', async () => {
    org.drop('boss', 'p.md', message({ to: 'py', subject: 'Hi' }, 'Hello from boss.\n'));
    const reply = await waitFor(() => inboxOf('boss').find((t) => t.includes('from: py')), "py's reply");
    expect(reply).toContain('Noted (1): Hello from boss.');
    expect(provider.of('plain')[0]!.headers.authorization).toBe('Bearer sk-py');
    expect((await waitFor(() => succeeded('py'), 'handler.succeeded')).usage).toMatchObject({
      input_tokens: 1000,
      output_tokens: 200,
    });
  });

  it('OpenClaw: an external agent whose inbox the bridge reads; the answer goes back in the thread, the message to done/', async () => {
    org.drop('boss', 'o.md', message({ to: 'claw', subject: 'Ping' }, 'Can you take this?\n'));
    await waitFor(() => org.ls('workspaces', 'claw', 'inbox').length === 1, 'delivery to claw');
    const r = (await import('node:child_process')).spawnSync(
      path.join(REPO, 'scripts', 'recipes', 'openclaw-bridge.sh'),
      [org.p('workspaces', 'claw'), 'main', '--once'],
      { env: { ...process.env, ...env }, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(bin, 'openclaw.args'), 'utf8')).toMatch(
      /^agent --agent main --message-file .*\/inbox\/.*\.md$/m,
    );
    const reply = await waitFor(() => inboxOf('boss').find((t) => t.includes('from: claw')), "claw's reply");
    expect(reply).toContain('OpenClaw will handle it.');
    expect(org.ls('workspaces', 'claw', 'inbox')).toEqual([]);
    expect(org.ls('workspaces', 'claw', 'done')).toHaveLength(1);
  });
});

describe('mailroom try', () => {
  it('runs one message through a command handler and prints what it would send, the usage and the cost; nothing is sent', async () => {
    const before = org.events().length;
    const r = mailroom(['try', 'coder', 'Check the tests.', '--root', org.root], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^coder: succeeded \(exit 0\)/);
    expect(r.stdout).toContain('--- would send outbox/reply-');
    expect(r.stdout).toContain('Claude read it.');
    expect(r.stdout).toContain('usage: 115 input tokens, 20 output tokens, cost $0.0123');
    expect(fs.readFileSync(path.join(bin, 'claude.stdin'), 'utf8')).toContain('Check the tests.');
    // The handler ran in a scratch copy outside the org: its reply is neither in coder's outbox nor taken from it.
    expect(
      org
        .events()
        .slice(before)
        .filter((e) => e.type === 'message.accepted'),
    ).toEqual([]);
    expect(org.ls('workspaces', 'coder', 'outbox')).toEqual([]);
  });

  it('runs a model agent (--json), and says why for a failing one and an external one', async () => {
    const r = await mailroomAsync(['try', 'scribe', '--json', '--root', org.root], 'Summarise.\n');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      agent: 'scribe',
      outcome: 'succeeded',
      usage: { input_tokens: 1000, output_tokens: 200, cost_usd: 0.0014 },
    });
    expect(j.sent[0].text).toMatch(
      /^---\nto: operator\nreply_to: \w{12}\nsubject: "Re: Try"\n---\nNoted \(\d+\): Summarise\.\n$/,
    );
    const ext = mailroom(['try', 'claw', 'hi', '--root', org.root]);
    expect(ext.code).toBe(1);
    expect(ext.stderr).toContain('claw is an external agent');
    const none = mailroom(['try', 'nobody', 'hi', '--root', org.root]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no agent named "nobody"');
    const usage = mailroom(['try', '--root', org.root]);
    expect(usage.code).toBe(2);
  });
});
