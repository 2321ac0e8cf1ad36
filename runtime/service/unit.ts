import { MALLOC_ENV } from './malloc.js';

/**
 * The systemd unit that runs an org's daemon: `mailroom start --root <org>` in the foreground
 * (SIGTERM stops it cleanly, exit 0), restarted on failure, logging to the journal. Pure.
 */

export const SCOPES = ['user', 'system'] as const;
export type Scope = (typeof SCOPES)[number];

export interface UnitSpec {
  scope: Scope;
  /** The org's root, absolute. */
  root: string;
  node: string;
  cli: string;
  /** For a system unit: the account the daemon runs as (the owner of the org). */
  user?: string;
}

/** mailroom-<org folder name>, with anything systemd would not like replaced by '-'. */
export function unitName(root: string): string {
  const base = root.split('/').filter(Boolean).pop() ?? 'org';
  return `mailroom-${base.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}

/** One word of ExecStart=, quoted the way systemd reads it ($, % and \ escaped). */
export function quoteArg(arg: string): string {
  const escaped = arg
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/%/g, '%%')
    .replace(/\$/g, '$$$$')
    .replace(/\n/g, '\\n');
  return `"${escaped}"`;
}

export function unitText(spec: UnitSpec): string {
  const exec = [spec.node, spec.cli, 'start', '--root', spec.root].map(quoteArg).join(' ');
  const name = unitName(spec.root);
  return [
    '# Written by `mailroom service install`; run it again to rewrite this file.',
    '[Unit]',
    `Description=mailroom daemon for ${spec.root.replace(/%/g, '%%')}`,
    'After=local-fs.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    // glibc's malloc with a fixed mmap threshold: a flat RSS over days (service/malloc.ts)
    `Environment=${MALLOC_ENV.name}=${MALLOC_ENV.value}`,
    ...(spec.scope === 'system' && spec.user ? [`User=${spec.user}`] : []),
    'Restart=on-failure',
    'RestartSec=2',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    'UMask=0077',
    'StandardOutput=journal',
    'StandardError=journal',
    `SyslogIdentifier=${name}`,
    '',
    '[Install]',
    `WantedBy=${spec.scope === 'user' ? 'default.target' : 'multi-user.target'}`,
    '',
  ].join('\n');
}

/** What to run after the unit is written. */
export function nextSteps(scope: Scope, name: string, unitPath: string): string[] {
  const ctl = scope === 'user' ? 'systemctl --user' : 'sudo systemctl';
  const journal = scope === 'user' ? `journalctl --user -u ${name} -f` : `journalctl -u ${name} -f`;
  return [
    `wrote ${unitPath}`,
    'next:',
    `  ${ctl} daemon-reload && ${ctl} enable --now ${name}.service`,
    ...(scope === 'user' ? ['  loginctl enable-linger "$USER"     # keep it running without a login session'] : []),
    `  ${journal}     # the daemon's log, one line per event`,
    `  mailroom service status --${scope} --root <org>`,
  ];
}
