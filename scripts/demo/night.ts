/** Governance: a night left alone, in a minute: a runaway, a task loop and an unapproved payment, all stopped and reported. */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, SHOWN_ROOT, cli, eventsOf, say, until } from './support.js';

function drop(agent: string, name: string, text: string): void {
  const tmp = path.join(ROOT, `workspaces/${agent}/outbox/.${name}`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, path.join(ROOT, `workspaces/${agent}/outbox/${name}`));
}

export async function nightInAMinute(): Promise<void> {
  if (!fs.readFileSync(path.join(ROOT, 'mailroom.yaml'), 'utf8').includes('runaway:')) {
    say(`(night in a minute skipped: this demo org predates it; remove ${SHOWN_ROOT}/ to see it)`);
    return;
  }
  say('night in a minute: runaway answers every task with two sub-tasks, and dollar sends a payment');
  const pausedBefore = eventsOf('agent.paused').length;
  drop('operator', 'night.md', '---\nto: runaway\nkind: task\nsubject: Write one email\n---\nJust one.\n');
  drop(
    'dollar',
    'pay.md',
    '---\nto: legal\nkind: payment\namount: 9000\ncurrency: USD\nsubject: Pay the vendor\n---\nWire it tonight.\n',
  );
  const held = await until('the payment to be held', () => eventsOf('approval.requested').at(-1));
  drop('cfo', 'ok.md', `---\nkind: approval\napproves: ${String(held.id)}\ndecision: approve\n---\n`);
  await until('runaway to be paused', () => eventsOf('agent.paused').length > pausedBefore, 30_000);
  await until("cfo's decision to be refused", () => eventsOf('approval.refused').some((e) => e.id === held.id));
  say('stopped: the runaway is paused (its outbox untouched, one alert), the payment is held (cfo is over its limit)');
  process.stdout.write(
    `${cli(['status'])
      .split('\n')
      .filter((l) => /^PAUSED|^held for approval/.test(l))
      .join('\n')}\n`,
  );
  process.stdout.write(cli(['audit', '--kind', 'payment']));
  say('the operator resumes runaway: its sub-tasks stop at max_task_depth (bounces name the chain)');
  cli(['resume', 'runaway']);
  await until(
    'sub-tasks refused at depth 4',
    () => eventsOf('message.rejected').some((e) => /max_task_depth/.test(String(e.reason))),
    30_000,
  );
  const refused = eventsOf('message.rejected').filter((e) => /max_task_depth/.test(String(e.reason)));
  process.stdout.write(`${refused.length} sub-task(s) refused, e.g.: ${String(refused[0]?.reason).slice(0, 110)}...\n`);
  say('the operator rejects the payment: dollar gets a bounce with the reason');
  process.stdout.write(cli(['reject', String(held.id), '--reason', 'no payments without a purchase order']));
}
