/**
 * `npm start`: a demo org in ./demo-org (created if missing), the daemon in the foreground,
 * and a scripted scenario a newcomer can watch: messages, a bounce, a task moving across the
 * board. Ctrl-C stops the daemon cleanly.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { INSTALL_FIX, bwrapAvailable } from '../workspaces/jail.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '..', 'runtime', 'cli', 'main.js');
const ROOT = path.resolve(process.env.MAILROOM_DEMO_ROOT ?? 'demo-org');
const MOCK = path.resolve(here, 'mock-agent.js');
/** The eleven agents of the field report, all sharing one API key (one lane), and two people-run agents. */
const HANDLERS = [
  'maya',
  'oliver',
  'echo',
  'dollar',
  'boost',
  'scout',
  'bridge',
  'radar',
  'clipper',
  'builder',
  'pulse',
];
const EXTERNAL = ['legal', 'cfo'];

/**
 * How the mock agents run: jailed, with mailroom's own files granted read-only (the jail shows
 * nothing else of the host: mock-agent.js and the node_modules it imports must be granted), or,
 * where bubblewrap does not work, with an explicit `sandbox: none` (the demo's mock agents are
 * trusted; yours are not: install bubblewrap).
 */
function jailSetting(jailed: boolean): string {
  if (!jailed) return 'sandbox: none';
  const pkg = path.resolve(here, '..', '..');
  const yaml = createRequire(import.meta.url).resolve('yaml');
  const modules = yaml.slice(0, yaml.lastIndexOf(`${path.sep}node_modules${path.sep}`) + '/node_modules'.length);
  const grants = [...new Set([pkg, fs.realpathSync(pkg), fs.realpathSync(modules)])];
  return `read_only_paths: [${grants.map((g) => JSON.stringify(g)).join(', ')}]`;
}

const DEMO_HEADER = '# The demo org: 11 mock agents share one API key';

function demoConfig(jailed: boolean): string {
  const lines = [
    `${DEMO_HEADER} (lane deepseek: 2 at once, 30 starts a minute);`,
    '# legal and cfo are external: you play them with `mailroom send --from legal ...`.',
    'agents:',
    ...EXTERNAL.map(
      (a) =>
        `  ${a}: { description: "external, read by a person"${a === 'cfo' ? ', may_approve: { payment: { max_amount: 5000 } }' : ''} }`,
    ),
    `  runaway: { command: ${JSON.stringify(`node ${MOCK} --spawn 2`)}, description: "answers every task with two sub-tasks", ${jailSetting(jailed)} }`,
    ...HANDLERS.map(
      (a) =>
        `  ${a}: { command: ${JSON.stringify(`node ${MOCK}`)}, lane: deepseek, timeout: 1m, ${jailSetting(jailed)} }`,
    ),
    'groups:',
    `  everyone: [${HANDLERS.join(', ')}]`,
    'lanes:',
    '  deepseek: { concurrency: 2, per_minute: 30 }',
    'stuck_after: { critical: 5m, high: 30m, normal: 4h, low: 1d }',
    '# Governance: payments wait for approval; a runaway is stopped by depth and rate.',
    'approval_required: [payment]',
    'max_task_depth: 3',
    'tasks_per_hour: 6',
    '',
  ];
  return lines.join('\n');
}

/** With DEEPSEEK_API_KEY or ANTHROPIC_API_KEY set, one more agent, writer, is a real model (the key stored as a secret). */
const MODEL = process.env.DEEPSEEK_API_KEY
  ? {
      secret: 'DEEPSEEK_API_KEY',
      config:
        '{ provider: openai, model: deepseek-chat, base_url: "https://api.deepseek.com/v1", secret: DEEPSEEK_API_KEY, max_tokens: 300, price: { input_per_mtok: 0.27, output_per_mtok: 1.10 } }',
    }
  : process.env.ANTHROPIC_API_KEY
    ? {
        secret: 'ANTHROPIC_API_KEY',
        config: `{ provider: anthropic, model: ${process.env.MAILROOM_DEMO_MODEL ?? 'claude-haiku-4-5'}, secret: ANTHROPIC_API_KEY, max_tokens: 300, price: { input_per_mtok: 1, output_per_mtok: 5 } }`,
      }
    : null;

