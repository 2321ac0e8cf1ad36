/**
 * Nothing a handler does to its own workspace kills, hangs or splits the daemon (issue 10,
 * item 4). Each case plants what a hostile handler can make of a path the daemon uses (its
 * TMPDIR a fifo, a done/ name a folder, a mailbox a link), then asserts what a user cares
 * about: the daemon stays up (and starts again), other agents' mail is delivered within a
 * deadline, the failing run fails with its reason instead of holding its lane.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { message, type Org } from '../../support/org.js';
import { eventsOf } from '../../support/events.js';
import { orgFromYaml } from '../../support/org.js';
import { alive } from '../../support/processes.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
  org = undefined;
});

const delivered = (o: Org, to: string, subject: string) =>
  o
    .events()
    .some(
      (e) =>
        e.type === 'message.delivered' &&
        o
          .events()
          .some((a) => a.type === 'message.accepted' && a.id === e.id && a.subject === subject && a.to.includes(to)),
    );

function seqsUnique(o: Org): void {
  const seqs = o.events().map((e) => e.seq as number);
  expect(new Set(seqs).size, 'no sequence number twice (one writer)').toBe(seqs.length);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
}

describe('a handler that breaks the paths the daemon uses in its workspace', () => {
  it('its TMPDIR turned into a fifo: the run fails with the reason, the lane is freed, other mail flows, restarts work', async () => {
    org = orgFromYaml(
      'sandbox: none\nscan_interval: 200ms\nagents:\n  bot: { command: "cat >/dev/null", lane: one, max_attempts: 1 }\n  maya: {}\n  legal: {}\nlanes:\n  one: { concurrency: 1 }\n',
    );
    const o = org;
    fs.rmSync(o.p('workspaces', 'bot', '.tmp'), { recursive: true, force: true });
    fs.mkdirSync(o.p('workspaces', 'bot'), { recursive: true });
    execFileSync('mkfifo', [o.p('workspaces', 'bot', '.tmp')]);
    await o.start();
    o.drop('maya', 'job.md', message({ to: 'bot', subject: 'job one' }));
    const failed = await waitFor(() => eventsOf(o, 'handler.failed', 'bot')[0], 'the failed run');
    expect(failed.reason).toMatch(/workspaces\/bot\/\.tmp .*is a fifo; remove it/);
    o.drop('maya', 'note.md', message({ to: 'legal', subject: 'still flowing' }));
    await waitFor(() => delivered(o, 'legal', 'still flowing'), 'mail to legal while bot is broken');
    expect(alive(o.daemon!.pid!)).toBe(true);

    // Every restart used to die on the same run; now it starts, and once the fifo is gone bot's lane runs again.
    expect(await o.stop()).toBe(0);
    await o.start();
    fs.rmSync(o.p('workspaces', 'bot', '.tmp'));
    o.drop('maya', 'job2.md', message({ to: 'bot', subject: 'job two' }));
    await waitFor(
      () => eventsOf(o, 'handler.succeeded', 'bot').length === 1,
      'the next run in the same lane (no phantom run holds it)',
    );
    seqsUnique(o);
  });

  it('a done/ name made a folder before the move: the daemon warns, keeps running and starts again', async () => {
    org = orgFromYaml(
      'sandbox: none\nscan_interval: 200ms\nagents:\n  bot: { command: "mkdir -p \\"done/$(basename \\"$MAILROOM_MESSAGE\\")/x\\"" }\n  maya: {}\n  legal: {}\n',
    );
    const o = org;
    await o.start();
    o.drop('maya', 'job.md', message({ to: 'bot', subject: 'trap' }));
    await waitFor(() => eventsOf(o, 'handler.succeeded', 'bot').length === 1, 'the run');
    await waitFor(() => /not moving|after a handler run/.test(o.stderr), 'the warning about done/');
    await o.kill9(); // the file is still in the inbox: the next start completes the move, which fails again
    await o.start();
    o.drop('maya', 'note.md', message({ to: 'legal', subject: 'after restart' }));
    await waitFor(() => delivered(o, 'legal', 'after restart'), 'mail to legal after the restart');
    expect(o.stderr).toMatch(/at start-up, moving bot's .* to done\//);
  });

  it('mailboxes made links (a loop, a link to another folder): the next start still starts and delivers', async () => {
    org = orgFromYaml('sandbox: none\nscan_interval: 200ms\nagents:\n  bot: {}\n  eve: {}\n  maya: {}\n  legal: {}\n');
    const o = org;
    for (const a of ['bot', 'eve', 'legal']) fs.mkdirSync(o.inbox(a), { recursive: true, mode: 0o700 });
    const inbox = o.inbox('bot');
    fs.rmSync(inbox, { recursive: true });
    fs.symlinkSync('inbox', inbox); // ELOOP
    fs.rmSync(o.inbox('eve'), { recursive: true });
    fs.mkdirSync(path.join(o.tmp, 'elsewhere'));
    fs.writeFileSync(path.join(o.tmp, 'elsewhere', 'notes.md'), 'x');
    fs.symlinkSync(path.join(o.tmp, 'elsewhere'), o.inbox('eve'));
    fs.symlinkSync('/etc/passwd', path.join(o.inbox('legal'), 'planted.md'));
    await o.start();
    o.drop('maya', 'note.md', message({ to: 'legal', subject: 'links are no reason' }));
    await waitFor(() => delivered(o, 'legal', 'links are no reason'), 'delivery to legal');
    seqsUnique(o);
  });
});

describe('a start that fails after taking the lock', () => {
  it('exits at once (no watcher or timer keeps it delivering); a second daemon is then the only writer', async () => {
    org = orgFromYaml('scan_interval: 200ms\nagents:\n  maya: {}\n  legal: {}\n');
    const o = org;
    fs.rmSync(o.p('bus', 'staging'), { recursive: true, force: true });
    fs.writeFileSync(o.p('bus', 'staging'), 'a file where a folder belongs\n'); // start cannot make its folders
    const first = spawn(process.execPath, [CLI, 'start', '--root', o.root], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    first.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => first.once('exit', resolve));
    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(/EEXIST: file already exists, mkdir .*bus\/staging/);
    expect(alive(first.pid!)).toBe(false);

    fs.rmSync(o.p('bus', 'staging'));
    fs.mkdirSync(o.p('bus', 'staging'), { mode: 0o700 });
    await o.start();
    for (let i = 0; i < 5; i++) o.drop('maya', `m${i}.md`, message({ to: 'legal', subject: `one writer ${i}` }));
    await waitFor(() => [0, 1, 2, 3, 4].every((i) => delivered(o, 'legal', `one writer ${i}`)), 'five deliveries');
    seqsUnique(o);
    expect(eventsOf(o, 'daemon.started').map((e) => e.pid)).toEqual([o.daemon!.pid]);
  });
});
