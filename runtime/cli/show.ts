import fs from 'node:fs';
import { copyName } from '../../bus/store/spool.js';
import type { BusEvent } from '../../bus/events.js';
import { eventsAbout } from '../views/inspect.js';
import { EXIT, Problem, UsageError, findRoot, parse, print, printJson } from './common.js';

export const usage = `mailroom show <id> [--root <dir>] [--json]

A message's full text as it was accepted (from the event log, so it works after every copy was
moved or deleted), with where it went. For a rejected file: the reason and where it is kept.
Old events are found in the archive (bus/archive/) too.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { root: { type: 'string' }, json: { type: 'boolean' } }, usage, true);
  if (values.help) return print(usage), EXIT.ok;
  if (positionals.length !== 1) throw new UsageError(`show takes one message id\n\n${usage}`);
  const id = positionals[0]!;
  const layout = findRoot(values.root as string | undefined);
  const related = await eventsAbout(layout, id);
  if (related.length === 0) throw new Problem(`no message with id ${id} in ${layout.rel(layout.events)}/; ids are 12 characters, as in inbox file names and \`mailroom log\``);
  if (values.json) return printJson({ id, events: related }), EXIT.ok;
  print(describe(related, layout.root));
  return EXIT.ok;
}

function describe(events: BusEvent[], root: string): string {
  const out: string[] = [];
  let text = '';
  for (const e of events) {
    if (e.type === 'message.accepted') {
      out.push(`# ${e.id}: ${e.from} -> ${e.to.join(', ')} [${e.priority}]${e.task ? ` ${e.task}` : ''}`, `accepted ${e.time} (seq ${e.seq}, from ${e.source})`);
      for (const r of e.to) {
        const where = `${root}/workspaces/${r}/inbox/${copyName(e)}`;
        out.push(`  ${r}: workspaces/${r}/inbox/${copyName(e)}${fs.existsSync(where) ? '' : ' (no longer in the inbox: moved to done/ or deleted)'}`);
      }
      text = e.text;
    } else if (e.type === 'message.delivered') {
      out.push(`delivered ${e.time} (seq ${e.seq}) to ${e.to.join(', ')}`);
    } else if (e.type === 'message.rejected') {
      out.push(`# ${e.id}: REJECTED ${e.origin} from ${e.from} at ${e.time}`, `what: ${e.reason}`, `fix: ${e.fix}`, `kept: ${e.kept}`, `bounce: ${e.bounce}`);
    } else if (e.type === 'alert.sent') {
      out.push(`alerted ${e.time}: unread by ${e.agent} (alert ${e.id})`);
    }
  }
  if (text) out.push('', text);
  return out.join('\n');
}
