import fs from 'node:fs';
import YAML from 'yaml';
import { PRIORITIES } from '../../bus/priority.js';
import { Rejection } from '../../bus/rejection.js';
import { OPERATOR } from '../../bus/vocabulary.js';
import { loadConfig } from '../config/config.js';
import { EXIT, UsageError, findRoot, parse, print } from './common.js';
import { HEADER_OPTIONS, checkOutgoing, checkPriority, checkSender, writeToOutbox } from './outgoing.js';

export const usage = `mailroom send --to <agent|group|*|a,b> [options] [--body <text> | < body.md]

Write a message into the sender's outbox atomically (a dotfile, then a rename) and print its
path. The daemon takes it from there. The body is --body, or standard input when it is not a
terminal.

Options:
  --root <dir>          the org (default: nearest ancestor holding mailroom.yaml)
  --from <agent>        whose outbox (default: operator)
  --to <names>          agent, group, "*", or a comma-separated list
  --subject <text>
  --priority <p>        ${PRIORITIES.join(' | ')} (default normal)
  --kind <kind>         task: a task on the board; a kind from approval_required
                        (e.g. payment): held in bus/held/ until approved
  --task T-n            update a task; with --status ${['in_progress', 'blocked', 'done', 'cancelled'].join('|')}
  --due <date>          e.g. 2026-11-27
  --reply-to <id>       the message this answers (joins its thread)
  --amount <n>          with an approval kind: the amount (a number)
  --currency <code>     with an approval kind: e.g. USD
  --parent T-n          a new task that is a sub-task of T-n
  --budget-usd <n>      a new task's budget: runs of its thread and sub-tasks
  --blocked-by <T-n,..> tasks that must finish first

Example:
  mailroom send --from maya --to legal --priority high --kind task \\
    --subject "Review the operator agreement" <<< "Sections 4-7, please."`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      ...HEADER_OPTIONS,
      task: { type: 'string' },
      status: { type: 'string' },
      due: { type: 'string' },
      'reply-to': { type: 'string' },
      amount: { type: 'string' },
      currency: { type: 'string' },
      parent: { type: 'string' },
      'budget-usd': { type: 'string' },
      'blocked-by': { type: 'string' },
      body: { type: 'string' },
    },
    usage,
  );
  if (values.help) return (print(usage), EXIT.ok);
  const layout = findRoot(values.root as string | undefined);
  const config = loadConfig(layout.config);
  const from = (values.from as string | undefined) ?? OPERATOR;
  checkSender(from, config);
  checkPriority(values.priority);
  if (values.to === undefined && values.task === undefined)
    throw new UsageError(`--to is required (or --task for a task update)\n\n${usage}`);
  let body = values.body as string | undefined;
  if (body === undefined && !process.stdin.isTTY) body = fs.readFileSync(0, 'utf8');
  const fm: Record<string, unknown> = {};
  if (values.to !== undefined) {
    const to = String(values.to)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    fm.to = to.length === 1 ? to[0] : to;
  }
  for (const key of ['priority', 'subject', 'kind', 'task', 'status', 'due'] as const)
    if (values[key] !== undefined) fm[key] = values[key];
  if (values['reply-to'] !== undefined) fm.reply_to = values['reply-to'];
  Object.assign(fm, governanceFlags(values));
  const text = `---\n${YAML.stringify(fm, { lineWidth: 0 })}---\n${body ?? ''}`;
  // The daemon's own checks, before anything is written: a wrong flag is said here, not in a bounce.
  try {
    checkOutgoing(text, from, config);
  } catch (err) {
    if (err instanceof Rejection) throw new UsageError(`not sent: ${err.message}\n${err.fix}`);
    throw err;
  }
  const label =
    (values.subject as string | undefined) ?? (values.task ? `${values.task} ${values.status ?? 'note'}` : undefined);
  print(writeToOutbox(layout, from, text, label));
  return EXIT.ok;
}

/** The governance flags as front matter: numbers as numbers (the daemon checks them), lists split at commas. */
function governanceFlags(values: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const fm: Record<string, unknown> = {};
  const num = (v: string) => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);
  if (typeof values.amount === 'string') fm.amount = num(values.amount);
  if (typeof values.currency === 'string') fm.currency = values.currency;
  if (typeof values.parent === 'string') fm.parent = values.parent;
  if (typeof values['budget-usd'] === 'string') fm.budget_usd = num(values['budget-usd']);
  if (typeof values['blocked-by'] === 'string')
    fm.blocked_by = values['blocked-by']
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  return fm;
}
