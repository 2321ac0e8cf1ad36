/**
 * `mailroom try <agent> "text"`: one message through the agent's handler (a model or a
 * command), exactly as the runner would start it (jail, environment, secrets, timeout), but in
 * a scratch copy of its mailboxes outside the org: nothing is sent, the workspace is untouched.
 * Prints what it would have sent, the usage and the cost. For setting an agent up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseMessage, stampMessage } from '../../bus/message.js';
import { inboxName, newId } from '../../bus/names.js';
import { formatDuration } from '../../bus/time.js';
import { OPERATOR } from '../../bus/vocabulary.js';
import { loadConfig } from '../config/load.js';
import type { AgentConfig } from '../config/schema.js';
import type { HandlerResult } from '../decide/run-end.js';
import { readExit } from '../lanes/retry.js';
import { startHandler } from '../runs/handler.js';
import { handlerArgv, handlerEnvFor } from '../runs/launch.js';
import { EXIT, Problem, UsageError, findRoot, parse, print, printJson } from './common.js';

export const usage = `mailroom try <agent> "text" [--file message.md] [--from name] [--subject s] [--keep] [--json] [--root <dir>]

Run one message through <agent>'s handler (model: or command:) as the daemon would (its jail,
environment, secrets and timeout), in a scratch copy of its mailboxes: nothing is sent and its
workspace is not touched. Prints the messages it would have sent, its usage and the cost.
Exit 0 when the handler succeeded, 1 when it failed.

Options:
  --file <path>     the body from a file (else the text argument, or standard input)
  --from <name>     who the message seems to come from (default operator)
  --subject <s>     its subject (default "Try")
  --keep            keep the scratch workspace and print where it is
  --json            {outcome, reason, exit_code, duration_ms, sent: [{file, text}], usage, stderr}

Example:
  mailroom try scout "Summarise today's arXiv listings on agents in five lines."`;

/** Text for a terminal: control characters (escape sequences) shown, never obeyed. */
function printable(s: string): string {
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f\x9b]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function scratchWorkspace(workspace: string, cfg: AgentConfig): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-try-')), cfg.name);
  for (const sub of ['inbox', 'outbox', 'done', 'sent', 'drafts', '.tmp'])
    fs.mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o700 });
  const copies = ['BRIEF.md', ...(cfg.model?.system ? [cfg.model.system] : [])];
  for (const rel of copies) {
    const from = path.join(workspace, rel);
    const st = fs.lstatSync(from, { throwIfNoEntry: false });
    if (!st?.isFile()) continue;
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true, mode: 0o700 });
    fs.copyFileSync(from, path.join(dir, rel));
  }
  return dir;
}

function report(agent: string, result: HandlerResult, timeout: number, outbox: string, json: boolean): number {
  const { outcome, reason } = readExit(result, timeout);
  const sent = fs
    .readdirSync(outbox)
    .filter((n) => !n.startsWith('.'))
    .sort()
    .map((file) => ({ file, text: fs.readFileSync(path.join(outbox, file), 'utf8') }));
  if (json) {
    printJson({
      agent,
      outcome,
      reason,
      exit_code: result.exitCode,
      duration_ms: result.durationMs,
      sent,
      usage: result.usage ?? null,
      stderr: result.stderrTail,
    });
  } else {
    const lines = [`${agent}: ${outcome} (${reason}) in ${formatDuration(result.durationMs)}`];
    for (const s of sent) lines.push('', `--- would send outbox/${printable(s.file)} ---`, printable(s.text).trimEnd());
    if (!sent.length) lines.push('', 'it would send nothing');
    const u = result.usage;
    lines.push(
      '',
      u
        ? `usage: ${u.input_tokens} input tokens, ${u.output_tokens} output tokens, cost $${u.cost_usd}`
        : 'usage: none reported',
    );
    if (result.stderrTail) lines.push('', 'stderr:', printable(result.stderrTail));
    print(lines.join('\n'));
  }
  return outcome === 'succeeded' ? EXIT.ok : EXIT.problem;
}

/** The agent to try: it must exist and have a handler. */
function handlerAgent(agents: Readonly<Record<string, AgentConfig>>, agent: string): AgentConfig {
  const cfg = Object.hasOwn(agents, agent) ? agents[agent]! : undefined;
  if (!cfg) throw new Problem(`no agent named ${JSON.stringify(agent)}; agents: ${Object.keys(agents).join(', ')}`);
  if (!cfg.command)
    throw new Problem(
      `${agent} is an external agent (no command: or model:): nothing of mailroom's runs it, so there is nothing to try`,
    );
  return cfg;
}

/** The message body: the text given, the --file, or standard input when it is not a terminal. */
function messageBody(text: string | undefined, file: string | undefined): string {
  let body = text ?? (file !== undefined ? fs.readFileSync(file, 'utf8') : undefined);
  if (body === undefined && !process.stdin.isTTY) body = fs.readFileSync(0, 'utf8');
  if (!body?.trim()) throw new UsageError(`no message: give the text, --file, or standard input\n\n${usage}`);
  return body;
}

export async function run(argv: string[]): Promise<number> {
  const opts = {
    root: { type: 'string' },
    file: { type: 'string' },
    from: { type: 'string' },
    subject: { type: 'string' },
    keep: { type: 'boolean' },
    json: { type: 'boolean' },
  } as const;
  const { values, positionals } = parse(argv, opts, usage, true);
  if (values.help) return (print(usage), EXIT.ok);
  const [agent, text, ...extra] = positionals;
  if (!agent || extra.length || (text !== undefined && values.file !== undefined))
    throw new UsageError(`try takes an agent and the text (or --file)\n\n${usage}`);
  const layout = findRoot(values.root as string | undefined);
  const config = loadConfig(layout.config);
  const cfg = handlerAgent(config.agents, agent);
  const body = messageBody(text, values.file as string | undefined);
  const from = (values.from as string | undefined) ?? OPERATOR;
  const draft = parseMessage(
    Buffer.from(
      `---\nto: ${agent}\nsubject: ${JSON.stringify((values.subject as string | undefined) ?? 'Try')}\n---\n${body}`,
    ),
    config.maxMessageBytes,
  );
  const id = newId();
  const sent = new Date().toISOString();
  const stamped = stampMessage(draft, { id, from, to: [agent], sent, thread: id, hops: 0 });
  const scratch = scratchWorkspace(layout.workspace(agent), cfg);
  try {
    const file = path.join(scratch, 'inbox', inboxName({ priority: draft.priority, sent, id, subject: draft.subject }));
    fs.writeFileSync(file, stamped, { mode: 0o600 });
    const launch = handlerArgv(layout.root, scratch, cfg);
    if ('refuse' in launch) throw new Problem(`${agent}'s handler may not run here: ${launch.refuse}`);
    const { env, missing } = handlerEnvFor(layout, cfg, scratch, file);
    if (missing.length)
      process.stderr.write(
        `mailroom: ${agent} is granted secret(s) ${missing.join(', ')} that are not set; run \`mailroom secret set ${missing[0]}\`\n`,
      );
    const result = await startHandler({
      argv: launch.argv,
      cwd: scratch,
      env,
      stdin: stamped,
      timeoutMs: cfg.timeout,
      killGraceMs: config.killGrace,
    }).result;
    return report(agent, result, cfg.timeout, path.join(scratch, 'outbox'), values.json === true);
  } finally {
    if (values.keep) process.stderr.write(`mailroom: the scratch workspace is kept at ${scratch}\n`);
    else fs.rmSync(path.dirname(scratch), { recursive: true, force: true });
  }
}
