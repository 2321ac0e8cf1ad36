#!/usr/bin/env node
/**
 * The model handler: a `model:` agent's command (command.ts). Run by the runner like any
 * handler (its lane, attempts, timeout, jail), once per message, in the agent's workspace, the
 * message on stdin. It assembles the prompt (prompt.ts) from what it can see, asks the model
 * once with a per-request timeout and no retries of its own, and ends as the runner reads a
 * handler's end:
 *
 *   exit 0   the answer is in outbox/ (reply.ts), a usage line with the cost is on stdout
 *   exit 75  rate-limited or overloaded; `retry-after: N` on stderr cools the lane (errors.ts)
 *   exit 1   a server error, a timeout, no connection, a malformed answer: a failed attempt
 *   exit 78  a request the provider refuses (bad key, unknown model), or a setting that cannot
 *            work (a missing secret or system file): no more attempts, the reason on stderr
 */
import fs from 'node:fs';
import path from 'node:path';
import { MAILROOM } from '../../bus/vocabulary.js';
import type { ModelConfig } from '../config/schema.js';
import { EXIT_PERMANENT } from '../lanes/retry.js';
import { classifyStatus, EXIT_FAILED } from './errors.js';
import { assemblePrompt } from './prompt.js';
import { buildRequest, costOf, MalformedAnswer, readAnswer } from './providers.js';
import { replyText } from './reply.js';
import { readThread, threadEntry } from './thread.js';

class Exit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function readOptional(file: string, what: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && what === 'BRIEF.md') return undefined;
    throw new Exit(
      EXIT_PERMANENT,
      `cannot read ${what} (${file}): ${(err as Error).message}; the file must be inside the agent's workspace`,
    );
  }
}

function writeOutbox(name: string, text: string): string {
  fs.mkdirSync('outbox', { recursive: true });
  const tmp = path.join('outbox', `.${name}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text, { flag: 'wx', mode: 0o600 });
  fs.renameSync(tmp, path.join('outbox', name));
  return path.join('outbox', name);
}

async function ask(
  m: ModelConfig,
  body: { url: string; headers: Record<string, string>; body: string },
): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  try {
    const res = await fetch(body.url, {
      method: 'POST',
      headers: body.headers,
      body: body.body,
      signal: AbortSignal.timeout(m.requestTimeout),
      redirect: 'error',
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: Object.fromEntries([...res.headers].map(([k, v]) => [k.toLowerCase(), v])),
      text,
    };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError')
      throw new Exit(EXIT_FAILED, `no answer from ${body.url} within request_timeout ${m.requestTimeout} ms`);
    throw new Exit(EXIT_FAILED, `could not reach ${body.url}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  }
}

function readModelConfig(): ModelConfig {
  const raw = process.env.MAILROOM_MODEL;
  if (!raw)
    throw new Exit(
      EXIT_PERMANENT,
      'MAILROOM_MODEL is not set: this program is run by mailroom for an agent with model: in mailroom.yaml',
    );
  return JSON.parse(raw) as ModelConfig;
}

/** The model's answer out of an HTTP response, or an Exit for an error status or a malformed answer. */
function answerOf(m: ModelConfig, res: Awaited<ReturnType<typeof ask>>): ReturnType<typeof readAnswer> {
  if (res.status < 200 || res.status > 299) {
    const f = classifyStatus(res.status, res.headers, res.text, Date.now());
    throw new Exit(
      f.exitCode,
      `${m.provider} ${m.model}: ${f.message}${f.retryAfter !== undefined ? `\nretry-after: ${f.retryAfter}` : ''}`,
    );
  }
  try {
    return readAnswer(m.provider, res.text);
  } catch (err) {
    if (err instanceof MalformedAnswer)
      throw new Exit(EXIT_FAILED, `${m.provider} ${m.model}: a malformed answer (HTTP ${res.status}): ${err.message}`);
    throw err;
  }
}

async function main(): Promise<number> {
  const agent = process.env.MAILROOM_AGENT ?? 'agent';
  const m = readModelConfig();
  const text = fs.readFileSync(0, 'utf8');
  const message = threadEntry(text);
  if (!message)
    throw new Exit(
      EXIT_PERMANENT,
      'the message on stdin has no stamped front matter (id, from, thread); mailroom hands over delivered messages only',
    );
  if (message.from === MAILROOM) {
    process.stderr.write(
      `model: ${message.id} is from mailroom (a bounce or an alert); kept in done/ for people, not sent to the model\n`,
    );
    return 0;
  }
  const key = m.secret ? process.env[m.secret] : undefined;
  if (m.secret && !key)
    throw new Exit(
      EXIT_PERMANENT,
      `the API key secret ${m.secret} is not set; run \`mailroom secret set ${m.secret} < key.txt\``,
    );
  const prompt = assemblePrompt({
    agent,
    systemFile: m.system ? readOptional(m.system, `the system file ${m.system}`) : undefined,
    brief: readOptional('BRIEF.md', 'BRIEF.md'),
    thread: readThread('.', message.thread, message.id),
    message,
    historyTokens: m.historyTokens,
  });
  if (prompt.omitted)
    process.stderr.write(
      `model: ${prompt.omitted} earlier message(s) of thread ${message.thread} left out (history_tokens ${m.historyTokens})\n`,
    );
  const res = await ask(
    m,
    buildRequest(m, prompt, key) as { url: string; headers: Record<string, string>; body: string },
  );
  const answer = answerOf(m, res);
  process.stdout.write(`${JSON.stringify({ usage: { ...answer.usage, cost_usd: costOf(answer.usage, m.price) } })}\n`);
  const reply = replyText(answer.text, message);
  if (reply === null) process.stderr.write('model: the answer was empty; nothing sent\n');
  else process.stderr.write(`model: wrote ${writeOutbox(`reply-${message.id}.md`, reply)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof Exit) {
      process.stderr.write(`${err.message}\n`);
      process.exit(err.code);
    }
    process.stderr.write(`model: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(EXIT_FAILED);
  },
);
