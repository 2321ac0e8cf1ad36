/**
 * The handler jail. With bubblewrap (`bwrap`), a handler runs in its own mount, pid, IPC, UTS
 * and cgroup namespaces, with no capabilities (so a handler running as root cannot remount,
 * unmount or read through permissions), in a new session, and dies with the daemon. It sees:
 *
 *   - the system read-only: /usr, /bin, /sbin, /lib*, /etc (those that exist; merged-/usr links
 *     are recreated as links), minus the machine's own secrets under /etc (shadow files, sudoers,
 *     SSH host keys, /etc/ssl/private), which are masked;
 *   - a fresh, empty, private /tmp, /run, /var/tmp and /dev/shm (128 MiB each, where bwrap can
 *     limit them); a minimal, read-only /dev otherwise; its own /proc, whose kernel knobs
 *     (/proc/sys, /proc/sysrq-trigger) are read-only;
 *   - the paths its agent is granted by name (`read_only_paths`), read-only;
 *   - its own workspace, where everything is its scratch space (HOME, TMPDIR=.tmp, caches), except
 *     the mailboxes: `inbox/`, `done/`, `sent/` and `BRIEF.md` are read-only, and `outbox/` is
 *     writable; each is a mount point, so none can be renamed, replaced or removed;
 *   - nothing else: no /home, /root, /srv, /mnt, /media, /opt, /var, no other workspace, no
 *     bus/, board/, .mailroom/ or mailroom.yaml (the org root is an empty read-only tmpfs even
 *     where a system or granted directory holds it).
 *
 * The network is the host's unless the agent says `network: none` (then only a loopback).
 *
 * Fail closed: a handler runs unjailed only when its agent says `sandbox: none`. With `sandbox`
 * unset and no working bwrap, its runs are refused with the reason and the fix.
 *
 * `jailPlan` is pure (it reads the host through a `HostView`); `hostView()` is the real one.
 */
import { spawnSync } from 'node:child_process';
import { type HostView, hostView } from './host-view.js';
import path from 'node:path';
export { type HostView, hostView } from './host-view.js';

export const SANDBOXES = ['bwrap', 'none'] as const;
export type Sandbox = (typeof SANDBOXES)[number];
/** `host`: the handler shares the host's network (model APIs need it); `none`: its own empty network namespace. */
export const NETWORKS = ['host', 'none'] as const;
export type Network = (typeof NETWORKS)[number];

/** What the jail needs to know of an agent. */
export interface JailSettings {
  readonly sandbox: Sandbox | 'auto';
  /** `host` (the default): the host's network; `none`: a private loopback only. */
  readonly network?: Network;
  /** Absolute host paths shown read-only at the same place (a tool in ~/.local, a model cache). */
  readonly readOnlyPaths?: readonly string[];
}

/** System directories shown read-only when they exist. */
export const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc'];
/** Fresh empty tmpfs for each run. */
export const FRESH_DIRS = ['/tmp', '/run', '/var/tmp'];
/** Each fresh dir holds at most this much (tmpfs is memory): where bwrap knows `--size` (0.7 and later). */
export const FRESH_DIR_BYTES = 128 * 1_048_576;

/** What this machine's bwrap can do beyond the basics. */
export interface BwrapFeatures {
  /** `--size` before `--tmpfs` (bubblewrap 0.7 and later). */
  readonly tmpfsSize: boolean;
}
/** The machine's own secrets under /etc, masked (the daemon may run as root, and so its handlers). */
export const ETC_MASKED = [
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/etc/ssl/private',
  '/etc/security/opasswd',
];
/** The kernel's knobs under /proc, bound read-only over the jail's own /proc (those that exist). */
export const PROC_READ_ONLY = ['/proc/sys', '/proc/sysrq-trigger'];
/** Read-only mailboxes of the handler's own workspace; `outbox` is bound writable. */
export const READ_ONLY_BOXES = ['inbox', 'done', 'sent'] as const;

export const INSTALL_FIX = 'apt-get install bubblewrap';

/** Where a run's jail is: the org root and the workspace (as configured; resolved here). */
export interface JailPlace {
  readonly root: string;
  readonly workspace: string;
}

