import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { PRIORITIES } from '../../bus/priority.js';
import { Rejection } from '../../bus/rejection.js';
import { loadConfig, type OrgConfig } from '../config/config.js';
import type { Layout } from '../../workspaces/layout.js';
import { EXIT, Problem, UsageError, findRoot, parse, print, rootArg } from './common.js';
import { Dir, Refused, readRegular } from '../../workspaces/hostile-fs.js';
import { createExclusive } from '../../workspaces/hostile-write.js';
import { HEADER_OPTIONS, checkOutgoing, checkPriority, checkSender, moveToOutbox, outboxName } from './outgoing.js';

/** A draft larger than this is not read back (the daemon's own limit, max_message_bytes, is far below). */
const MAX_DRAFT_BYTES = 64 * 1_048_576;

export const usage = `mailroom compose --from <agent> [--to <names>] [--subject s] [--priority p] [--kind task] [--root <dir>]
mailroom compose --from <agent> --draft <file>

Write a message in your editor, like \`git commit\`: a draft with a filled-in front matter is
made in workspaces/<agent>/drafts/ (a folder the daemon never takes from) and opened in
$EDITOR (default: vi). When the editor exits, the draft is checked with the daemon's own
parser and routing and, if it passes, moved into the outbox: sent. Otherwise it is not sent:
the draft stays where it is, and compose says why and where (fix it with --draft <file>, or
\`mv\` it into the outbox yourself). A draft left unchanged or with an editor that failed is
not sent either; an emptied draft is deleted.

Options:
  --root <dir>          the org (default: nearest ancestor holding mailroom.yaml)
  --from <agent>        whose drafts/ and outbox (an agent, or operator)
  --to <names>          agent, group, "*", or a comma-separated list
  --subject <text>      (in the file: whatever follows subject: on its line)
  --priority <p>        ${PRIORITIES.join(' | ')} (default normal)
  --kind task           create a task on the board
  --draft <file>        open an existing draft again instead of a new one

Environment: EDITOR (a command; the draft's path is added as its last argument).

Example:
  EDITOR=nano mailroom compose --from maya --to legal --subject "Re: the contract"`;

const HINT = '# Write the body below the closing ---. Save and quit to send; quit without saving to keep the draft.';

function template(values: Record<string, string | boolean | undefined>): string {
  const fm: Record<string, unknown> = {
    to: values.to ?? '',
    priority: values.priority ?? 'normal',
    subject: values.subject ?? '',
  };
  if (values.kind !== undefined) fm.kind = values.kind;
  // `to` and `subject` as a person would type them (the subject line is read verbatim).
  const lines = Object.entries(fm).map(([k, v]) =>
    k === 'subject' || k === 'to' ? `${k}: ${String(v)}` : YAML.stringify({ [k]: v }).trimEnd(),
  );
  return `---\n${HINT}\n${lines.join('\n')}\n---\n\n`;
}

/** Run $EDITOR on the file, attached to this terminal. Returns a problem, or null. */
function edit(file: string): string | null {
  const editor = process.env.EDITOR?.trim() || 'vi';
  const r = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
  if (r.error) return `the editor (${editor}) could not be started: ${r.error.message}`;
  if (r.status !== 0) return `the editor (${editor}) exited with ${r.status ?? r.signal}`;
  return null;
}

/** Keep the draft and say how to go on; `sendable`: it passes the daemon's checks, so `mv` would send it. */
function kept(file: string, why: string, from: string, r: string, sendable = false): never {
  const again = `Edit it again with \`mailroom compose${r} --from ${from} --draft ${file}\``;
  const send = sendable ? `, or send it as it is with \`mv ${file} ${path.dirname(path.dirname(file))}/outbox/\`` : '';
  throw new Problem(`not sent: ${why.replace(/\.$/, '')}.\nThe draft is kept: ${file}\n${again}${send}.`);
}

