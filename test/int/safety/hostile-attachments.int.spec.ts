/**
 * Hostile handlers (issue 10 items 1 and 2), performed by a real jailed Node handler: it races
 * the daemon the way an attacker would, flipping directories and links in a loop while the
 * daemon works through many large attachments (a wide window), and it plants fifos.
 *   - the source: `docs` (a link) swapped atomically between a folder inside the workspace and
 *     .mailroom/secrets, and `docs-dir` (a folder) swapped for a link to the secrets and back,
 *     while `docs/OTHER_TOKEN` and `docs-dir/OTHER_TOKEN` are attached behind 10 MiB of others;
 *   - the destination: each new inbox/attachments/<id>/ swapped for a link to the org root
 *     while an attachment named mailroom.yaml is delivered;
 *   - the take: `outbox` flipped between the real folder and a link to .mailroom/ and to the
 *     org root while files named `secrets` and `mailroom.yaml` wait in it.
 * What a user cares about: the secret appears nowhere the attacker can read, mailroom.yaml and
 * .mailroom/ are unchanged, one kept copy per attachment is hard-linked read-only, and the daemon
 * is alive and delivers another agent's mail within a deadline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../support/events.js';
import { secretSet } from '../../support/cli.js';
import { eventsOf, waitEvent } from '../../support/events.js';
import { requireBwrap, skipJail } from '../../support/jail.js';
import { allFiles, org } from '../../support/org.js';

const SECRET = 'victims-token-6f1d2a';

/** The state of what must never change: the config and everything under .mailroom/ (names and bytes). */
function guarded(root: string): string {
  const out = [`mailroom.yaml=${fs.readFileSync(path.join(root, 'mailroom.yaml'), 'utf8')}`];
  // config history and the thread index (.mailroom/threads.db*) are the daemon's own to write
  for (const f of allFiles(path.join(root, '.mailroom')))
    if (!f.file.includes(`${path.sep}config${path.sep}`) && !path.basename(f.file).startsWith('threads.db'))
      out.push(`${path.relative(root, f.file)}=${f.text}`);
  return out.sort().join('\n');
}

/** The handler: one run that plants, sends and flips for `ms`, then exits. */
const ATTACK = (root: string, ms: number) => `
const fs = require('fs');
const root = ${JSON.stringify(root)};
const big = Buffer.alloc(2 << 20, 0x61);
const msg = (to, subject, att) => '---\\nto: ' + to + '\\nsubject: ' + subject + '\\nattachments: [' + att.map((a) => JSON.stringify(a)).join(', ') + ']\\n---\\nsee attached\\n';
const put = (name, text) => { fs.writeFileSync('outbox/.' + name, text); try { fs.renameSync('outbox/.' + name, 'outbox/' + name); } catch {} };
const flip = (a, b) => { try { fs.renameSync(a, b); } catch {} };
if (fs.existsSync('done-attacking')) process.exit(0);
fs.writeFileSync('done-attacking', '');
fs.mkdirSync('docs-dir', { recursive: true });
for (let i = 0; i < 5; i++) fs.writeFileSync('docs-dir/big' + i, big);
fs.writeFileSync('docs-dir/OTHER_TOKEN', 'decoy');
fs.writeFileSync('docs-dir/mailroom.yaml', 'agents: { evil: { sandbox: none } }\\n');
const relink = (target) => { try { fs.symlinkSync(target, '.docs-new'); fs.renameSync('.docs-new', 'docs'); } catch {} };
relink('docs-dir');
try { fs.mkdirSync('outbox-real'); } catch {}
fs.mkdirSync('.mailroom-fifo', { recursive: true });
try { require('child_process').execFileSync('mkfifo', ['docs-dir/pipe']); } catch {}
const bigs = (d) => [0, 1, 2, 3, 4].map((i) => d + '/big' + i);
for (let i = 0; i < 8; i++) put('steal' + i + '.md', msg('mule', 'steal ' + i, [...bigs(i % 2 ? 'docs' : 'docs-dir'), (i % 2 ? 'docs' : 'docs-dir') + '/OTHER_TOKEN']));
for (let i = 0; i < 4; i++) put('plant' + i + '.md', msg('evil', 'plant ' + i, [...bigs('docs'), 'docs/mailroom.yaml']));
put('fifo.md', msg('mule', 'fifo', ['docs/pipe']));
const end = Date.now() + ${ms};
let n = 0;
while (Date.now() < end) {
  n++;
  // the source: docs (a link) points inside, then at the secrets, swapped atomically; docs-dir (a folder) becomes a link to the secrets and back
  relink(root + '/.mailroom/secrets'); relink('docs-dir');
  if (n % 4 === 0) { flip('docs-dir', '.docs-away'); try { fs.symlinkSync(root + '/.mailroom/secrets', 'docs-dir'); fs.unlinkSync('docs-dir'); } catch {} flip('.docs-away', 'docs-dir'); }
  // the destination: every new inbox/attachments/<id>/ becomes a link to the org root
  try { for (const id of fs.readdirSync('inbox/attachments')) { const p = 'inbox/attachments/' + id; if (!fs.lstatSync(p).isSymbolicLink()) { fs.renameSync(p, '.moved-' + id + '-' + n); fs.symlinkSync(root, p); } } } catch {}
  // the take: outbox flipped to links into the org while files named like its treasures wait in it
  if (n % 50 === 0) { put('secrets', msg('mule', 'x', [])); put('mailroom.yaml', msg('mule', 'y', [])); }
  flip('outbox', 'outbox-real');
  try { fs.symlinkSync(root + (n % 2 ? '/.mailroom' : ''), 'outbox'); } catch {}
  try { fs.unlinkSync('outbox'); } catch {}
  flip('outbox-real', 'outbox');
}
if (!fs.existsSync('outbox')) flip('outbox-real', 'outbox');
if (!fs.existsSync('docs-dir')) flip('.docs-away', 'docs-dir');
`;

