/**
 * Outside review: the daemon checked an attachment's path (realpath), then opened the checked
 * path again by name, and only then saw where the open file really was. A jailed handler
 * flipping a folder of the path between a real folder and a link to a place outside its
 * workspace (renameat2 RENAME_EXCHANGE, in a loop, while it sends hundreds of attachments) made
 * the daemon open a file outside the workspace: refused afterwards, but opened. Opening is not
 * harmless: a fifo's writer wakes (shown here), a tty becomes the daemon's controlling terminal,
 * `/dev/watchdog` arms the machine's watchdog. An attachment must be found without opening
 * anything (`O_PATH`), checked, and only then opened through that descriptor.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../support/events.js';
import { requireBwrap, skipJail } from '../../support/jail.js';
import { makeOrg, message } from '../../support/org.js';

const ATTACK = String.raw`
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
if 'subject: go' not in sys.stdin.read(): sys.exit(0)  # its bounces: nothing to do
outside = sys.argv[1]
os.makedirs('att/real', exist_ok=True)
with open('att/real/f', 'w') as f: f.write('harmless\n')
os.rename('att/real', 'att/d')
os.symlink(outside, 'att/x')
pid = os.fork()
if pid == 0:
    end = time.time() + 4
    while time.time() < end:
        libc.renameat2(-100, b'att/d', -100, b'att/x', 2)  # RENAME_EXCHANGE: d is the folder, then the link
    os._exit(0)
for i in range(300):
    name = 'm%03d.md' % i
    with open('outbox/.' + name, 'w') as f: f.write('---\nto: boss\nsubject: flip %d\nattachments: [att/d/f]\n---\nx\n' % i)
    os.rename('outbox/.' + name, 'outbox/' + name)
    time.sleep(0.008)
os.waitpid(pid, 0)
`;

describe.skipIf(skipJail)("a jailed handler flipping an attachment's folder for a link", () => {
  it("never makes the daemon open a file outside its workspace (a fifo's writer outside stays asleep)", async () => {
    requireBwrap();
    const o = makeOrg(['boss', 'evil', 'victim']);
    const outside = path.join(o.tmp, 'outside');
    fs.mkdirSync(outside);
    const fifo = path.join(outside, 'f');
    execFileSync('mkfifo', [fifo]);
    let woken = false;
    let released = false;
    // A writer waiting for a reader: it wakes only if someone opens the fifo.
    const writer = fs.promises.open(fifo, 'w').then(async (h) => {
      if (!released) woken = true;
      await h.close();
    });
    fs.writeFileSync(o.p('workspaces', 'evil', 'attack.py'), ATTACK);
    fs.writeFileSync(
      o.p('mailroom.yaml'),
      `agents:\n  boss: {}\n  victim: {}\n  evil: { command: "python3 ./attack.py ${outside}", max_attempts: 1, messages_per_minute: 100000 }\ngroups: {}\n`,
    );
    try {
      await o.start();
      o.drop('boss', 'go.md', message({ to: 'evil', subject: 'go' }));
      await waitFor(
        () => o.events().find((e) => e.type === 'handler.succeeded' || e.type === 'handler.failed'),
        'the attack run',
        30_000,
      );
      await waitFor(
        () => o.ls('workspaces', 'evil', 'outbox').filter((n) => !n.startsWith('.')).length === 0 || null,
        'every flip message taken',
        30_000,
      );
      // An empty outbox can be seen before the batch that took the last files is logged.
      const taken = () =>
        o.events().filter((e) => (e.type === 'message.accepted' || e.type === 'message.rejected') && e.from === 'evil')
          .length;
      await waitFor(() => taken() >= 300 || null, 'every flip message decided', 30_000);
      expect(taken()).toBe(300);
      expect(woken, 'the daemon opened the fifo outside the workspace').toBe(false);
      // Whatever was accepted carries the harmless file, never anything from outside.
      o.drop('boss', 'after.md', message({ to: 'victim', subject: 'after' }));
      await waitFor(
        () => o.ls('workspaces', 'victim', 'inbox').some((n) => n.endsWith('-after.md')),
        "boss's mail to victim",
      );
    } finally {
      released = true;
      fs.closeSync(fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)); // let the waiting writer go
      await writer;
    }
  }, 60_000);
});
