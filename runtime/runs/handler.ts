/**
 * One handler run: `/bin/sh -c <command>` in its own process group, working directory = the
 * agent's workspace, the message on stdin, an environment reduced to an allow-list. At the
 * timeout the whole group gets SIGTERM, then SIGKILL after the grace period; when the handler
 * exits, whatever it left running in its group is killed too, so nothing leaks.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Usage } from '../../bus/events.js';
import type { HandlerResult } from '../decide/run-end.js';
import { addUsageLine } from '../decide/usage.js';

export interface HandlerSpec {
  /** The program and its arguments: `/bin/sh -c <command>`, or bwrap wrapping that. */
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: string;
  timeoutMs: number;
  killGraceMs: number;
}

const STDERR_TAIL_BYTES = 4096;
const STDERR_TAIL_LINES = 20;

/** The environment a handler sees: an allow-list, never the daemon's own. */
export function handlerEnv(
  base: NodeJS.ProcessEnv,
  workspace: string,
  agent: string,
  message: string,
  grants: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: base.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: workspace,
    TMPDIR: `${workspace}/.tmp`,
    MAILROOM_MESSAGE: message,
    MAILROOM_AGENT: agent,
  };
  for (const k of ['LANG', 'TZ'] as const) if (base[k] !== undefined) env[k] = base[k]!;
  return { ...env, ...grants };
}

function tail(text: string): string {
  const lines = text.slice(-STDERR_TAIL_BYTES).split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-STDERR_TAIL_LINES).join('\n');
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is gone */
  }
}

export interface RunningHandler {
  pid: number | undefined;
  result: Promise<HandlerResult>;
  /** Stop it now (daemon stopping): SIGTERM to the group, SIGKILL after the grace period. */
  terminate(): void;
}

export function startHandler(spec: HandlerSpec): RunningHandler {
  const started = Date.now();
  const child = spawn(spec.argv[0]!, spec.argv.slice(1), {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out = collectOutput(child);
  let timedOut = false;
  let killTimer: NodeJS.Timeout | null = null;
  const terminate = () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child.pid, 'SIGTERM');
    killTimer ??= setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), spec.killGraceMs);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    terminate();
  }, spec.timeoutMs);
  child.stdin.on('error', () => undefined); // a handler that does not read stdin
  child.stdin.end(spec.stdin);
  const result = new Promise<HandlerResult>((resolve) => {
    let exit: { code: number | null; signal: string | null } | null = null;
    let settled = false;
    const settle = (spawnError?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      if (out.stdoutRest) out.usage = addUsageLine(out.usage, out.stdoutRest.trim());
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        durationMs: Date.now() - started,
        timedOut,
        stderrTail: tail(out.stderr),
        usage: out.usage,
        spawnError,
      });
    };
    watchExit(child, settle, (e) => {
      exit = e;
    });
  });
  return { pid: child.pid, result, terminate };
}

interface Output {
  stderr: string;
  /** stdout after its last newline. */
  stdoutRest: string;
  usage: Usage | undefined;
}

/** Keep the tail of stderr and read usage lines off stdout as they come. */
function collectOutput(child: ChildProcessWithoutNullStreams): Output {
  const out: Output = { stderr: '', stdoutRest: '', usage: undefined };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const lines = (out.stdoutRest + d).split('\n');
    out.stdoutRest = lines.pop() ?? '';
    if (out.stdoutRest.length > 65_536) out.stdoutRest = '';
    for (const line of lines) out.usage = addUsageLine(out.usage, line.trim());
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out.stderr = (out.stderr + d).slice(-STDERR_TAIL_BYTES * 2);
  });
  return out;
}

/** Settle once the child has exited and its pipes drained, or at once if it could not be spawned. */
function watchExit(
  child: ChildProcessWithoutNullStreams,
  settle: (spawnError?: string) => void,
  onExit: (exit: { code: number | null; signal: string | null }) => void,
): void {
  child.once('error', (err) => {
    if (child.pid === undefined) settle(err.message);
  });
  child.once('exit', (code, signal) => {
    onExit({ code, signal });
    // Whatever the handler left running in its process group goes with it.
    if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    // Let stdout and stderr drain; do not wait on a pipe held by something outside the group.
    const drain = setTimeout(() => {
      child.stdout.destroy();
      child.stderr.destroy();
      settle();
    }, 1000);
    child.once('close', () => {
      clearTimeout(drain);
      settle();
    });
  });
}