function cli(args: string[], input = ''): string {
  const r = spawnSync(process.execPath, [CLI, ...args, '--root', ROOT], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mailroom ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function say(text: string) {
  process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);
}

function eventsOf(type: string): Array<Record<string, unknown>> {
  const dir = path.join(ROOT, 'bus', 'events');
  const out: Array<Record<string, unknown>> = [];
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const e = JSON.parse(line) as Record<string, unknown>;
        if (e.type === type) out.push(e);
      } catch {
        /* a torn tail while the daemon writes */
      }
    }
  }
  return out;
}

async function until<T>(what: string, cond: () => T | undefined | null | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const jail = bwrapAvailable();
  if (!jail.ok) {
    say(`no handler jail here: ${jail.why}`);
    process.stdout.write(
      `mailroom never runs a handler unjailed unless its agent says \`sandbox: none\`. Install the jail with\n\n    sudo ${INSTALL_FIX}\n\n` +
        'This demo runs its own mock agents (no model, no network) with an explicit `sandbox: none`.\n',
    );
  }
  const configFile = path.join(ROOT, 'mailroom.yaml');
  if (!fs.existsSync(configFile)) {
    spawnSync(process.execPath, [CLI, 'init', ROOT, '--agents', [...EXTERNAL, ...HANDLERS, 'runaway'].join(',')], {
      stdio: 'inherit',
    });
    fs.writeFileSync(configFile, demoConfig(jail.ok));
  } else if (
    fs.readFileSync(configFile, 'utf8').startsWith(DEMO_HEADER) &&
    fs.readFileSync(configFile, 'utf8') !== demoConfig(jail.ok)
  ) {
    fs.writeFileSync(configFile, demoConfig(jail.ok)); // the demo's own config, brought up to date (jail or not)
  }
  if (MODEL) {
    cli(['secret', 'set', MODEL.secret], process.env[MODEL.secret]!);
    cli(['config', 'set', 'agents.writer', `{ model: ${MODEL.config}, timeout: 2m, max_attempts: 2 }`]);
  }
  say(`starting the daemon on ${path.relative(process.cwd(), ROOT) || ROOT} (its log is the lines without ==)`);
  const daemon = spawn(process.execPath, [CLI, 'start', '--root', ROOT], { stdio: ['ignore', 'inherit', 'inherit'] });
  let exited = false;
  const exit = new Promise<number>((resolve) => daemon.once('exit', (code) => ((exited = true), resolve(code ?? 0))));
  const stop = () => {
    if (!exited) daemon.kill('SIGTERM');
  };
  // Ctrl-C, `kill`, or the terminal closing (SIGHUP): the daemon stops cleanly (it stops the mock
  // agents it runs and releases the lock), then the demo exits with it, wherever the scenario was.
  // A daemon that has not stopped after 15 s is killed.
  const onSignal = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping the daemon`);
    stop();
    setTimeout(() => daemon.kill('SIGKILL'), 15_000).unref();
    void exit.then((code) => process.exit(code));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => onSignal(signal));
  await until('the daemon to start', () => exited || fs.existsSync(path.join(ROOT, '.mailroom', 'daemon.pid')));
  if (exited) process.exit(await exit);

  try {
    const delivered = () => eventsOf('message.delivered').length;
    let seen = delivered();
    const settle = async (n: number) => {
      await until(`${n} deliveries`, () => delivered() >= seen + n);
      seen = delivered();
      await pause(400);
    };

    say('maya writes to legal: a file dropped into her outbox');
    fs.writeFileSync(
      path.join(ROOT, 'workspaces/maya/outbox/.hello.md'),
      '---\nto: legal\nsubject: Partner contract\n---\nCan you look at the partner contract this week?\n',
    );
    fs.renameSync(
      path.join(ROOT, 'workspaces/maya/outbox/.hello.md'),
      path.join(ROOT, 'workspaces/maya/outbox/hello.md'),
    );
    await settle(1);
    process.stdout.write(
      `$ ls demo-org/workspaces/legal/inbox\n${fs.readdirSync(path.join(ROOT, 'workspaces/legal/inbox')).join('\n')}\n`,
    );

    say('someone writes priority "urgent", which is not a priority: it is dead-lettered and bounced');
    fs.writeFileSync(
      path.join(ROOT, 'workspaces/cfo/outbox/.budget.md'),
      '---\nto: legal\npriority: urgent\nsubject: Budget sign-off\n---\nSign this today.\n',
    );
    fs.renameSync(
      path.join(ROOT, 'workspaces/cfo/outbox/.budget.md'),
      path.join(ROOT, 'workspaces/cfo/outbox/budget.md'),
    );
    await settle(1);
    process.stdout.write(
      `$ ls demo-org/workspaces/cfo/inbox\n${fs.readdirSync(path.join(ROOT, 'workspaces/cfo/inbox')).join('\n')}\n`,
    );

    say('maya creates a task for legal with `mailroom send --kind task`');
    cli(
      [
        'send',
        '--from',
        'maya',
        '--to',
        'legal',
        '--priority',
        'high',
        '--kind',
        'task',
        '--subject',
        'Review the operator agreement',
      ],
      'Sections 4-7, liability.\n',
    );
    await settle(1);
    const task = String(
      eventsOf('message.accepted')
        .filter((e) => e.kind === 'task')
        .at(-1)?.task,
    );
    process.stdout.write(
      cli(['board'])
        .split('\n')
        .filter((l) => l.includes(task) || l.startsWith('## open'))
        .join('\n') + '\n',
    );

    say(`legal starts ${task}: an update is a message too, delivered to maya, and the board follows`);
    cli(['send', '--from', 'legal', '--task', task, '--status', 'in_progress'], 'On it.\n');
    await settle(1);

    say(`oliver tries to take ${task} too: refused, and told that legal owns it`);
    cli(['send', '--from', 'oliver', '--task', task, '--status', 'in_progress']);
    await settle(1);
    say(`legal marks ${task} done`);
    cli(
      ['send', '--from', 'legal', '--task', task, '--status', 'done'],
      'Reviewed: two liability issues, see notes.\n',
    );
    await settle(1);
    process.stdout.write(
      cli(['board'])
        .split('\n')
        .filter((l) => l.includes(task) || l.startsWith('## done'))
        .join('\n') + '\n',
    );

    say('the 11-agents-one-key test: 11 messages at once, one lane of 2; watch the queue drain');
    for (const agent of HANDLERS) {
      const tmp = path.join(ROOT, `workspaces/operator/outbox/.${agent}.md`);
      fs.writeFileSync(
        tmp,
        `---\nto: ${agent}\nsubject: Night shift for ${agent}\n---\nReal work, in the demo a 1 s nap.\nmock: sleep 1000\n`,
      );
      fs.renameSync(tmp, path.join(ROOT, `workspaces/operator/outbox/${agent}.md`));
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
      cli(['board'])
        .split('\n')
        .find((l) => l.startsWith('Cost:')) + '\n',
    );

    await nightInAMinute();
    if (MODEL) {
      say(`writer is a real model (${MODEL.secret} is set): legal asks it something`);
      cli(
        ['send', '--from', 'legal', '--to', 'writer', '--subject', 'A haiku'],
        'Write a three-line haiku about a mailroom that never loses a letter.\n',
      );
      await until(
        'writer to answer',
        () =>
          eventsOf('handler.succeeded').some((e) => e.agent === 'writer') ||
          eventsOf('handler.failed').some((e) => e.agent === 'writer' && e.final),
        180_000,
      );
      const inbox = path.join(ROOT, 'workspaces/legal/inbox');
      const reply = fs
        .readdirSync(inbox)
        .map((n) => fs.readFileSync(path.join(inbox, n), 'utf8'))
        .find((t) => /^from: (writer|mailroom)$/m.test(t) && t.includes('A haiku'));
      process.stdout.write(
        `${reply ?? '(no reply: see `mailroom why` and the daemon log)'}\n${cli(['board'])
          .split('\n')
          .find((l) => l.startsWith('Cost:'))}\n`,
      );
    }

    say('mailroom status');
    process.stdout.write(cli(['status']));
    say('the daemon keeps running: drop files into demo-org/workspaces/*/outbox/, or press Ctrl-C to stop');
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    stop();
  }
  process.exitCode = await exit;
}

/** Governance: a night left alone, in a minute: a runaway, a task loop and an unapproved payment, all stopped and reported. */
async function nightInAMinute(): Promise<void> {
  if (!fs.readFileSync(path.join(ROOT, 'mailroom.yaml'), 'utf8').includes('runaway:')) {
    say('(night in a minute skipped: this demo-org predates it; remove demo-org/ to see it)');
    return;
  }
  const drop = (agent: string, name: string, text: string) => {
    const tmp = path.join(ROOT, `workspaces/${agent}/outbox/.${name}`);
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, path.join(ROOT, `workspaces/${agent}/outbox/${name}`));
  };
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
    cli(['status'])
      .split('\n')
      .filter((l) => /^PAUSED|^held for approval/.test(l))
      .join('\n') + '\n',
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

void main();
