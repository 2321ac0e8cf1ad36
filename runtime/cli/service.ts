import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Layout } from '../../workspaces/layout.js';
import { runningDaemon } from '../daemon/lock.js';
import { nextSteps, quoteArg, unitName, unitText, type Scope } from '../service/unit.js';
import { EXIT, UsageError, findRoot, parse, print } from './common.js';

export const usage = `mailroom service install [--user | --system] [--root <dir>] [--dir <unit dir>]
mailroom service status  [--user | --system] [--root <dir>] [--dir <unit dir>]

install   write a systemd unit that runs the org's daemon (mailroom start --root <org>),
          restarts it on failure and sends its log to the journal; then print the commands
          that enable and start it. Run it again to rewrite the unit (after moving mailroom).
status    the unit (written? for this org?), what systemd says of it, and whether a daemon
          runs on the org. Exit 1 when the unit is missing or no daemon runs.

Options:
  --user          a user unit in ~/.config/systemd/user (the default; for a server without
                  a login session also run: loginctl enable-linger "$USER")
  --system        a system unit in /etc/systemd/system, run as the owner of the org (root)
  --dir <dir>     write or look for the unit in <dir> instead

Examples:
  mailroom service install --root ./org
  systemctl --user daemon-reload && systemctl --user enable --now mailroom-org.service
  sudo mailroom service install --system --root /srv/org`;

function scopeOf(values: Record<string, string | boolean | undefined>): Scope {
  if (values.user && values.system) throw new UsageError(`give --user or --system, not both\n\n${usage}`);
  return values.system ? 'system' : 'user';
}

function unitDir(scope: Scope, given: string | undefined): string {
  if (given) return path.resolve(given);
  if (scope === 'system') return '/etc/systemd/system';
  const config = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(config, 'systemd', 'user');
}

/** The name of the account that owns the org (from /etc/passwd), or its uid. */
function ownerOf(root: string): string {
  const uid = fs.statSync(root).uid;
  try {
    const line = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(uid));
    if (line) return line.split(':')[0]!;
  } catch {
    /* no passwd file: the number does */
  }
  return String(uid);
}

/** This CLI's entry point, as installed (dist/runtime/cli/main.js beside this module). */
function cliPath(): string {
  return fileURLToPath(new URL('./main.js', import.meta.url));
}

function install(layout: Layout, scope: Scope, dir: string): number {
  const name = unitName(layout.root);
  const file = path.join(dir, `${name}.service`);
  const text = unitText({
    scope,
    root: layout.root,
    node: process.execPath,
    cli: cliPath(),
    ...(scope === 'system' ? { user: ownerOf(layout.root) } : {}),
  });
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${name}.service.${process.pid}`);
  fs.writeFileSync(tmp, text, { mode: 0o644 });
  fs.renameSync(tmp, file);
  print(nextSteps(scope, name, file).join('\n').replace('<org>', layout.root));
  return EXIT.ok;
}

function systemctlSays(scope: Scope, name: string): string {
  const r = spawnSync('systemctl', [...(scope === 'user' ? ['--user'] : []), 'is-active', `${name}.service`], {
    encoding: 'utf8',
    timeout: 5000,
  });
  if (r.error) return `cannot ask systemctl (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  return (r.stdout.trim() || r.stderr.trim() || `exit ${r.status}`).split('\n')[0]!;
}

function status(layout: Layout, scope: Scope, dir: string): number {
  const name = unitName(layout.root);
  const file = path.join(dir, `${name}.service`);
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  const forThisOrg = text?.includes(`"--root" ${quoteArg(layout.root)}`);
  const pid = runningDaemon(layout);
  print(
    [
      `unit: ${text === null ? `NOT INSTALLED (${file}); write it with \`mailroom service install --${scope} --root ${layout.root}\`` : `${file}${forThisOrg ? '' : ' (WARNING: its ExecStart names another org; run install again)'}`}`,
      `systemd: ${systemctlSays(scope, name)}`,
      `daemon: ${pid === null ? 'NOT RUNNING' : `running (pid ${pid})`}`,
    ].join('\n'),
  );
  return text !== null && forThisOrg && pid !== null ? EXIT.ok : EXIT.problem;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { root: { type: 'string' }, user: { type: 'boolean' }, system: { type: 'boolean' }, dir: { type: 'string' } },
    usage,
    true,
  );
  if (values.help) return (print(usage), EXIT.ok);
  const [verb, ...extra] = positionals;
  if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}\n\n${usage}`);
  if (verb !== 'install' && verb !== 'status') throw new UsageError(`service takes install or status\n\n${usage}`);
  const scope = scopeOf(values);
  const layout = findRoot(values.root as string | undefined);
  const dir = unitDir(scope, values.dir as string | undefined);
  return verb === 'install' ? install(layout, scope, dir) : status(layout, scope, dir);
}
