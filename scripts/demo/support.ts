/** What the demo's parts share: where the org is, its config, the CLI, and small waits. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CLI = path.resolve(here, '..', '..', 'runtime', 'cli', 'main.js');
export const ROOT = path.resolve(process.env.MAILROOM_DEMO_ROOT ?? 'demo-org');
/** The org as the demo's lines show it: relative to the working directory when inside it, else absolute. */
const rel = path.relative(process.cwd(), ROOT);
export const SHOWN_ROOT = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : ROOT;
const MOCK = path.resolve(here, '..', 'mock-agent.js');
/** The eleven agents of the field report, all sharing one API key (one lane), and two people-run agents. */
export const HANDLERS = [
  'maya',
  'oliver',
  'echo',
  'dollar',
  'boost',
  'scout',
  'bridge',
  'radar',
  'clipper',
  'builder',
  'pulse',
];
export const EXTERNAL = ['legal', 'cfo'];

/**
 * How the mock agents run: jailed, with mailroom's own files granted read-only (the jail shows
 * nothing else of the host: mock-agent.js and the node_modules it imports must be granted), or,
 * where bubblewrap does not work, with an explicit `sandbox: none` (the demo's mock agents are
 * trusted; yours are not: install bubblewrap).
 */
function jailSetting(jailed: boolean): string {
  if (!jailed) return 'sandbox: none';
  const pkg = path.resolve(here, '..', '..', '..');
  const yaml = createRequire(import.meta.url).resolve('yaml');
  const modules = yaml.slice(0, yaml.lastIndexOf(`${path.sep}node_modules${path.sep}`) + '/node_modules'.length);
  const grants = [...new Set([pkg, fs.realpathSync(pkg), fs.realpathSync(modules)])];
  return `read_only_paths: [${grants.map((g) => JSON.stringify(g)).join(', ')}]`;
}

export const DEMO_HEADER = '# The demo org: 11 mock agents share one API key';

export function demoConfig(jailed: boolean): string {
  const lines = [
    `${DEMO_HEADER} (lane deepseek: 2 at once, 30 starts a minute);`,
    '# legal and cfo are external: you play them with `mailroom send --from legal ...`.',
    'agents:',
    ...EXTERNAL.map(
      (a) =>
        `  ${a}: { description: "external, read by a person"${a === 'cfo' ? ', may_approve: { payment: { max_amount: 5000 } }' : ''} }`,
    ),
    `  runaway: { command: ${JSON.stringify(`node ${MOCK} --spawn 2`)}, description: "answers every task with two sub-tasks", ${jailSetting(jailed)} }`,
    ...HANDLERS.map(
      (a) =>
        `  ${a}: { command: ${JSON.stringify(`node ${MOCK}`)}, lane: deepseek, timeout: 1m, ${jailSetting(jailed)} }`,
    ),
    'groups:',
    `  everyone: [${HANDLERS.join(', ')}]`,
    'lanes:',
    '  deepseek: { concurrency: 2, per_minute: 30 }',
    'stuck_after: { critical: 5m, high: 30m, normal: 4h, low: 1d }',
    '# Governance: payments wait for approval; a runaway is stopped by depth and rate.',
    'approval_required: [payment]',
    'max_task_depth: 3',
    'tasks_per_hour: 6',
    '',
  ];
  return lines.join('\n');
}

/** With DEEPSEEK_API_KEY or ANTHROPIC_API_KEY set, one more agent, writer, is a real model (the key stored as a secret). */
export const MODEL = process.env.DEEPSEEK_API_KEY
  ? {
      secret: 'DEEPSEEK_API_KEY',
      config:
        '{ provider: openai, model: deepseek-chat, base_url: "https://api.deepseek.com/v1", secret: DEEPSEEK_API_KEY, max_tokens: 300, price: { input_per_mtok: 0.27, output_per_mtok: 1.10 } }',
    }
  : process.env.ANTHROPIC_API_KEY
    ? {
        secret: 'ANTHROPIC_API_KEY',
        config: `{ provider: anthropic, model: ${process.env.MAILROOM_DEMO_MODEL ?? 'claude-haiku-4-5'}, secret: ANTHROPIC_API_KEY, max_tokens: 300, price: { input_per_mtok: 1, output_per_mtok: 5 } }`,
      }
    : null;

export function cli(args: string[], input = ''): string {
  const r = spawnSync(process.execPath, [CLI, ...args, '--root', ROOT], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mailroom ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export function say(text: string) {
  process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);
}

export function eventsOf(type: string): Array<Record<string, unknown>> {
  const dir = path.join(ROOT, 'bus', 'events');
  const out: Array<Record<string, unknown>> = [];
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const e = JSON.parse(line) as Record<string, unknown>;
        if (e.type === type) out.push(e);
      } catch {
        /* a torn tail while the daemon writes */
      }
    }
  }
  return out;
}

export async function until<T>(what: string, cond: () => T | undefined | null | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
