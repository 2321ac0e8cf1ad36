/**
 * The handler jail: with bubblewrap (`bwrap`), a handler runs in a mount namespace that shows
 * the system read-only and its own workspace read-write, and hides the rest of the org (other
 * workspaces, bus/, board/, .mailroom/, mailroom.yaml) under an empty tmpfs. It gets its own
 * pid namespace (so nothing it starts outlives it) and dies with the daemon.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const SANDBOXES = ['bwrap', 'none'] as const;
export type Sandbox = (typeof SANDBOXES)[number];
/** `host`: the handler shares the host's network (model APIs need it); `none`: its own empty network namespace. */
export const NETWORKS = ['host', 'none'] as const;
export type Network = (typeof NETWORKS)[number];
/** What the jail needs to know of an agent. */
export interface JailSettings {
  readonly sandbox: Sandbox | 'auto';
}

let probed: { ok: boolean; why: string } | null = null;

/** Is a working bwrap on this machine? (Installed, and allowed to make namespaces here.) Probed once. */
export function bwrapAvailable(): { ok: boolean; why: string } {
  if (probed) return probed;
  const r = spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--unshare-pid', '--proc', '/proc', '/bin/true'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) probed = { ok: false, why: `bwrap is not installed (${(r.error as NodeJS.ErrnoException).code}); install the Debian package bubblewrap` };
  else if (r.status !== 0) probed = { ok: false, why: `bwrap cannot create namespaces here: ${r.stderr.trim().split('\n')[0]}` };
  else probed = { ok: true, why: 'bwrap works' };
  return probed;
}

/** The bwrap argument list that runs `command` jailed in `workspace`, hiding `root`. */
export function jailArgs(root: string, workspace: string, command: string): string[] {
  const realRoot = fs.realpathSync(root);
  const realWs = fs.realpathSync(workspace);
  return [
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--unshare-pid',
    '--proc', '/proc',
    '--die-with-parent',
    '--new-session',
    '--tmpfs', realRoot, // the org disappears: config, secrets, bus, board, other workspaces
    '--bind', realWs, realWs,
    '--remount-ro', realRoot, // and what is left of it (the empty tmpfs) cannot be written either
    '--chdir', realWs,
    '/bin/sh', '-c', command,
  ];
}

/** Whether an agent's handler runs jailed; `refuse` when it must be jailed but cannot be. */
export function jailFor(cfg: JailSettings): { jailed: boolean; refuse?: string; note: string } {
  if (cfg.sandbox === 'none') return { jailed: false, note: 'UNJAILED (sandbox: none)' };
  const probe = bwrapAvailable();
  if (probe.ok) return { jailed: true, note: 'jailed (bwrap)' };
  if (cfg.sandbox === 'bwrap') return { jailed: false, refuse: `sandbox: bwrap, but ${probe.why}`, note: `REFUSED: sandbox: bwrap, but ${probe.why}` };
  return { jailed: false, note: `UNJAILED: ${probe.why}` };
}

