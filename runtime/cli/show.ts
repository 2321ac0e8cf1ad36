import fs from 'node:fs';
import { escapeBlock, escapeLine } from '../../bus/escape.js';
import { copyName } from '../../bus/store/spool.js';
import type { BusEvent } from '../../bus/events.js';
import { loadEvents } from '../views/inspect.js';
import { EXIT, Problem, UsageError, count, findRoot, rootArg, parse, print, printJson } from './common.js';

export const usage = `mailroom show <id> [--root <dir>] [--json]      (<id>: an id, a prefix of one, or T-n)

A message's full text as it was accepted (from the event log, so it works after every copy was
moved or deleted), with where it went. For a rejected file: the reason and where it is kept.
An id may be shortened to any prefix that only one message has (e.g. the first 4 characters);
T-n shows the message that created task T-n, and lists the updates to it.
Headers are escaped (a control character shows as \\e, \\r, \\x07, ...). The body is the
sender's text: printed byte for byte when stdout is a file or a pipe (\`show <id> > copy.md\`),
with its control characters escaped when stdout is a terminal, so a message cannot drive it.`;

/** The one message id `word` means: a whole id, a unique prefix, or a task id (its creating message). */
function resolveId(word: string, events: BusEvent[], root: string, r: string): string {
  const task = /^T-[1-9]\d*$/i.exec(word) ? word.toUpperCase() : null;
  if (task) {
    const created = events.find((e) => e.type === 'message.accepted' && e.kind === 'task' && e.task === task);
    if (!created || !('id' in created))
      throw new Problem(`no task ${task} in ${root}/bus/events/; \`mailroom board${r}\` lists the tasks`);
    return created.id;
  }
  const ids = new Set<string>();
  for (const e of events) if ('id' in e && typeof e.id === 'string' && e.id.startsWith(word)) ids.add(e.id);
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
  const events = loadEvents(layout);
  const id = resolveId(positionals[0]!, events, layout.rel(layout.events), rootArg(values.root));
  const related = events.filter((e) => ('id' in e && e.id === id) || (e.type === 'alert.sent' && e.message === id));
  if (related.length === 0)
    throw new Problem(
      `no message with id ${id} in ${layout.rel(layout.events)}/; ids are 12 characters (or a prefix of one), as in inbox file names and \`mailroom log${rootArg(values.root)}\`; or a task, T-n`,
    );
  if (values.json) return (printJson({ id, events: related }), EXIT.ok);
  const { headers, body } = describe(related, layout.root);
  print(headers.map(escapeLine).join('\n'));
  if (body)
    process.stdout.write(`\n${process.stdout.isTTY ? escapeBlock(body) : body}${body.endsWith('\n') ? '' : '\n'}`);
  const more = updates(events, related);
  if (more) print(more.split('\n').map(escapeLine).join('\n'));
  return EXIT.ok;
}

/** For a task's creating message: the updates sent about the task since. */
function updates(events: BusEvent[], related: BusEvent[]): string {
  const created = related.find((e) => e.type === 'message.accepted' && e.kind === 'task');
  if (created?.type !== 'message.accepted' || !created.task) return '';
  const list = events.filter((e) => e.type === 'message.accepted' && e.task === created.task && e.kind !== 'task');
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
