/**
 * The jail's bwrap arguments, from a described host (no I/O): what is shown, what is hidden,
 * in which order, and when a run is refused rather than jailed wrongly.
 */
import { describe, expect, it } from 'vitest';
import { jailPlan, type HostView, type JailSettings } from '../../../workspaces/jail.js';

type Entry = 'dir' | 'file' | `link:${string}`;

/** A host described by its paths; a path under a listed dir exists as itself. */
function host(entries: Record<string, Entry>): HostView {
  const kind = (p: string) => {
    const e = entries[p];
    return e === undefined ? null : e.startsWith('link:') ? 'link' : (e as 'dir' | 'file');
  };
  return {
    kind,
    readlink: (p) => entries[p]!.slice('link:'.length),
    realpath(p) {
      const e = entries[p];
      if (e?.startsWith('link:'))
        return e.slice('link:'.length).startsWith('/') ? e.slice('link:'.length) : `/${e.slice('link:'.length)}`;
      if (e) return p;
      return Object.keys(entries).some((d) => entries[d] === 'dir' && p.startsWith(`${d}/`)) ? p : null;
    },
    list: (dir) =>
      Object.keys(entries)
        .filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/'))
        .map((p) => p.slice(dir.length + 1)),
  };
}

const WS = '/srv/org/workspaces/evil';
const ORG: Record<string, Entry> = {
  '/srv/org': 'dir',
  [WS]: 'dir',
  [`${WS}/inbox`]: 'dir',
  [`${WS}/outbox`]: 'dir',
  [`${WS}/done`]: 'dir',
  [`${WS}/sent`]: 'dir',
  [`${WS}/BRIEF.md`]: 'file',
};
const MERGED: Record<string, Entry> = {
  '/usr': 'dir',
  '/bin': 'link:usr/bin',
  '/sbin': 'link:usr/sbin',
  '/lib': 'link:usr/lib',
  '/lib64': 'link:usr/lib64',
  '/etc': 'dir',
  ...ORG,
};
const place = { root: '/srv/org', workspace: WS };

function plan(entries: Record<string, Entry>, settings: Partial<JailSettings> = {}): string[] {
  const p = jailPlan(host(entries), place, { sandbox: 'bwrap', ...settings }, 'run-me');
  if ('refuse' in p) throw new Error(p.refuse);
  return p.args;
}

/** Where `seq` starts in `args`, or -1. */
function at(args: string[], ...seq: string[]): number {
  for (let i = 0; i + seq.length <= args.length; i++) if (seq.every((s, k) => args[i + k] === s)) return i;
  return -1;
}

