/**
 * Repeating faults stay bounded and local (issue 10, item 4): a mailbox flipping between a
 * link and a folder raises one alert, not one per scan; a folder a handler made unreadable
 * (`chmod 000`) stops only itself. And item 5's output part: a subject full of control
 * characters neither drives the terminal nor forges a line in the daemon's log or the CLI.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { message, type Org } from '../../support/org.js';
import { orgFromYaml } from '../../support/org.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
  org = undefined;
});

const deliveredTo = (o: Org, to: string, subject: string) => {
  const ids = new Set(
    o
      .events()
      .filter((a) => a.type === 'message.accepted' && a.subject === subject && a.to.includes(to))
      .map((a) => a.id),
  );
  return o.events().some((e) => e.type === 'message.delivered' && ids.has(e.id));
};

describe('a mailbox flipping between a link and a folder', () => {
  it('raises one alert for the folder, not one per scan, while other mail flows', async () => {
    org = orgFromYaml('scan_interval: 100ms\nagents:\n  mallory: {}\n  maya: {}\n  legal: {}\n');
    const o = org;
    await o.start();
    const outbox = o.outbox('mallory');
    const deadline = Date.now() + 3000;
    let flips = 0;
    while (Date.now() < deadline) {
      fs.rmSync(outbox, { recursive: true, force: true });
      fs.symlinkSync(o.p('.mailroom'), outbox);
      await new Promise((r) => setTimeout(r, 30));
      fs.rmSync(outbox);
      fs.mkdirSync(outbox, { mode: 0o700 });
      await new Promise((r) => setTimeout(r, 30));
      flips++;
    }
    o.drop('maya', 'note.md', message({ to: 'legal', subject: 'meanwhile' }));
    await waitFor(() => deliveredTo(o, 'legal', 'meanwhile'), 'mail to legal');
    const alerts = o
      .events()
      .filter((e) => e.type === 'message.accepted' && /is not a real folder/.test(e.subject ?? ''));
    expect(flips).toBeGreaterThan(20);
    expect(alerts.length, `${alerts.length} alerts for ${flips} flips`).toBeGreaterThanOrEqual(1);
    expect(alerts.length).toBeLessThanOrEqual(1);
    expect(o.ls('.mailroom').length).toBeGreaterThan(0); // nothing moved out of it
  });
});

// As root, permissions only bind once the capabilities that bypass them are dropped (setpriv).
const asRoot = process.getuid?.() === 0;
const canDrop = !asRoot || spawnSync('setpriv', ['--bounding-set=-dac_override,-dac_read_search', 'true']).status === 0;
if (!canDrop)
  console.warn('resilience-scan: the unreadable-folder case is skipped: setpriv cannot drop CAP_DAC_OVERRIDE here');

describe('an agent folder a handler made unreadable', () => {
  it.skipIf(!canDrop)('stops only itself: the scan goes on for the rest of the org, said once', async () => {
    org = orgFromYaml('scan_interval: 100ms\nwatch: false\nagents:\n  mallory: {}\n  maya: {}\n  legal: {}\n');
    const o = org;
    const argv = asRoot
      ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', process.execPath, CLI]
      : [process.execPath, CLI];
    const child = spawn(argv[0]!, [...argv.slice(1), 'start', '--root', o.root], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    o.daemon = child;
    o.stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (o.stderr += d));
    o.exit = new Promise((r) => child.once('exit', r));
    await waitFor(() => o.stderr.includes('watching '), 'the daemon');
    fs.chmodSync(o.outbox('mallory'), 0o000);
    fs.chmodSync(o.p('workspaces', 'mallory'), 0o000);
    await new Promise((r) => setTimeout(r, 500)); // several scans over the locked folders
    o.drop('maya', 'note.md', message({ to: 'legal', subject: 'past the locked folder' }));
    await waitFor(() => deliveredTo(o, 'legal', 'past the locked folder'), 'mail to legal');
    expect(child.exitCode).toBe(null);
    const said = o.stderr.split('\n').filter((l) => l.includes('cannot list') && l.includes('mallory'));
    expect(said.length).toBeGreaterThanOrEqual(1);
    expect(said.length).toBeLessThanOrEqual(2); // its outbox, at most its inbox: once each, not per scan
    fs.chmodSync(o.p('workspaces', 'mallory'), 0o700);
    fs.chmodSync(o.outbox('mallory'), 0o700);
  });
});

describe('control characters in a subject', () => {
  it('are escaped in the daemon log, `log`, `status`, `show` headers; a piped `show` body is byte for byte', async () => {
    org = orgFromYaml('agents:\n  maya: {}\n  legal: {}\n');
    const o = org;
    await o.start();
    const subject = 'hi\\e[2J\\rfake\\nline\\a';
    o.drop('maya', 'evil\u001b[31m.md', `---\nto: legal\nsubject: "${subject}"\n---\nbody \u001b[2J kept\n`);
    const accepted = await waitFor(
      () => o.events().find((e) => e.type === 'message.accepted' && e.from === 'maya'),
      'the acceptance',
    );
    expect(accepted.subject).toBe('hi\u001b[2J\rfake\nline\u0007');
    await waitFor(() => o.stderr.includes('maya -> legal'), 'the log line');
    for (const [what, text] of [
      ['daemon log', o.stderr],
      ['log', mailroom(['log', '--root', o.root]).stdout],
      ['log --json', mailroom(['log', '--root', o.root, '--json']).stdout],
      ['status', mailroom(['status', '--root', o.root]).stdout],
    ] as const) {
      expect(text, what).not.toMatch(/[\u001b\r\u0007]/);
    }
    const line = o.stderr.split('\n').find((l) => l.includes('accepted ') && l.includes('maya -> legal'))!;
    expect(line).toContain('"hi\\e[2J\\rfake\\nline\\x07"');
    expect(o.stderr).not.toMatch(/^fake/m);
    const show = mailroom(['show', accepted.id, '--root', o.root]);
    const headers = show.stdout.slice(0, show.stdout.indexOf('\n\n'));
    expect(headers).toContain('maya -> legal');
    expect(headers).not.toMatch(/[\u001b\r\u0007]/);
    expect(show.stdout.endsWith('\nbody \u001b[2J kept\n')).toBe(true); // the text is the sender's data: byte for byte into a pipe
  });
});
