/**
 * What the coding-agent recipes share: read the delivered message from stdin, run a CLI with a
 * prompt on its stdin (no shell, no message text on a command line), write the answer into
 * outbox/ as a reply (runtime/model/reply.ts: plain text, or front matter of its own), and print
 * the usage line the runner adds to the board.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MAILROOM } from '../../bus/vocabulary.js';
import { instructions } from '../../runtime/model/prompt.js';
import { replyText } from '../../runtime/model/reply.js';
import { threadEntry } from '../../runtime/model/thread.js';

export type Incoming = NonNullable<ReturnType<typeof threadEntry>>;

/** The message on stdin, or null (after saying why) when it is mailroom's own mail, which no agent answers. */
export function readIncoming(): Incoming | null {
  const m = threadEntry(fs.readFileSync(0, 'utf8'));
  if (!m) throw new Error('the message on stdin has no stamped front matter; run this as a mailroom handler');
  if (m.from === MAILROOM) {
    process.stderr.write(`${m.id} is from mailroom (a bounce or an alert): kept in done/, not handed to the agent\n`);
    return null;
  }
  return m;
}

/** The prompt for a coding agent: how to answer through mailroom, then the message. */
export function promptFor(m: Incoming): string {
  const agent = process.env.MAILROOM_AGENT ?? 'agent';
  return `${instructions(agent)}\n\nFrom: ${m.from}\nSent: ${m.sent}${m.subject ? `\nSubject: ${m.subject}` : ''}\n\n${m.body.trim()}\n`;
}

/** Run `cmd args` with `input` on stdin, in the working directory (the workspace). Exits 1 when it cannot start or fails. */
export function runCli(cmd: string, args: string[], input: string): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error)
    fail(
      `${cmd} could not start: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message} (is it on the PATH the handler gets?)`,
    );
  if (r.status !== 0)
    fail(`${cmd} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-10).join('\n')}`);
  return r.stdout;
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

export function reply(m: Incoming, answer: string): void {
  const text = replyText(answer, m);
  if (text === null) return void process.stderr.write('the answer was empty; nothing sent\n');
  fs.mkdirSync('outbox', { recursive: true });
  const tmp = path.join('outbox', `.reply-${m.id}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text, { flag: 'wx', mode: 0o600 });
  fs.renameSync(tmp, path.join('outbox', `reply-${m.id}.md`));
}

export function printUsage(input: number, output: number, costUsd: number): void {
  process.stdout.write(
    `${JSON.stringify({ usage: { input_tokens: input, output_tokens: output, cost_usd: costUsd } })}\n`,
  );
}
