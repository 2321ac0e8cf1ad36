/**
 * `npm start`: a demo org in ./demo-org (created if missing), the daemon in the foreground,
 * and a scripted scenario a newcomer can watch: messages, a bounce, a task moving across the
 * board. Ctrl-C stops the daemon cleanly.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { INSTALL_FIX, bwrapAvailable } from '../workspaces/jail.js';
import { withMalloc } from '../runtime/service/malloc.js';
import { nightInAMinute } from './demo/night.js';
import { deliveries, elevenAgentsOneKey, mailAndBounce, realModel, taskAcrossTheBoard } from './demo/scenes.js';
import {
  CLI,
  DEMO_HEADER,
  EXTERNAL,
  HANDLERS,
  MODEL,
  ROOT,
  SHOWN_ROOT,
  cli,
  demoConfig,
  say,
  until,
} from './demo/support.js';

/** The demo org made (or its own config brought up to date), with the model agent when a key is set. */
function prepare(jailed: boolean): void {
  if (!jailed) {
    process.stdout.write(
      `mailroom never runs a handler unjailed unless its agent says \`sandbox: none\`. Install the jail with\n\n    sudo ${INSTALL_FIX}\n\n` +
        'This demo runs its own mock agents (no model, no network) with an explicit `sandbox: none`.\n',
    );
  }
  const configFile = path.join(ROOT, 'mailroom.yaml');
  if (!fs.existsSync(configFile)) {
    const agents = [...EXTERNAL, ...HANDLERS, 'runaway'].join(',');
    spawnSync(process.execPath, [CLI, 'init', ROOT, '--agents', agents], { stdio: 'inherit' });
    fs.writeFileSync(configFile, demoConfig(jailed));
  } else {
    const text = fs.readFileSync(configFile, 'utf8');
    // the demo's own config, brought up to date (jail or not)
    if (text.startsWith(DEMO_HEADER) && text !== demoConfig(jailed)) fs.writeFileSync(configFile, demoConfig(jailed));
  }
  if (MODEL) {
    cli(['secret', 'set', MODEL.secret], process.env[MODEL.secret]!);
    cli(['config', 'set', 'agents.writer', `{ model: ${MODEL.config}, timeout: 2m, max_attempts: 2 }`]);
  }
}

async function main() {
  const jail = bwrapAvailable();
  if (!jail.ok) say(`no handler jail here: ${jail.why}`);
  prepare(jail.ok);
  say(`starting the daemon on ${SHOWN_ROOT} (its log is the lines without ==)`);
  const daemon = spawn(process.execPath, [CLI, 'start', '--root', ROOT], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: withMalloc(process.env), // as the `mailroom` command runs it (runtime/service/malloc.ts)
  });
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
    const settle = deliveries();
    await mailAndBounce(settle);
    await taskAcrossTheBoard(settle);
    await elevenAgentsOneKey();
    await nightInAMinute();
    await realModel();
    say('mailroom status');
    process.stdout.write(cli(['status']));
    say(`the daemon keeps running: drop files into ${SHOWN_ROOT}/workspaces/*/outbox/, or press Ctrl-C to stop`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    stop();
  }
  process.exitCode = await exit;
}

void main();
