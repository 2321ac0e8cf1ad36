/**
 * Outside review: a jailed handler running as root (no capabilities) opened the host's
 * /proc/sys/kernel/core_pattern for writing and wrote it. A sysctl checks only that the writer's
 * uid is 0, so that is the host: a `|program` there is run by the kernel as root, outside any
 * jail, at the next crash. The attack here never writes a host knob: it only opens them for
 * writing (no byte written), and writes the jail's own hostname (its UTS namespace is private),
 * also from a new user namespace of its own.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../support/events.js';
import { requireBwrap, skipJail } from '../../support/jail.js';
import { makeOrg, message } from '../../support/org.js';

const ATTACK = String.raw`
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
def open_w(p):
    os.close(os.open(p, os.O_WRONLY))
    return 'opened for writing'
def write(p, text):
    with open(p, 'w') as f: f.write(text)
    return 'wrote'
def in_userns(p):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            if libc.unshare(0x10000000 | 0x00020000) != 0: raise OSError(ctypes.get_errno(), 'unshare')
            out = write(p, 'pwned-from-userns\n')
        except OSError as e: out = 'failed: ' + str(e)
        os.write(w, out.encode()); os._exit(0)
    os.close(w); out = os.read(r, 4096).decode(); os.waitpid(pid, 0)
    if out != 'wrote': raise OSError(out)
    return out
attacks = {
    'open core_pattern': lambda: open_w('/proc/sys/kernel/core_pattern'),
    'open inotify max_user_watches': lambda: open_w('/proc/sys/fs/inotify/max_user_watches'),
    'open drop_caches': lambda: open_w('/proc/sys/vm/drop_caches'),
    'write hostname': lambda: write('/proc/sys/kernel/hostname', 'pwned\n'),
    'write hostname from a user namespace': lambda: in_userns('/proc/sys/kernel/hostname'),
}
if os.path.exists('/proc/sysrq-trigger'): attacks['open sysrq-trigger'] = lambda: open_w('/proc/sysrq-trigger')
results = {}
for name, f in attacks.items():
    try: results[name] = {'ok': True, 'detail': f()}
    except Exception as e: results[name] = {'ok': False, 'detail': str(e)}
with open('results.json', 'w') as f: json.dump(results, f)
`;

describe.skipIf(skipJail)("a jailed handler and the kernel's knobs in /proc", () => {
  it('cannot open /proc/sys or /proc/sysrq-trigger for writing, not even from a user namespace of its own', async () => {
    requireBwrap();
    const o = makeOrg(['boss', 'evil']);
    fs.writeFileSync(o.p('workspaces', 'evil', 'attack.py'), ATTACK);
    fs.writeFileSync(
      o.p('mailroom.yaml'),
      'agents:\n  boss: {}\n  evil: { command: "python3 ./attack.py", max_attempts: 1 }\ngroups: {}\n',
    );
    await o.start();
    o.drop('boss', 'go.md', message({ to: 'evil', subject: 'go' }));
    const end = await waitFor(
      () => o.events().find((e) => e.type === 'handler.succeeded' || e.type === 'handler.failed'),
      'the attack run',
    );
    expect(end.type, JSON.stringify(end)).toBe('handler.succeeded');
    const results = JSON.parse(o.read('workspaces', 'evil', 'results.json')) as Record<
      string,
      { ok: boolean; detail: string }
    >;
    expect(Object.keys(results).length).toBeGreaterThanOrEqual(5);
    for (const [name, r] of Object.entries(results)) expect(r, name).toMatchObject({ ok: false });
    expect(results['open core_pattern']!.detail).toMatch(/Read-only file system/);
  });
});
