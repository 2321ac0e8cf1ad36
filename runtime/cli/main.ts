#!/usr/bin/env node
/**
 * The mailroom CLI: one file per command in this folder; this file dispatches and turns
 * errors into messages and exit codes (0 ok, 1 problem found or refused, 2 usage).
 */
import v8 from 'node:v8';
import { escapeBlock } from '../../bus/escape.js';
import { ConfigError } from '../config/config.js';
import { AlreadyRunning } from '../daemon/lock.js';
import { VERSION } from '../version.js';
import { EXIT, Problem, UsageError } from './common.js';
import { heapFlags } from './heap-flags.js';

interface Command {
  usage: string;
  run: (argv: string[]) => Promise<number>;
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  init: () => import('./init.js'),
  start: () => import('./start.js'),
  send: () => import('./send.js'),
  status: () => import('./status.js'),
  board: () => import('./board.js'),
  doctor: () => import('./doctor.js'),
  show: () => import('./show.js'),
  log: () => import('./log.js'),
  why: () => import('./why.js'),
  compact: () => import('./compact.js'),
  config: () => import('./config.js'),
  secret: () => import('./secret.js'),
  serve: () => import('./serve.js'),
  service: () => import('./service.js'),
  completion: () => import('./completion.js'),
  approve: () => import('./governance.js').then((m) => m.approve),
  reject: () => import('./governance.js').then((m) => m.reject),
  grant: () => import('./governance.js').then((m) => m.grant),
  revoke: () => import('./governance.js').then((m) => m.revoke),
  audit: () => import('./governance.js').then((m) => m.audit),
  brief: () => import('./brief.js'),
  pause: () => import('./governance.js').then((m) => m.pause),
  resume: () => import('./governance.js').then((m) => m.resume),
  compose: () => import('./compose.js'),
  try: () => import('./try.js'),
};

export const HELP = `mailroom ${VERSION}: a file bus for an organisation of AI agents

Usage: mailroom <command> [options]

Commands:
  init <dir> --agents a,b,c   create an org (mailroom.yaml, workspaces, bus, board)
  start                       run the daemon in the foreground (Ctrl-C stops it)
  send --to <names> ...       put a message into an outbox (prints its path)
  compose --from <agent>      write a message in $EDITOR; checked, then sent (kept if not)
  status [--json]             agents, unread mail, spool, dead letters, daemon
  board [--json] [--all]      the task board, folded from the event log
  doctor [--json]             check everything; exit 1 when something is wrong
  show <id> [--json]          a message's full text and where it went
  log [--json] [--tail N]     the event log
  why <id> [--json]           where a message is and why it has not been handled yet
  compact                     gzip log segments older than the newest snapshot into bus/archive/
  config <command>            history, show, diff, set, apply, rollback (versioned, safe), schema
  secret set|list|rm          secrets for handlers (values from stdin, never in mailroom.yaml)
  serve [--port 7077]         a read-only page: board, agents, lanes, charts (live)
  service install|status      run the daemon as a systemd service
  completion bash|zsh         shell completion: source <(mailroom completion bash)
  try <agent> "text"          run one message through an agent's handler; nothing is sent

Governance (README "Governance"):
  approve <id> [--note t]     approve a message held in bus/held/ (it is delivered); --from <agent> as it
  reject <id> --reason t      reject it (its sender gets a bounce with the reason)
  grant <agent> <kind> [--max-amount N] [--currency C] [--until DATE]   let an agent approve a kind
  revoke <agent> <kind>       take that grant away (both are versioned config changes)
  audit [--agent a] [--kind k] [--json]   who authorised what, from the log alone
  brief <agent>               its BRIEF.md: open tasks, last messages, waits, decisions
  pause <agent>               leave its outbox alone and hold its runs
  resume <agent>              end a pause (also a circuit breaker's, or today's budget)

Common options:
  --root <dir>                the org (default: nearest ancestor holding mailroom.yaml)
  -h, --help                  help for a command: mailroom help <command>, or mailroom <command> --help

Environment: none required. Exit codes: 0 ok, 1 a problem found or refused, 2 usage.

Examples:
  mailroom init ./org --agents maya,oliver,legal
  mailroom start --root ./org &
  mailroom send --root ./org --from maya --to legal --subject "Review" <<< "Sections 4-7"
  ls ./org/workspaces/legal/inbox
  mailroom board --root ./org --json`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest.length) {
    const [topic, ...extra] = rest;
    if (extra.length) throw new UsageError(`help takes one command, e.g. mailroom help send`);
    const load = COMMANDS[topic!];
    if (!load)
      throw new UsageError(`no command ${JSON.stringify(topic)}; commands: ${Object.keys(COMMANDS).join(', ')}`);
    process.stdout.write(`${(await load()).usage}\n`);
    return EXIT.ok;
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(HELP + '\n');
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(VERSION + '\n');
    return EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load)
    throw new UsageError(
      `unknown command ${JSON.stringify(name)}; commands: ${Object.keys(COMMANDS).join(', ')} (mailroom --help)`,
    );
  const flags = heapFlags(name); // GC heuristics only, set before the command loads anything (heap-flags.ts)
  if (flags) v8.setFlagsFromString(flags);
  const command = await load();
  return command.run(rest);
}

// `mailroom log | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`mailroom: ${escapeBlock(err.message)}\n`);
      process.exitCode = EXIT.usage;
    } else if (err instanceof Problem || err instanceof ConfigError || err instanceof AlreadyRunning) {
      process.stderr.write(`mailroom: ${escapeBlock(err.message)}\n`);
      process.exitCode = EXIT.problem;
    } else {
      process.stderr.write(
        `mailroom: ${escapeBlock(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`,
      );
      process.exitCode = EXIT.problem;
    }
  },
);
