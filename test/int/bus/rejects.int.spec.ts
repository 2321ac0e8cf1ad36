/**
 * Bad input gets a clear error and loses nothing (issue: the bus, item 6): for each kind of
 * bad file, the daemon keeps running, the original is kept in bus/deadletter/ beside a
 * .reason.md that says what is wrong and how to fix it, the sender gets a bounce, and the log
 * has a message.rejected event. Plus: ignored names are left alone, and a slow writer's file
 * is taken only when complete, once. One daemon serves the whole file.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOrg, message, type Org } from '../../support/org.js';
import { CLI } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';

let org: Org;
const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-outside-'));
const IGNORED = ['.#draft.md', 'draft.md~', '.draft.md.swp', 'draft.tmp', '.hidden.md'];

beforeAll(async () => {
  org = makeOrg(['maya', 'oliver', 'legal'], 'scan_interval: 300ms\n');
  // Present before the start-up scan, so both the scan and the watcher had their chance.
  for (const n of IGNORED)
    fs.writeFileSync(path.join(org.outbox('maya'), n), message({ to: 'legal', subject: `ignored ${n}` }));
  await org.start();
});

afterAll(async () => {
  fs.rmSync(outside, { recursive: true, force: true });
});

function alive(): void {
  expect(org.daemon?.exitCode, `the daemon exited; its stderr:\n${org.stderr}`).toBeNull();
}

/** Wait for the rejection of `name` from `sender`, then check everything a rejection promises. */
async function expectRejected(sender: string, name: string, reason: RegExp): Promise<Record<string, any>> {
  const e = await waitFor(
    () => org.events().find((x) => x.type === 'message.rejected' && x.origin === name && x.from === sender),
    `the rejection of ${name}`,
  );
  expect(e.reason).toMatch(reason);
  expect(e.fix.length).toBeGreaterThan(10);
  const kept = `${e.id}-${name.replace(/^\.+/, '_')}`;
  expect(e.kept).toBe(`bus/deadletter/${kept}`);
  await waitFor(() => org.ls('bus', 'deadletter').includes(`${kept}.reason.md`), `${kept}.reason.md`);
  expect(fs.lstatSync(org.p('bus', 'deadletter', kept))).toBeTruthy();
  const why = org.read('bus', 'deadletter', `${kept}.reason.md`);
  expect(why).toContain(`- what: ${e.reason}`);
  expect(why).toContain(`- fix: ${e.fix}`);
  const bounce = await waitFor(
    () => org.ls('workspaces', sender, 'inbox').find((n) => n.includes(e.bounce)),
    `the bounce to ${sender}`,
  );
  const text = org.read('workspaces', sender, 'inbox', bounce);
  expect(text).toMatch(/^---\nid: [0-9a-z]{12}\nfrom: mailroom\n/);
  expect(text).toContain(`Bounced: ${name}`);
  expect(text).toContain(e.reason);
  expect(org.ls('workspaces', sender, 'outbox')).not.toContain(name);
  alive();
  return e;
}

