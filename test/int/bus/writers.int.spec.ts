/**
 * Any program can send (issue 11 item 1): nothing incomplete is taken, nothing complete is
 * rejected. Real writers that open a file more than once (vim saving twice, a program that
 * closes and reopens its output with truncation, `dd` once per chunk, `>>` appends with pauses)
 * each get their final version delivered once, complete, with no bounce: a file written in
 * place is taken only when closed and unchanged for `settle`. With `settle: 0` the check after
 * a take (what was read is what is there, nobody writes it) still keeps a reopened file out of
 * the dead letters. A rename is taken at once. Writers run in parallel across outboxes; one
 * daemon serves the file, a second one (settle: 0) its own test.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, message, type Org } from '../../support/org.js';
import { seeded } from '../../support/random.js';

const WRITERS = 8;
const AGENTS = [...Array.from({ length: WRITERS }, (_, i) => `w${i}`), 'sink'];
let org: Org;

beforeAll(async () => {
  org = makeOrg(AGENTS); // settle as by default: 1s
  await org.start();
});

/** Run a program to its end; resolves with its exit code and stderr. */
function run(cmd: string, args: string[], cwd?: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

async function ran(cmd: string, args: string[], cwd?: string): Promise<void> {
  const r = await run(cmd, args, cwd);
  expect(r.code, `${cmd} failed: ${r.stderr}`).toBe(0);
}

const accepted = (o: Org, from: string, origin: string) =>
  o.events().filter((e) => e.type === 'message.accepted' && e.from === from && e.origin === origin);
const rejectedFrom = (o: Org, senders: string[]) =>
  o.events().filter((e) => e.type === 'message.rejected' && senders.includes(e.from));

/** The one delivery of `origin` from `from`: accepted once, never rejected, its inbox copy holds `body` whole. */
async function deliveredOnce(o: Org, from: string, origin: string, body: string): Promise<void> {
  const e = await waitFor(() => accepted(o, from, origin)[0], `${origin} from ${from}`, 30_000);
  const copy = await waitFor(
    () => o.ls('workspaces', 'sink', 'inbox').find((n) => n.includes(e.id)),
    `the inbox copy of ${origin}`,
  );
  const text = o.read('workspaces', 'sink', 'inbox', copy);
  expect(text.endsWith(`---\n${body}`), `${origin} from ${from} arrived as:\n${text.slice(0, 400)}`).toBe(true);
  expect(accepted(o, from, origin)).toHaveLength(1);
}

/** A file's front matter and body; `head` is what a writer puts first. */
const head = (subject: string) => `---\nto: sink\nsubject: ${subject}\n---\n`;

describe('editors and programs that write a file more than once', () => {
  it('vim saving twice, within 100 ms and with a pause: the final version, once', async () => {
    const save = (dir: string, pause: number) => {
      const script = path.join(org.tmp, `vim-${pause}.vim`);
      const lines = (subject: string, body: string[]) =>
        `[${['---', 'to: sink', `subject: ${subject}`, '---', ...body].map((l) => `'${l}'`).join(', ')}]`;
      fs.writeFileSync(
        script,
        [
          `call setline(1, ${lines('draft', ['first draft'])})`,
          'write',
          `sleep ${pause}m`,
          '%delete',
          `call setline(1, ${lines(`vim final ${pause}`, ['the final version', 'of the message'])})`,
          'write',
          'qall!',
          '',
        ].join('\n'),
      );
      return ran('vim', ['-u', 'DEFAULTS', '-i', 'NONE', '-es', '-S', script, 'note.md'], dir);
    };
    await Promise.all([save(org.outbox('w0'), 50), save(org.outbox('w1'), 400)]);
    await deliveredOnce(org, 'w0', 'note.md', 'the final version\nof the message\n');
    await deliveredOnce(org, 'w1', 'note.md', 'the final version\nof the message\n');
    expect(rejectedFrom(org, ['w0', 'w1'])).toEqual([]);
  });

  it('close and reopen with truncation after 1-120 ms, 200 times: every message once, complete, nothing dead-lettered', async () => {
    const rng = seeded('reopen');
    const delays = Array.from({ length: 200 }, () => [rng.int(1, 120)]);
    const per = delays.length / WRITERS;
    await Promise.all(
      AGENTS.slice(0, WRITERS).map((a, w) =>
        ran(process.execPath, [
          '-e',
          REOPEN_WRITER,
          org.outbox(a),
          a,
          JSON.stringify(delays.slice(w * per, (w + 1) * per)),
        ]),
      ),
    );
    for (let w = 0; w < WRITERS; w++)
      for (let i = 0; i < per; i++) await deliveredOnce(org, `w${w}`, `r${i}.md`, finalBody(`w${w}`, i));
    expect(rejectedFrom(org, AGENTS)).toEqual([]);
  });

  it('dd once per 100 KB chunk with small pauses: 921 KB delivered complete', async () => {
    const rng = seeded('dd');
    const lines = Array.from(
      { length: Math.floor((921 * 1024 - 100) / 53) },
      (_, n) => `line ${String(n).padStart(6, '0')} ${'x'.repeat(40)}\n`,
    ); // 53 bytes each
    const text = head('dd chunks') + lines.join('');
    const src = path.join(org.tmp, 'dd-source.md');
    fs.writeFileSync(src, text);
    const chunks = Math.ceil(text.length / 102_400);
    const steps = Array.from(
      { length: chunks },
      (_, i) =>
        `dd if=${src} of=dd.md bs=100K count=1 skip=${i} seek=${i} conv=notrunc status=none && sleep 0.${String(rng.int(20, 150)).padStart(3, '0')}`,
    );
    await ran('bash', ['-ec', steps.join('\n')], org.outbox('w2'));
    await deliveredOnce(org, 'w2', 'dd.md', lines.join(''));
    expect(rejectedFrom(org, ['w2'])).toEqual([]);
  });

  it('>> appends with 20-500 ms pauses: delivered once, complete, no bounce', async () => {
    const rng = seeded('appends');
    const pieces = (a: string) => [
      '---\n',
      'to: sink\n',
      `subject: appended by ${a}\n`,
      '---\n',
      ...Array.from({ length: 5 }, (_, i) => `appended line ${i} by ${a}\n`),
    ];
    const writers = ['w3', 'w4', 'w5', 'w6'];
    const script = (a: string) =>
      pieces(a)
        .map(
          (p) =>
            `printf '%s\\n' ${JSON.stringify(p.replace(/\n$/, ''))} >> appended.md; sleep 0.${String(rng.int(20, 500)).padStart(3, '0')}`,
        )
        .join('\n');
    await Promise.all(writers.map((a) => ran('bash', ['-ec', script(a)], org.outbox(a))));
    for (const a of writers) await deliveredOnce(org, a, 'appended.md', pieces(a).slice(4).join(''));
    expect(rejectedFrom(org, writers)).toEqual([]);
    for (const a of writers) expect(org.ls('workspaces', a, 'inbox'), `a bounce to ${a}`).toEqual([]);
  });
});

describe('settle', () => {
  it('a rename is taken at once; a file written in place only after settle', async () => {
    const set = mailroom(['config', 'set', 'settle', '3s', '--root', org.root]);
    expect(set.code, set.stderr).toBe(0);
    const inPlace = path.join(org.outbox('w7'), 'in-place.md');
    fs.writeFileSync(inPlace, message({ to: 'sink', subject: 'written in place' }));
    const written = fs.statSync(inPlace).mtimeMs;
    org.drop('w7', 'renamed.md', message({ to: 'sink', subject: 'renamed in' }));
    await waitFor(() => accepted(org, 'w7', 'renamed.md')[0], 'the renamed file');
    expect(accepted(org, 'w7', 'in-place.md')).toEqual([]);
    expect(org.ls('workspaces', 'w7', 'outbox')).toContain('in-place.md');
    const late = await waitFor(() => accepted(org, 'w7', 'in-place.md')[0], 'the file written in place');
    expect(Date.parse(late.time) - written).toBeGreaterThanOrEqual(2_990);
  });
});

describe('settle: 0, the check after a take', () => {
  it('a file reopened while it was taken waits again in the spool: nothing dead-lettered, each final version once', async () => {
    const quick = makeOrg(['w0', 'w1', 'w2', 'w3', 'sink'], 'settle: 0s\n');
    await quick.start();
    const rng = seeded('settle-0');
    const writers = ['w0', 'w1', 'w2', 'w3'];
    const per = 15;
    const delays = () => Array.from({ length: per }, () => Array.from({ length: 6 }, () => rng.int(0, 40))); // 7 versions per file
    await Promise.all(
      writers.map((a) => ran(process.execPath, ['-e', REOPEN_WRITER, quick.outbox(a), a, JSON.stringify(delays())])),
    );
    for (const a of writers) {
      for (let i = 0; i < per; i++) {
        // A draft may have been taken (closed, and settle is 0) before a reopen: then it is a
        // message of its own, whole; the final version arrives once either way.
        await waitFor(
          () => accepted(quick, a, `r${i}.md`).some((e) => String(e.text).endsWith(finalBody(a, i))),
          `the final r${i}.md from ${a}`,
          30_000,
        );
        const texts = accepted(quick, a, `r${i}.md`).map((e) => String(e.text));
        expect(texts.filter((t) => t.endsWith(finalBody(a, i)))).toHaveLength(1);
        for (const t of texts)
          expect(
            t.endsWith(finalBody(a, i)) || /---\ndraft \d\n$/.test(t),
            `r${i}.md from ${a} arrived as:\n${t}`,
          ).toBe(true);
      }
    }
    expect(rejectedFrom(quick, writers)).toEqual([]);
    await waitFor(() => quick.ls('bus', 'spool').length === 0, 'an empty spool');
  });
});

const finalBody = (from: string, i: number) => `final ${from} r${i}\n${'y'.repeat(100 + i)}\n`;

/**
 * argv: outbox, sender, delays (JSON, one list per file): file r<i>.md is written as a draft,
 * closed, and after each of its delays reopened with truncation and written again; the last
 * version is the final one.
 */
const REOPEN_WRITER = `
const fs = require('fs');
const path = require('path');
const [dir, from, delays] = [process.argv[1], process.argv[2], JSON.parse(process.argv[3])];
const head = (i) => '---\\nto: sink\\nsubject: ' + from + ' r' + i + '\\n---\\n';
const write = (f, text) => { const fd = fs.openSync(f, 'w'); fs.writeSync(fd, text); fs.closeSync(fd); };
(async () => {
  for (let i = 0; i < delays.length; i++) {
    const f = path.join(dir, 'r' + i + '.md');
    for (let v = 0; v < delays[i].length; v++) {
      write(f, head(i) + 'draft ' + v + '\\n');
      await new Promise((r) => setTimeout(r, delays[i][v]));
    }
    write(f, head(i) + 'final ' + from + ' r' + i + '\\n' + 'y'.repeat(100 + i) + '\\n');
  }
})();
`;