/** The bwrap arguments that run `command` jailed, or why it cannot be jailed safely. Pure. */
export function jailPlan(
  host: HostView,
  place: JailPlace,
  settings: JailSettings,
  command: string,
  bwrap: BwrapFeatures = { tmpfsSize: true },
): { args: string[] } | { refuse: string } {
  const root = host.realpath(place.root);
  const ws = host.realpath(place.workspace);
  if (!root || !ws) return { refuse: `${place.workspace} does not exist; \`mailroom start\` creates it` };
  // The mailboxes are bound by path: a link among them would show its target inside the jail.
  for (const box of [...READ_ONLY_BOXES, 'outbox']) {
    const k = host.kind(`${ws}/${box}`);
    if (k !== 'dir')
      return {
        refuse: `${ws}/${box} is ${k === null ? 'missing' : k === 'link' ? 'a symbolic link' : 'not a directory'}; the jail binds only real mailbox folders (\`rm ${ws}/${box} && mkdir -m 700 ${ws}/${box}\`, mail in it aside)`,
      };
  }
  const grants: string[] = [];
  for (const p of settings.readOnlyPaths ?? []) {
    if (!path.isAbsolute(p)) return { refuse: `read_only_paths: ${JSON.stringify(p)} is not an absolute path` };
    if (host.realpath(p) === null)
      return {
        refuse: `read_only_paths: ${p} does not exist on this machine; create it or remove it from the agent's read_only_paths`,
      };
    grants.push(p);
  }
  return {
    args: [
      ...namespaceArgs(settings),
      ...systemArgs(host, bwrap),
      ...grantArgs(grants),
      ...devArgs(host, bwrap),
      ...maskArgs(host),
      ...orgArgs(host, root, ws),
      '--chdir',
      ws,
      '/bin/sh',
      '-c',
      command,
    ],
  };
}

function namespaceArgs(settings: JailSettings): string[] {
  const net = settings.network === 'none' ? ['--unshare-net'] : [];
  return [
    '--die-with-parent',
    '--new-session',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...net,
    '--cap-drop',
    'ALL',
  ];
}

/** The system read-only (merged-/usr links as links); fresh /tmp, /run, /var/tmp; DNS kept working under systemd-resolved. */
function systemArgs(host: HostView, bwrap: BwrapFeatures): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    const k = host.kind(dir);
    if (k === 'dir') args.push('--ro-bind', dir, dir);
    else if (k === 'link') args.push('--symlink', host.readlink(dir), dir); // merged /usr: /bin -> usr/bin
  }
  for (const dir of FRESH_DIRS)
    args.push(...(bwrap.tmpfsSize ? ['--size', String(FRESH_DIR_BYTES)] : []), '--tmpfs', dir);
  // systemd-resolved: /etc/resolv.conf is a link into /run, which is fresh here.
  const resolv = host.kind('/etc/resolv.conf') === 'link' ? host.realpath('/etc/resolv.conf') : null;
  if (resolv?.startsWith('/run/')) args.push('--ro-bind', resolv, resolv);
  return args;
}

/** The machine's own secrets under /etc: a file shows as an empty device, a directory as an empty read-only tmpfs. */
function maskArgs(host: HostView): string[] {
  const args: string[] = [];
  const keys = host
    .list('/etc/ssh')
    .filter((n) => /^ssh_host_.*_key$/.test(n))
    .map((n) => `/etc/ssh/${n}`);
  for (const p of [...ETC_MASKED, ...keys]) {
    const k = host.kind(p);
    if (k === 'dir') args.push('--tmpfs', p, '--remount-ro', p);
    else if (k === 'file') args.push('--ro-bind', '/dev/null', p);
  }
  return args;
}

/**
 * A minimal /dev, and its own /proc. /dev/shm is memory: where bwrap can limit a tmpfs, it gets
 * one of its own, limited, and the rest of /dev is read-only (else a handler running as root
 * could fill memory there). The kernel's knobs in /proc are bound read-only: a sysctl checks
 * only that the writer's uid is 0, not its capabilities, so a handler running as root could
 * otherwise set `kernel.core_pattern` (a program the kernel runs as root outside any jail at the
 * next crash), the inotify limits or drop the caches. bwrap means to cover them itself but skips
 * them when its own access check fails, as it does when it runs as root.
 */
function devArgs(host: HostView, bwrap: BwrapFeatures): string[] {
  const shm = bwrap.tmpfsSize ? ['--size', String(FRESH_DIR_BYTES), '--tmpfs', '/dev/shm', '--remount-ro', '/dev'] : [];
  const knobs = PROC_READ_ONLY.filter((p) => host.kind(p) !== null).flatMap((p) => ['--ro-bind', p, p]);
  return ['--dev', '/dev', ...shm, '--proc', '/proc', ...knobs];
}