describe.skipIf(skipJail)('hostile handler: attachments and outbox takes', () => {
  it('racing links and fifos reach no secret, change no config, and do not stop delivery', async () => {
    requireBwrap();
    const o = org(['evil', 'mule', 'good', 'boss']);
    const root = fs.realpathSync(o.root);
    fs.writeFileSync(
      o.p('mailroom.yaml'),
      'agents:\n  evil: { command: "node attack.js" }\n  mule: {}\n  good: {}\n  boss: { secrets: [OTHER_TOKEN] }\n',
    );
    expect(secretSet(o, 'OTHER_TOKEN', SECRET).code).toBe(0);
    await o.start();
    const before = guarded(root);
    fs.writeFileSync(o.p('workspaces', 'evil', 'attack.js'), ATTACK(root, 4000));
    o.drop('boss', 'go.md', '---\nto: evil\nsubject: go\n---\nattack\n');
    await waitEvent(o, 'handler.succeeded', (e) => e.agent === 'evil', 'the attack run to end', 60_000);

    // Alive and delivering: another agent's mail arrives within a deadline.
    o.drop('good', 'after.md', '---\nto: boss\nsubject: after the attack\n---\nstill here\n');
    await waitFor(
      () => o.ls('workspaces', 'boss', 'inbox').find((n) => n.endsWith('-after-the-attack.md')),
      'good -> boss after the attack',
      15_000,
    );
    expect(o.daemon!.exitCode).toBeNull();

    // Nothing of the org moved or changed.
    expect(guarded(root)).toBe(before);
    expect(fs.readFileSync(o.p('.mailroom', 'secrets', 'OTHER_TOKEN'), 'utf8')).toBe(SECRET);
    // The secret is nowhere a handler or agent can read (workspaces), nor among kept attachments.
    for (const dir of [o.p('workspaces'), o.p('bus', 'attachments')]) {
      const leaks = allFiles(dir)
        .filter((f) => f.text.includes(SECRET))
        .map((f) => f.file);
      expect(leaks).toEqual([]);
    }
    // The attack was really performed: messages with attachments were taken, and some were refused.
    const accepted = eventsOf(o, 'message.accepted').filter((e) => e.from === 'evil' && e.attachments?.length);
    const rejected = eventsOf(o, 'message.rejected').filter((e) => e.from === 'evil');
    expect(accepted.length + rejected.length).toBeGreaterThanOrEqual(13);
    expect(rejected.find((e) => e.origin === 'fifo.md')?.reason).toMatch(/docs\/pipe/);
    expect(accepted.length, 'some attachments were taken while the links flipped (the race was on)').toBeGreaterThan(0);
    // One kept copy, hard-linked read-only into the recipient's inbox (when delivered through a real folder).
    for (const e of accepted.filter((x) => x.to.includes('mule'))) {
      const kept = o.p('bus', 'attachments', e.id, 'big0');
      const inbox = o.p('workspaces', 'mule', 'inbox', 'attachments', e.id, 'big0');
      expect(fs.statSync(kept).mode & 0o222, 'read-only').toBe(0);
      expect(fs.statSync(inbox).ino).toBe(fs.statSync(kept).ino);
    }
  }, 90_000);
});
