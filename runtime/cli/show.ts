import fs from 'node:fs';
import { escapeBlock, escapeLine } from '../../bus/escape.js';
import { copyName } from '../../bus/store/spool.js';
import type { BusEvent, MessageAccepted } from '../../bus/events.js';
import { readEvents } from '../../bus/store/log-read.js';
import { isId } from '../../bus/names.js';
import type { Layout } from '../../workspaces/layout.js';
import { eventsAbout } from '../views/inspect.js';
import { EXIT, Problem, UsageError, count, findRoot, rootArg, parse, print, printJson } from './common.js';

export const usage = `mailroom show <id> [--root <dir>] [--json]      (<id>: an id, a prefix of one, or T-n)

A message's full text as it was accepted (from the event log, so it works after every copy was
moved or deleted), with where it went. For a rejected file: the reason and where it is kept.
An id may be shortened to any prefix that only one message has (e.g. the first 4 characters);
T-n shows the message that created task T-n, and lists the updates to it.
Headers are escaped (a control character shows as \\e, \\r, \\x07, ...). The body is the
sender's text: printed byte for byte when stdout is a file or a pipe (\`show <id> > copy.md\`),
with its control characters escaped when stdout is a terminal, so a message cannot drive it.`;

/** The messages about task `task` (its creation and its updates), streamed from the log (the archive too). */
async function taskMessages(layout: Layout, task: string): Promise<MessageAccepted[]> {
  const out: MessageAccepted[] = [];
  await readEvents(layout.events, {
    contains: `"task":"${task}"`,
    onEvent: (e) => void (e.type === 'message.accepted' && e.task === task && out.push(e)),
  });
  return out;
}

/**
 * The one message id `word` means: a whole id, a unique prefix, or a task id (its creating
 * message). The log is streamed (archived segments too) and only lines holding `word` are parsed.
 */
async function resolveId(word: string, layout: Layout, r: string): Promise<string> {
  const root = layout.rel(layout.events);
  const task = /^T-[1-9]\d*$/i.exec(word) ? word.toUpperCase() : null;
  if (task) {
    const created = (await taskMessages(layout, task)).find((e) => e.kind === 'task');
    if (!created) throw new Problem(`no task ${task} in ${root}/; \`mailroom board${r}\` lists the tasks`);
    return created.id;
  }
  if (isId(word)) return word; // a whole id is no other id's prefix
  const ids = new Set<string>();
  await readEvents(layout.events, {
    contains: `"${word}`,
    onEvent: (e) => void ('id' in e && typeof e.id === 'string' && e.id.startsWith(word) && ids.add(e.id)),
  });
  if (ids.size > 1) {
    const some = [...ids].slice(0, 10);
    throw new Problem(
      `${count(ids.size, 'message')} have ids starting with ${word}: ${some.join(', ')}${ids.size > some.length ? ', ...' : ''}; give more characters`,
    );
  }
  return [...ids][0] ?? word;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { root: { type: 'string' }, json: { type: 'boolean' } }, usage, true);
  if (values.help) return (print(usage), EXIT.ok);
  if (positionals.length !== 1) throw new UsageError(`show takes one message id\n\n${usage}`);
  const layout = findRoot(values.root as string | undefined);
  const r = rootArg(values.root);
  const id = await resolveId(positionals[0]!, layout, r);
  const related = await eventsAbout(layout, id);
  if (related.length === 0)
    throw new Problem(
      `no message with id ${id} in ${layout.rel(layout.events)}/; ids are 12 characters (or a prefix of one), as in inbox file names and \`mailroom log${r}\`; or a task, T-n`,
    );
  if (values.json) return (printJson({ id, events: related }), EXIT.ok);
  const { headers, body } = describe(related, layout.root);
  print(headers.map(escapeLine).join('\n'));
  if (body)
    process.stdout.write(`\n${process.stdout.isTTY ? escapeBlock(body) : body}${body.endsWith('\n') ? '' : '\n'}`);
  const more = await updates(layout, related);
  if (more) print(more.split('\n').map(escapeLine).join('\n'));
  return EXIT.ok;
}

/** For a task's creating message: the updates sent about the task since. */
async function updates(layout: Layout, related: BusEvent[]): Promise<string> {
  const created = related.find((e) => e.type === 'message.accepted' && e.kind === 'task');
  if (created?.type !== 'message.accepted' || !created.task) return '';
  const list = (await taskMessages(layout, created.task)).filter((e) => e.kind !== 'task');
  if (list.length === 0) return `\n\n${created.task}: no updates yet`;
  return `\n\n${created.task} updates:\n${list.map((e) => (e.type === 'message.accepted' ? `  ${e.time} ${e.id} ${e.from}: ${e.status ?? 'note'}` : '')).join('\n')}`;
}

function describe(events: BusEvent[], root: string): { headers: string[]; body: string } {
  const out: string[] = [];
  let text = '';
  for (const e of events) {
    if (e.type === 'message.accepted') {
      out.push(
        `# ${e.id}: ${e.from} -> ${e.to.join(', ')} [${e.priority}]${e.task ? ` ${e.task}` : ''}`,
        `accepted ${e.time} (seq ${e.seq}, from ${e.source})`,
      );
      for (const r of e.to) {
        const where = `${root}/workspaces/${r}/inbox/${copyName(e)}`;
        out.push(
          `  ${r}: workspaces/${r}/inbox/${copyName(e)}${fs.existsSync(where) ? '' : ' (no longer in the inbox: moved to done/ or deleted)'}`,
        );
      }
      text = e.text;
    } else if (e.type === 'message.delivered') {
      out.push(`delivered ${e.time} (seq ${e.seq}) to ${e.to.join(', ')}`);
    } else if (e.type === 'message.rejected') {
      out.push(
        `# ${e.id}: REJECTED ${e.origin} from ${e.from} at ${e.time}`,
        `what: ${e.reason}`,
        `fix: ${e.fix}`,
        `kept: ${e.kept}`,
        `bounce: ${e.bounce}`,
      );
    } else if (e.type === 'alert.sent') {
      out.push(`alerted ${e.time}: unread by ${e.agent} (alert ${e.id})`);
    }
  }
  return { headers: out, body: text };
}