describe('jailPlan: what the handler sees', () => {
  const cases: Array<[string, Record<string, Entry>, Partial<JailSettings>, string[][], string[][]]> = [
    // [what, host, settings, argument runs that must be there, runs that must not]
    [
      'merged /usr: links recreated as links, /usr and /etc read-only',
      MERGED,
      {},
      [
        ['--ro-bind', '/usr', '/usr'],
        ['--symlink', 'usr/bin', '/bin'],
        ['--symlink', 'usr/lib64', '/lib64'],
        ['--ro-bind', '/etc', '/etc'],
      ],
      [['--ro-bind', '/bin', '/bin'], ['/lib32']],
    ],
    [
      'split /usr: /bin and /lib bound as directories',
      { ...MERGED, '/bin': 'dir', '/lib': 'dir' },
      {},
      [
        ['--ro-bind', '/bin', '/bin'],
        ['--ro-bind', '/lib', '/lib'],
      ],
      [['--symlink', 'usr/bin', '/bin']],
    ],
    [
      'namespaces, no capabilities, a new session, dies with the daemon',
      MERGED,
      {},
      [
        ['--unshare-pid'],
        ['--unshare-ipc'],
        ['--unshare-uts'],
        ['--unshare-cgroup-try'],
        ['--cap-drop', 'ALL'],
        ['--new-session'],
        ['--die-with-parent'],
      ],
      [['--unshare-net'], ['--unshare-all']],
    ],
    ['network: none unshares the network', MERGED, { network: 'none' }, [['--unshare-net']], []],
    [
      'fresh /tmp, /run, /var/tmp, a minimal /dev, its own /proc',
      MERGED,
      {},
      [
        ['--tmpfs', '/tmp'],
        ['--tmpfs', '/run'],
        ['--tmpfs', '/var/tmp'],
        ['--dev', '/dev'],
        ['--proc', '/proc'],
      ],
      [['--ro-bind', '/', '/'], ['/home'], ['/root'], ['/mnt'], ['/opt'], ['/media'], ['/sys']],
    ],
    [
      'the org under an empty tmpfs, read-only once the workspace is bound',
      MERGED,
      {},
      [
        ['--tmpfs', '/srv/org'],
        ['--bind', WS, WS],
        ['--remount-ro', '/srv/org'],
        ['--chdir', WS],
        ['/bin/sh', '-c', 'run-me'],
      ],
      [],
    ],
    [
      'mailboxes: inbox, done, sent, BRIEF.md read-only; outbox writable',
      MERGED,
      {},
      [
        ['--ro-bind', `${WS}/inbox`, `${WS}/inbox`],
        ['--ro-bind', `${WS}/done`, `${WS}/done`],
        ['--ro-bind', `${WS}/sent`, `${WS}/sent`],
        ['--ro-bind', `${WS}/BRIEF.md`, `${WS}/BRIEF.md`],
        ['--bind', `${WS}/outbox`, `${WS}/outbox`],
      ],
      [],
    ],
    [
      'no BRIEF.md yet: nothing bound there',
      { ...MERGED, [`${WS}/BRIEF.md`]: undefined as unknown as Entry },
      {},
      [],
      [[`${WS}/BRIEF.md`]],
    ],
    [
      'a granted path, read-only',
      { ...MERGED, '/home/me/.local': 'dir' },
      { readOnlyPaths: ['/home/me/.local'] },
      [['--ro-bind', '/home/me/.local', '/home/me/.local']],
      [],
    ],
    [
      '/etc secrets masked; public SSH keys and the rest of /etc stay',
      {
        ...MERGED,
        '/etc/shadow': 'file',
        '/etc/ssl/private': 'dir',
        '/etc/ssh/ssh_host_ed25519_key': 'file',
        '/etc/ssh/ssh_host_ed25519_key.pub': 'file',
        '/etc/ssh/ssh_config': 'file',
      },
      {},
      [
        ['--ro-bind', '/dev/null', '/etc/shadow'],
        ['--tmpfs', '/etc/ssl/private', '--remount-ro', '/etc/ssl/private'],
        ['--ro-bind', '/dev/null', '/etc/ssh/ssh_host_ed25519_key'],
      ],
      [['/etc/ssh/ssh_host_ed25519_key.pub'], ['/etc/ssh/ssh_config'], ['/etc/gshadow']],
    ],
    [
      "systemd-resolved: resolv.conf's target under /run is shown",
      { ...MERGED, '/etc/resolv.conf': 'link:/run/systemd/resolve/stub-resolv.conf' },
      {},
      [['--ro-bind', '/run/systemd/resolve/stub-resolv.conf', '/run/systemd/resolve/stub-resolv.conf']],
      [],
    ],
  ];
  it.each(cases)('%s', (_what, entries, settings, present, absent) => {
    const args = plan(
      Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Record<string, Entry>,
      settings,
    );
    for (const seq of present) expect(at(args, ...seq), seq.join(' ')).toBeGreaterThanOrEqual(0);
    for (const seq of absent) expect(at(args, ...seq), seq.join(' ')).toBe(-1);
  });

  it('limits each fresh tmpfs where bwrap can (--size, 0.7 and later), and still jails with an older bwrap', () => {
    const sized = plan(MERGED);
    for (const dir of ['/tmp', '/run', '/var/tmp', '/dev/shm'])
      expect(at(sized, '--size', String(128 * 1_048_576), '--tmpfs', dir), dir).toBeGreaterThanOrEqual(0);
    expect(at(sized, '--dev', '/dev')).toBeLessThan(at(sized, '--remount-ro', '/dev'));
    const older = jailPlan(host(MERGED), place, { sandbox: 'bwrap' }, 'run-me', { tmpfsSize: false });
    expect('args' in older && older.args.includes('--size')).toBe(false);
    expect('args' in older && at(older.args, '--tmpfs', '/tmp')).toBeGreaterThanOrEqual(0);
    expect('args' in older && at(older.args, '--remount-ro', '/dev')).toBe(-1); // its /dev/shm must stay writable
  });

  it('orders the mounts so that nothing undoes the hiding', () => {
    const args = plan({ ...MERGED, '/srv': 'dir', '/etc/shadow': 'file' }, { readOnlyPaths: ['/srv'] });
    const i = (...seq: string[]) => at(args, ...seq);
    expect(i('--tmpfs', '/run')).toBeLessThan(i('--ro-bind', '/srv', '/srv')); // a grant under a fresh dir shows
    expect(i('--ro-bind', '/srv', '/srv')).toBeLessThan(i('--ro-bind', '/dev/null', '/etc/shadow')); // no grant undoes a mask
    expect(i('--ro-bind', '/srv', '/srv')).toBeLessThan(i('--tmpfs', '/srv/org')); // a grant holding the org does not show it
    expect(i('--tmpfs', '/srv/org')).toBeLessThan(i('--bind', WS, WS));
    expect(i('--bind', WS, WS)).toBeLessThan(i('--ro-bind', `${WS}/inbox`, `${WS}/inbox`));
    expect(i('--ro-bind', `${WS}/inbox`, `${WS}/inbox`)).toBeLessThan(i('--remount-ro', '/srv/org'));
    expect(args.slice(-3)).toEqual(['/bin/sh', '-c', 'run-me']);
  });
});

describe('jailPlan: refused rather than jailed wrongly', () => {
  const cases: Array<[string, Record<string, Entry>, Partial<JailSettings>, RegExp]> = [
    [
      'an inbox that is a link (it would show its target)',
      { ...MERGED, [`${WS}/inbox`]: 'link:/srv/org/.mailroom/secrets' },
      {},
      /evil\/inbox is a symbolic link/,
    ],
    [
      'a missing outbox',
      Object.fromEntries(Object.entries(MERGED).filter(([p]) => p !== `${WS}/outbox`)),
      {},
      /evil\/outbox is missing/,
    ],
    ['a done/ that is a file', { ...MERGED, [`${WS}/done`]: 'file' }, {}, /evil\/done is not a directory/],
    [
      'a relative granted path',
      MERGED,
      { readOnlyPaths: ['tools'] },
      /read_only_paths: "tools" is not an absolute path/,
    ],
    [
      'a granted path that does not exist',
      MERGED,
      { readOnlyPaths: ['/nowhere'] },
      /read_only_paths: \/nowhere does not exist/,
    ],
    ['no workspace', { '/usr': 'dir' }, {}, /does not exist; `mailroom start` creates it/],
  ];
  it.each(cases)('%s', (_what, entries, settings, why) => {
    const p = jailPlan(host(entries), place, { sandbox: 'bwrap', ...settings }, 'run-me');
    expect(p).toEqual({ refuse: expect.stringMatching(why) });
  });
});