/** Would the daemon accept `text` from `from`? */
function passes(text: string, from: string, config: OrgConfig): boolean {
  try {
    checkOutgoing(text, from, config);
    return true;
  } catch {
    return false;
  }
}

/** The draft to edit: the --draft given (which must be a file in drafts/), or a new one from the template. */
function startDraft(
  layout: Layout,
  drafts: Dir,
  from: string,
  values: Record<string, string | boolean | undefined>,
): { name: string; before: string } {
  if (typeof values.draft === 'string') {
    const file = path.resolve(values.draft);
    if (path.dirname(file) !== layout.drafts(from))
      throw new Problem(
        `--draft ${values.draft}: a draft is a file in ${layout.rel(layout.drafts(from))}/ (so sending it is one rename into the outbox)`,
      );
    const name = path.basename(file);
    if (!drafts.lstat(name)?.isFile()) throw new Problem(`--draft ${values.draft}: no such file`);
    return { name, before: '' };
  }
  const name = outboxName(values.subject as string | undefined);
  const before = template(values);
  createExclusive(drafts, name, before);
  return { name, before };
}

/** The subject of the edited draft once it passes the checks on outgoing mail; a rejected draft is kept. */
function checkedSubject(text: string, from: string, config: OrgConfig, file: string, r: string): string | undefined {
  try {
    return checkOutgoing(text, from, config).subject;
  } catch (err) {
    if (err instanceof Rejection) kept(file, `${err.message}\n${err.fix}`, from, r);
    throw err;
  }
}

export async function run(argv: string[]): Promise<number> {
  const options = { ...HEADER_OPTIONS, draft: { type: 'string' } } as const;
  const { values } = parse(argv, options, usage);
  if (values.help) return (print(usage), EXIT.ok);
  if (typeof values.from !== 'string')
    throw new UsageError(`--from is required: whose outbox the message goes out of\n\n${usage}`);
  checkPriority(values.priority);
  const layout = findRoot(values.root as string | undefined);
  const config = loadConfig(layout.config);
  const from = values.from;
  const r = rootArg(values.root);
  checkSender(from, config);
  const drafts = openDrafts(layout.workspace(from), layout.drafts(from));
  try {
    const { name, before } = startDraft(layout, drafts, from, values);
    const file = path.join(layout.drafts(from), name);
    const failed = edit(file);
    if (failed) kept(file, failed, from, r);
    const text = readDraft(drafts, name, file, from, r);
    if (text.trim() === '') {
      fs.rmSync(drafts.at(name));
      throw new Problem(`not sent: the draft is empty, so it was deleted (${file})`);
    }
    if (text === before)
      kept(file, 'the draft was not changed (the editor quit without saving?)', from, r, passes(text, from, config));
    print(moveToOutbox(layout, from, drafts.at(name), checkedSubject(text, from, config, file, r)));
  } finally {
    drafts.close();
  }
  return EXIT.ok;
}

/**
 * The agent's drafts/, opened once: a handler can write its workspace, so drafts/ may be a link
 * it planted (to a folder outside the org); compose never writes or reads through one.
 */
function openDrafts(workspace: string, drafts: string): Dir {
  try {
    return Dir.with(workspace, undefined, (ws) => ws.sub(path.basename(drafts)));
  } catch (err) {
    if (err instanceof Refused)
      throw new Problem(
        `${drafts} cannot be used for a draft: ${err.message}. Remove it (\`rm ${drafts}\`; compose makes the folder again)`,
      );
    throw err;
  }
}

/** The draft as the editor left it, read through the open drafts/ (a regular file, never a link). */
function readDraft(drafts: Dir, name: string, file: string, from: string, r: string): string {
  try {
    return readRegular(drafts.at(name), MAX_DRAFT_BYTES).bytes.toString('utf8');
  } catch (err) {
    if (err instanceof Refused) kept(file, `the draft cannot be read: ${err.message}`, from, r);
    throw err;
  }
}
