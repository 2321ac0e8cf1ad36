/**
 * A deterministic agent for tests and the demo: no model, no key. Run as a handler
 * (`command: node <repo>/dist/scripts/mock-agent.js`). It reads the message from stdin and
 * obeys `mock:` lines in the body:
 *
 *   mock: sleep <ms>            take this long
 *   mock: fail                  print to stderr and exit 1 (every attempt)
 *   mock: fail-times <n>        fail the first n attempts, then succeed
 *   mock: tempfail-once <s>     the first attempt prints `retry-after: <s>` and exits 75
 *   mock: hang                  start a grandchild `sleep`, then never exit (for timeouts)
 *   mock: task <agent> <subject...>   send a new task to <agent>
 *   mock: silent                do not reply
 *
 * Without `mock: silent` it answers: a task (kind: task) is marked done (an update to its
 * creator); any other message gets a reply (`reply_to:` the message), except replies,
 * updates and mail from mailroom, so two mock agents never talk in a loop. It prints a usage
 * line on stdout. With MOCK_STAMPS set, it appends `start|stop <agent> <id> <epoch ms>` lines
 * to that file.
 *
 * Flags (in the handler's command line, so they hold for every message):
 *   --spawn <n>        a runaway: answer every task with n new tasks to itself (and mark it done)
 *   --cost <usd>       report this cost_usd per run (default 0.0001)
 *   --context <n>      report context_tokens: n in the usage line
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

const agent = process.env.MAILROOM_AGENT ?? 'unknown';
const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const SPAWN = Number(flag('--spawn') ?? 0);
const COST = Number(flag('--cost') ?? 0.0001);
const CONTEXT = flag('--context');
const stamps = process.env.MOCK_STAMPS;

function stamp(what: string, id: string) {
  if (stamps) fs.appendFileSync(stamps, `${what} ${agent} ${id} ${Date.now()}\n`);
}

function send(name: string, fm: Record<string, unknown>, body: string) {
  fs.mkdirSync('outbox', { recursive: true });
  const tmp = path.join('outbox', `.${name}.tmp`);
  fs.writeFileSync(tmp, `---\n${YAML.stringify(fm)}---\n${body}\n`);
  fs.renameSync(tmp, path.join('outbox', `${name}.md`));
}

/** What the agent sends after its work: a follow-up task if asked, then a reply or the task's done. */
function answer(id: string, fm: Record<string, unknown>, has: (verb: string) => { arg: string } | undefined): void {
  const task = has('task');
  if (task) {
    const [to, ...words] = task.arg.split(/\s+/);
    send(
      `task-${id}`,
      { to, kind: 'task', subject: words.join(' ') || `Follow-up of ${id}` },
      `Created by ${agent} while handling ${id}.`,
    );
  }
  if (SPAWN > 0 && fm.kind === 'task' && fm.task) {
    for (let i = 1; i <= SPAWN; i++)
      send(
        `sub-${id}-${i}`,
        { to: agent, kind: 'task', subject: `Part ${i} of ${fm.task}` },
        `Split off from ${fm.task} by ${agent}.`,
      );
  }
  if (!has('silent') && fm.from !== 'mailroom') {
    if (fm.kind === 'task' && fm.task) {
      send(`done-${id}`, { task: fm.task, status: 'done' }, `${agent} did ${fm.task}.`);
    } else if (fm.reply_to === undefined && fm.task === undefined) {
      send(
        `reply-${id}`,
        { to: fm.from, reply_to: id, subject: `Re: ${fm.subject ?? id}` },
        `${agent} received ${id}.`,
      );
    }
  }
}

async function main(): Promise<number> {
  const text = fs.readFileSync(0, 'utf8');
  const m = /^---\n([\s\S]*?)\n---\n?([\s\S]*)$/.exec(text);
  const fm = (m ? (YAML.parse(m[1]!) as Record<string, unknown>) : {}) ?? {};
  const body = m ? m[2]! : text;
  const id = String(fm.id ?? 'unknown');
  const directives = [...body.matchAll(/^mock:\s*(\S+)\s*(.*)$/gm)].map((d) => ({ verb: d[1]!, arg: d[2]!.trim() }));
  const has = (verb: string) => directives.find((d) => d.verb === verb);
  stamp('start', id);
  try {
    const counter = path.join('.mock-attempts', id);
    fs.mkdirSync('.mock-attempts', { recursive: true });
    const attempt = (fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0) + 1;
    fs.writeFileSync(counter, String(attempt));

    const sleep = has('sleep');
    if (sleep) await new Promise((r) => setTimeout(r, Number(sleep.arg) || 0));
    if (has('hang')) {
      const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
      fs.writeFileSync('hang.pids', `${process.pid} ${child.pid}\n`);
      await new Promise(() => undefined);
    }
    if (has('fail')) {
      process.stderr.write(`mock-agent: failing on purpose (attempt ${attempt})\n`);
      return 1;
    }
    const failTimes = has('fail-times');
    if (failTimes && attempt <= Number(failTimes.arg)) {
      process.stderr.write(`mock-agent: failing attempt ${attempt} of the first ${failTimes.arg}\n`);
      return 1;
    }
    const tempfail = has('tempfail-once');
    if (tempfail && attempt === 1) {
      process.stderr.write(`mock-agent: rate-limited by the provider\nretry-after: ${tempfail.arg || '1'}\n`);
      return 75;
    }
    answer(id, fm, has);
    const context = CONTEXT !== undefined ? { context_tokens: Number(CONTEXT) } : {};
    process.stdout.write(
      JSON.stringify({ usage: { input_tokens: text.length, output_tokens: 42, cost_usd: COST, ...context } }) + '\n',
    );
    return 0;
  } finally {
    stamp('stop', id);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`mock-agent: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