describe('bad input is kept, explained and bounced; the daemon goes on', () => {
  it.each([
    ['no front matter', 'plain.md', 'Just some text.\n', /no front matter/],
    ['invalid YAML', 'yaml.md', '---\nto: [legal\nsubject: x\n---\nbody\n', /not valid YAML/],
    ['an empty file', 'empty.md', '', /empty/],
    ['binary content', 'binary.md', Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0x00, 0x01, 0x02, 0xff]), /NUL bytes|binary/],
    [
      'non-UTF-8 text',
      'latin1.md',
      Buffer.concat([Buffer.from('---\nto: legal\n---\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])]),
      /not valid UTF-8/,
    ],
    [
      'more than 1 MiB',
      'huge.md',
      `---\nto: legal\n---\n${'x'.repeat(1_048_576)}`,
      /over the limit of 1048576 bytes \(max_message_bytes\)/,
    ],
    [
      'priority urgent',
      'urgent.md',
      message({ to: 'legal', priority: 'urgent' }),
      /unknown priority "urgent"; allowed values: critical, high, normal, low/,
    ],
    ['priority P1', 'p1.md', message({ to: 'legal', priority: 'P1' }), /unknown priority "P1"/],
    ['an unknown recipient', 'stranger.md', message({ to: 'lawyer' }), /"lawyer" is not an agent or group/],
    ['a path in to:', 'path.md', message({ to: '../legal' }), /path characters/],
    [
      '---js front matter',
      'js.md',
      `---js\n{ to: (require('fs').writeFileSync(${JSON.stringify(path.join(outside, 'pwned'))}, 'x'), 'legal') }\n---\nbody\n`,
      /never evaluates code/,
    ],
  ])('%s', async (_what, name, content, reason) => {
    org.drop('maya', name, content);
    await expectRejected('maya', name, reason);
    if (name === 'js.md') expect(fs.existsSync(path.join(outside, 'pwned'))).toBe(false);
    if (name === 'binary.md' || name === 'latin1.md') {
      // Byte for byte.
      const e = org.events().find((x) => x.type === 'message.rejected' && x.origin === name)!;
      expect(fs.readFileSync(org.p(e.kept))).toEqual(Buffer.from(content as Buffer));
    }
  });

  it('a symbolic link is kept as a link, never followed or read through', async () => {
    const target = path.join(outside, 'secret.md');
    fs.writeFileSync(target, message({ to: 'legal', subject: 'LEAKED-SECRET' }));
    fs.symlinkSync(target, path.join(org.outbox('maya'), 'link.md'));
    const e = await expectRejected('maya', 'link.md', /symbolic link.*never follows/);
    expect(fs.lstatSync(org.p(e.kept)).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target, 'utf8')).toContain('LEAKED-SECRET'); // the target is untouched
    for (const a of ['legal', 'oliver'])
      for (const n of org.ls('workspaces', a, 'inbox'))
        expect(org.read('workspaces', a, 'inbox', n)).not.toContain('LEAKED-SECRET');
    expect(org.events().some((x) => x.type === 'message.accepted' && String(x.text).includes('LEAKED-SECRET'))).toBe(
      false,
    );
  });

  it('a directory is kept whole', async () => {
    const made = path.join(org.tmp, 'folder.md');
    fs.mkdirSync(made);
    fs.writeFileSync(path.join(made, 'inside.txt'), 'kept');
    fs.renameSync(made, path.join(org.outbox('maya'), 'folder.md'));
    const e = await expectRejected('maya', 'folder.md', /a directory/);
    expect(fs.readFileSync(org.p(e.kept, 'inside.txt'), 'utf8')).toBe('kept');
  });

  it('a fifo does not hang the daemon: it is kept, and the next message still arrives', async () => {
    const r = spawnSync('mkfifo', [path.join(org.outbox('oliver'), 'pipe.md')]);
    expect(r.status).toBe(0);
    const e = await expectRejected('oliver', 'pipe.md', /named pipe \(fifo\)/);
    expect(fs.lstatSync(org.p(e.kept)).isFIFO()).toBe(true);
    org.drop('oliver', 'after-fifo.md', message({ to: 'legal', subject: 'after the fifo' }));
    await waitFor(
      () => org.ls('workspaces', 'legal', 'inbox').some((n) => n.endsWith('-after-the-fifo.md')),
      'the message after the fifo',
    );
  });

  it('a forged from: is refused', async () => {
    org.drop('oliver', 'forged.md', message({ from: 'legal', to: 'maya' }));
    await expectRejected('oliver', 'forged.md', /from: says "legal" but the file was in oliver's outbox/);
  });
});

describe('awkward file names', () => {
  it('a 252-byte name is rejected and kept under a name that fits; a newline in a name is delivered', async () => {
    const long = 'ü'.repeat(126);
    fs.writeFileSync(path.join(org.outbox('oliver'), '.long.tmp'), message({ to: 'legal', priority: 'P1' }));
    fs.renameSync(path.join(org.outbox('oliver'), '.long.tmp'), path.join(org.outbox('oliver'), long));
    const e = await waitFor(
      () => org.events().find((x) => x.type === 'message.rejected' && x.origin === long),
      'the rejection of the long name',
    );
    await waitFor(() => fs.existsSync(org.p(`${e.kept}.reason.md`)), 'the kept file and its reason');
    expect(fs.existsSync(org.p(e.kept))).toBe(true);
    expect(org.stderr).not.toMatch(/ENAMETOOLONG/);
    await waitFor(() => org.ls('workspaces', 'oliver', 'inbox').some((n) => n.includes(e.bounce)), 'the bounce');
    org.drop('oliver', 'new\nline.md', message({ to: 'legal', subject: 'newline name' }));
    await waitFor(
      () => org.ls('workspaces', 'legal', 'inbox').some((n) => n.endsWith('-newline-name.md')),
      'the newline-named message',
    );
    alive();
  });
});

describe('what is not mail', () => {
  it('dotfiles and editor temp files are left alone and never logged', async () => {
    org.drop('maya', 'sentinel.md', message({ to: 'legal', subject: 'sentinel' }));
    await waitFor(() => org.ls('workspaces', 'legal', 'inbox').some((n) => n.endsWith('-sentinel.md')), 'the sentinel');
    const all = fs.readdirSync(org.outbox('maya'));
    for (const n of IGNORED) expect(all).toContain(n);
    const mentioned = org
      .events()
      .filter((e) => IGNORED.some((n) => e.origin === n || String(e.text ?? '').includes(`ignored ${n}`)));
    expect(mentioned).toEqual([]);
  });
});

describe('a file still being written', () => {
  it('is taken only when complete, exactly once', async () => {
    const file = path.join(org.outbox('oliver'), 'slow.md');
    const head = '---\nto: legal\nsubject: slow writer\n---\nfirst half\n';
    const tail = 'second half, written 1.5 s later\n';
    const script = `
      const fs = require('fs');
      const fd = fs.openSync(${JSON.stringify(file)}, 'w');
      fs.writeSync(fd, ${JSON.stringify(head)});
      process.stdout.write('half\\n');
      setTimeout(() => { fs.writeSync(fd, ${JSON.stringify(tail)}); fs.closeSync(fd); process.stdout.write('done\\n'); }, 1500);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    await waitFor(() => out.includes('half'), 'the writer to write the first half');
    const exited = new Promise((r) => child.once('exit', r));
    await exited;
    expect(out).toContain('done');
    const name = await waitFor(
      () => org.ls('workspaces', 'legal', 'inbox').find((n) => n.endsWith('-slow-writer.md')),
      'the slow message',
    );
    expect(org.read('workspaces', 'legal', 'inbox', name)).toContain('first half\nsecond half, written 1.5 s later\n');
    const accepted = org.events().filter((e) => e.type === 'message.accepted' && e.origin === 'slow.md');
    expect(accepted).toHaveLength(1);
    expect(org.events().filter((e) => e.type === 'message.rejected' && e.origin === 'slow.md')).toEqual([]);
  });
});

// As root, permissions only bind once the capabilities that bypass them are dropped (setpriv);
// a root without CAP_SETPCAP cannot drop them, and cannot be shown an unreadable file at all.
const asRoot = process.getuid?.() === 0;
const canDrop = !asRoot || spawnSync('setpriv', ['--bounding-set=-dac_override,-dac_read_search', 'true']).status === 0;

describe('a file the daemon may not read', () => {
  it.skipIf(!canDrop)('is rejected as unreadable, kept and bounced, not retried forever', async () => {
    const own = makeOrg(['maya', 'legal']);
    // As root, drop the capabilities that bypass file permissions, so mode 000 means what it says.
    const argv = asRoot
      ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', process.execPath, CLI]
      : [process.execPath, CLI];
    const child = spawn(argv[0]!, [...argv.slice(1), 'start', '--root', own.root], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise((r) => child.once('exit', r));
    try {
      await waitFor(() => stderr.includes('watching '), 'the daemon');
      const tmp = path.join(own.tmp, 'locked.md');
      fs.writeFileSync(tmp, message({ to: 'legal', subject: 'locked' }));
      fs.chmodSync(tmp, 0o000);
      fs.renameSync(tmp, path.join(own.outbox('maya'), 'locked.md'));
      const e = await waitFor(
        () => own.events().find((x) => x.type === 'message.rejected' && x.origin === 'locked.md'),
        'the rejection',
      );
      expect(e.reason).toMatch(/cannot be read by the daemon \(EACCES: permission denied\)/);
      expect(e.fix).toMatch(/chmod u\+r/);
      await waitFor(() => own.ls('workspaces', 'maya', 'inbox').length === 1, 'the bounce');
      expect(own.ls('bus', 'spool')).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      await exited;
      await own.cleanup();
    }
  });
});
