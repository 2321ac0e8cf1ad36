import { Daemon } from '../daemon/daemon.js';
import { LOG_FORMATS, Logger, type LogFormat } from '../logger.js';
import { ConfigError } from '../config/config.js';
import { AlreadyRunning } from '../daemon/lock.js';
import { mallocNote } from '../service/malloc.js';
import { EXIT, Problem, UsageError, count, findRoot, parse, print } from './common.js';

export const usage = `mailroom start [--root <dir>] [--log-format human|json]

Run the daemon in the foreground: check config and queued files, recover what a crash left,
then watch every outbox and inbox and deliver. One line per event on stderr.
SIGINT, SIGTERM or SIGHUP stops it cleanly (exit 0). Refuses (exit 1) on a bad config or when another
daemon runs on the same org, naming its pid. A start that fails after taking the lock stops
everything it started and exits 1; an unexpected error while running is logged and exits 1, so
that the service manager restarts the daemon (the next start recovers what was under way).
On glibc, the \`mailroom\` command (bin/mailroom) and the unit of \`mailroom service install\` run
it with MALLOC_MMAP_THRESHOLD_=131072, which keeps glibc's heap from creeping; started with node
directly, it says so at start-up.`;

/** The glibc this process runs on, or undefined (musl, macOS). */
function glibcVersion(): string | undefined {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime;
}

/** How long a failed start may take to wind down before the process exits anyway. */
const EXIT_GRACE_MS = 2000;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { root: { type: 'string' }, 'log-format': { type: 'string' } }, usage);
  if (values.help) return (print(usage), EXIT.ok);
  const format = (values['log-format'] ?? 'human') as string;
  if (!(LOG_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--log-format: allowed values: ${LOG_FORMATS.join(', ')}; got ${format}`);
  const layout = findRoot(values.root as string | undefined);
  process.umask(0o077);
  const logger = new Logger(format as LogFormat);
  const daemon = new Daemon({ root: layout.root, logger });
  // Nothing may outlive an error it did not expect in a half-known state: log it, exit 1, let systemd restart.
  const fatal = (what: string) => (err: unknown) => {
    logger.warn(
      `${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}; exiting (1) so that the service manager restarts mailroom`,
    );
    process.exit(EXIT.problem);
  };
  process.on('uncaughtException', fatal('unexpected error'));
  process.on('unhandledRejection', fatal('unhandled promise rejection'));
  // Signals are taken from the first moment (the pid file exists early in start-up): one that
  // arrives while the daemon starts stops it as soon as it has started, cleanly, never mid-way.
  // SIGHUP (the terminal closed) stops it too: never die with handlers left behind.
  let started = false;
  let pending: string | null = null;
  const stop = (signal: string) => (started ? void daemon.stop(`received ${signal}`) : (pending ??= signal));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => stop(signal));
  try {
    await daemon.start();
  } catch (err) {
    // Whatever a failed start left behind (a watcher, a timer) must not keep this process delivering without the lock.
    setTimeout(() => process.exit(EXIT.problem), EXIT_GRACE_MS).unref();
    // A refused start is explained, never a stack trace: the message names what and how to fix it.
    if (err instanceof AlreadyRunning || err instanceof ConfigError) throw err;
    throw new Problem(`the daemon did not start: ${err instanceof Error ? err.message : String(err)}`);
  }
  started = true;
  logger.info(
    `watching ${layout.root} (${count(Object.keys(daemon.config.agents).length, 'agent')}); stop with Ctrl-C`,
  );
  const note = mallocNote(process.env, glibcVersion());
  if (note) logger.info(note);
  if (pending) stop(pending);
  await daemon.done;
  return daemon.exitCode;
}