/** Grants come before /dev, /proc, the /etc masks and the org's tmpfs, so none of those can be undone by a grant (of /, /etc, a parent of the org). */
function grantArgs(grants: readonly string[]): string[] {
  return grants.flatMap((p) => ['--ro-bind', p, p]);
}

/** The org hidden under an empty read-only tmpfs; the workspace and its mailboxes bound on top. */
function orgArgs(host: HostView, root: string, ws: string): string[] {
  const args = ['--tmpfs', root, '--bind', ws, ws];
  for (const box of READ_ONLY_BOXES) args.push('--ro-bind', `${ws}/${box}`, `${ws}/${box}`);
  args.push('--bind', `${ws}/outbox`, `${ws}/outbox`); // writable, but a mount point: it cannot be swapped
  // The daemon renders BRIEF.md for every agent; were it missing, the daemon replaces whatever is there by a rename.
  if (host.kind(`${ws}/BRIEF.md`) === 'file') args.push('--ro-bind', `${ws}/BRIEF.md`, `${ws}/BRIEF.md`);
  args.push('--remount-ro', root);
  return args;
}

let probed: { ok: boolean; why: string; at: number; features: BwrapFeatures } | null = null;
const REPROBE_MS = 10_000;

/**
 * Is a working bwrap on this machine: installed, and allowed to make the jail's namespaces and
 * drop capabilities here? A success is kept; a failure is probed again after 10 s (so installing
 * bubblewrap takes effect without a restart).
 */
export function bwrapAvailable(): { ok: boolean; why: string; features: BwrapFeatures } {
  if (probed && (probed.ok || Date.now() - probed.at < REPROBE_MS)) return probed;
  const run = (features: BwrapFeatures) => {
    const args = [
      ...namespaceArgs({ sandbox: 'bwrap' }),
      ...systemArgs(hostView(), features),
      '--dev',
      '/dev',
      '--proc',
      '/proc',
      '/bin/sh',
      '-c',
      'true',
    ];
    return spawnSync('bwrap', args, { encoding: 'utf8', timeout: 10_000 });
  };
  let features: BwrapFeatures = { tmpfsSize: true };
  let r = run(features);
  if (r.status !== 0 && /--size/.test(r.stderr ?? '')) r = run((features = { tmpfsSize: false })); // an older bwrap
  const at = Date.now();
  if (r.error)
    probed = {
      ok: false,
      why: `bwrap is not installed (${(r.error as NodeJS.ErrnoException).code} on PATH)`,
      at,
      features,
    };
  else if (r.status !== 0)
    probed = {
      ok: false,
      why: `bwrap cannot make the jail here: ${(r.stderr.trim().split('\n')[0] ?? '') || `exit ${r.status}`}`,
      at,
      features,
    };
  else probed = { ok: true, why: 'bwrap works', at, features };
  return probed;
}

export interface JailDecision {
  jailed: boolean;
  /** Set when the handler must not run at all: the reason and the fix. */
  refuse?: string;
  note: string;
}

/** Whether an agent's handler runs jailed; `refuse` when it may not run unjailed and cannot be jailed. */
export function jailFor(cfg: JailSettings): JailDecision {
  if (cfg.sandbox === 'none') return { jailed: false, note: 'UNJAILED (sandbox: none)' };
  const probe = bwrapAvailable();
  if (probe.ok) return { jailed: true, note: 'jailed (bwrap)' };
  const setting = cfg.sandbox === 'bwrap' ? 'sandbox: bwrap' : 'sandbox is not set';
  const refuse = `${setting}, but ${probe.why}: the handler is never run unjailed. Fix: \`${INSTALL_FIX}\`, or write \`sandbox: none\` for this agent in mailroom.yaml to accept running it unjailed`;
  return { jailed: false, refuse, note: `REFUSED: ${refuse}` };
}

/** The program to start for one run: bwrap around `/bin/sh -c command`, `/bin/sh -c command` alone (sandbox: none), or a refusal. */
export function handlerArgv(
  cfg: JailSettings,
  place: JailPlace,
  command: string,
): { argv: string[] } | { refuse: string } {
  const jail = jailFor(cfg);
  if (jail.refuse) return { refuse: jail.refuse };
  if (!jail.jailed) return { argv: ['/bin/sh', '-c', command] };
  const plan = jailPlan(hostView(), place, cfg, command, bwrapAvailable().features);
  return 'refuse' in plan ? { refuse: `cannot jail the handler: ${plan.refuse}` } : { argv: ['bwrap', ...plan.args] };
}
