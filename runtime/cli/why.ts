import fs from 'node:fs';
import path from 'node:path';
import { escapeLine } from '../../bus/escape.js';
import type { MessageAccepted } from '../../bus/events.js';
import { loadConfig } from '../config/config.js';
import { eventsAbout, loadState, recall } from '../views/inspect.js';
import { runningDaemon } from '../daemon/lock.js';
import { why } from '../views/why.js';
import { EXIT, Problem, UsageError, findRoot, parse, rootArg, print, printJson } from './common.js';

export const usage = `mailroom why <id> [--root <dir>] [--json]      (<id>: a whole message id)

Where a message is and why it has not been handled yet, one paragraph per recipient: waiting
for lane X behind N runs, the lane cooling down until T, the agent busy with message M,
attempt 2 of 3 failed with ..., no handler (an external agent), or handled.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { root: { type: 'string' }, json: { type: 'boolean' } }, usage, true);
  if (values.help) return (print(usage), EXIT.ok);
  if (positionals.length !== 1) throw new UsageError(`why takes one message id\n\n${usage}`);
  const id = positionals[0]!;
  const layout = findRoot(values.root as string | undefined);
  const config = loadConfig(layout.config);
  const events = await eventsAbout(layout, id);
  const state = recall(await loadState(layout, config.threadTtl), events);
  const accepted = events.find((e): e is MessageAccepted => e.type === 'message.accepted' && e.id === id);
  const answer = why(
    id,
    accepted,
    state,
    config,
    Date.now(),
    (agent, file) => fs.existsSync(path.join(layout.inbox(agent), file)),
    runningDaemon(layout) !== null,
  );
  if (answer.length === 0)
    throw new Problem(
      /^T-\d+$/.test(id)
        ? `why takes a message id, not a task: \`mailroom show ${id}${rootArg(values.root)}\` lists the task's messages and their ids`
        : `no message with id ${id} in bus/events/; why takes a whole id (12 characters, as in inbox file names and \`mailroom log${rootArg(values.root)}\`); \`mailroom show <prefix>\` finds one from its first characters`,
    );
  if (values.json) printJson({ id, why: answer });
  else print(answer.map(escapeLine).join('\n\n'));
  return EXIT.ok;
}
