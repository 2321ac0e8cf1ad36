/** The demo's scenes, in the order a newcomer watches them. Each waits for what it shows. */
import fs from 'node:fs';
import path from 'node:path';
import { HANDLERS, MODEL, ROOT, SHOWN_ROOT, cli, eventsOf, pause, say, until } from './support.js';

/** Waits for n more deliveries than the last call saw. */
export function deliveries(): (n: number) => Promise<void> {
  const delivered = () => eventsOf('message.delivered').length;
  let seen = delivered();
  return async (n: number) => {
    await until(`${n} deliveries`, () => delivered() >= seen + n);
    seen = delivered();
    await pause(400);
  };
}

function drop(agent: string, name: string, text: string): void {
  const dir = path.join(ROOT, `workspaces/${agent}/outbox`);
  fs.writeFileSync(path.join(dir, `.${name}`), text);
  fs.renameSync(path.join(dir, `.${name}`), path.join(dir, name));
}

const ls = (agent: string) =>
  `$ ls ${SHOWN_ROOT}/workspaces/${agent}/inbox\n${fs.readdirSync(path.join(ROOT, `workspaces/${agent}/inbox`)).join('\n')}\n`;

const boardLines = (task: string, column: string) =>
  `${cli(['board'])
    .split('\n')
    .filter((l) => l.includes(task) || l.startsWith(`## ${column}`))
    .join('\n')}\n`;

export async function mailAndBounce(settle: (n: number) => Promise<void>): Promise<void> {
  say('maya writes to legal: a file dropped into her outbox');
  drop(
    'maya',
    'hello.md',
    '---\nto: legal\nsubject: Partner contract\n---\nCan you look at the partner contract this week?\n',
  );
  await settle(1);
  process.stdout.write(ls('legal'));
  say('someone writes priority "urgent", which is not a priority: it is dead-lettered and bounced');
  drop('cfo', 'budget.md', '---\nto: legal\npriority: urgent\nsubject: Budget sign-off\n---\nSign this today.\n');
  await settle(1);
  process.stdout.write(ls('cfo'));
}

export async function taskAcrossTheBoard(settle: (n: number) => Promise<void>): Promise<void> {
  say('maya creates a task for legal with `mailroom send --kind task`');
  const send = ['send', '--from', 'maya', '--to', 'legal', '--priority', 'high', '--kind', 'task'];
  cli([...send, '--subject', 'Review the operator agreement'], 'Sections 4-7, liability.\n');
  await settle(1);
  const task = String(
    eventsOf('message.accepted')
      .filter((e) => e.kind === 'task')
      .at(-1)?.task,
  );
  process.stdout.write(boardLines(task, 'open'));
  say(`legal starts ${task}: an update is a message too, delivered to maya, and the board follows`);
  cli(['send', '--from', 'legal', '--task', task, '--status', 'in_progress'], 'On it.\n');
  await settle(1);
  say(`oliver tries to take ${task} too: refused, and told that legal owns it`);
  cli(['send', '--from', 'oliver', '--task', task, '--status', 'in_progress']);
  await settle(1);
  say(`legal marks ${task} done`);
  cli(['send', '--from', 'legal', '--task', task, '--status', 'done'], 'Reviewed: two liability issues, see notes.\n');
  await settle(1);
  process.stdout.write(boardLines(task, 'done'));
}

export async function elevenAgentsOneKey(): Promise<void> {
  say('the 11-agents-one-key test: 11 messages at once, one lane of 2; watch the queue drain');
  for (const agent of HANDLERS) {
    const body = 'Real work, in the demo a 1 s nap.\nmock: sleep 1000\n';
    drop('operator', `${agent}.md`, `---\nto: ${agent}\nsubject: Night shift for ${agent}\n---\n${body}`);
  }
  const succeeded = () => eventsOf('handler.succeeded').length;
  const before = succeeded();
  for (let i = 0; i < 2; i++) {
    await pause(1200);
    const lanes = cli(['status']).split('\n');
    const from = lanes.findIndex((l) => l.startsWith('lane '));
    process.stdout.write(`$ mailroom status   (lanes and the queue)\n${lanes.slice(from, from + 8).join('\n')}\n`);
  }
  await until('11 handler runs', () => succeeded() >= before + HANDLERS.length, 30_000);
  say('all 11 handled, never more than 2 at once; what it cost (mock usage):');
  process.stdout.write(
    `${cli(['board'])
      .split('\n')
      .find((l) => l.startsWith('Cost:'))}\n`,
  );
}

/** With a model key in the environment: legal asks the real model agent, writer, something. */
export async function realModel(): Promise<void> {
  if (!MODEL) return;
  say(`writer is a real model (${MODEL.secret} is set): legal asks it something`);
  const ask = 'Write a three-line haiku about a mailroom that never loses a letter.\n';
  cli(['send', '--from', 'legal', '--to', 'writer', '--subject', 'A haiku'], ask);
  const ended = () =>
    eventsOf('handler.succeeded').some((e) => e.agent === 'writer') ||
    eventsOf('handler.failed').some((e) => e.agent === 'writer' && e.final);
  await until('writer to answer', ended, 180_000);
  const inbox = path.join(ROOT, 'workspaces/legal/inbox');
  const reply = fs
    .readdirSync(inbox)
    .map((n) => fs.readFileSync(path.join(inbox, n), 'utf8'))
    .find((t) => /^from: (writer|mailroom)$/m.test(t) && t.includes('A haiku'));
  const cost = cli(['board'])
    .split('\n')
    .find((l) => l.startsWith('Cost:'));
  process.stdout.write(`${reply ?? '(no reply: see `mailroom why` and the daemon log)'}\n${cost}\n`);
}
