/** The raw limit: the daemon's file operations for the same messages in a bare synchronous loop. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { AGENTS, body, draft, recipientOf, senderOf } from './common.js';

export const RAW_N = 10_000;
export const RAW_SYNC_EVERY = 100;

export function rawLoop(dir: string): { msgsPerS: number; ms: number } {
  const spool = path.join(dir, 'spool');
  const staging = path.join(dir, 'staging');
  fs.mkdirSync(spool, { recursive: true });
  fs.mkdirSync(staging, { recursive: true });
  for (const a of AGENTS)
    for (const box of ['outbox', 'inbox', 'sent']) fs.mkdirSync(path.join(dir, a, box), { recursive: true });
  // The same kind of files: the drafts agents drop, and the stamped text the daemon copies.
  const items = Array.from({ length: RAW_N }, (_, i) => {
    const from = senderOf(i);
    const to = recipientOf(i);
    const id = `raw${String(i).padStart(9, '0')}`;
    const subject = `bench raw ${i}`;
    const sent = new Date().toISOString();
    const text = `---\nid: ${id}\nfrom: ${from}\nto: ${to}\npriority: normal\nsubject: ${subject}\nthread: ${id}\nhops: 0\nsent: ${sent}\n---\n${body(i)}`;
    const outboxFile = path.join(dir, from, 'outbox', `m${i}.md`);
    fs.writeFileSync(outboxFile, draft(to, subject, i));
    return {
      from,
      to,
      id,
      subject,
      text,
      outboxFile,
      spoolFile: path.join(spool, `${id}.${from}.md`),
      stagingFile: path.join(staging, `${id}.${to}`),
      inboxFile: path.join(dir, to, 'inbox', `3-normal-${sent.replace(/[-:]/g, '')}-${id}-bench-raw-${i}.md`),
      sentFile: path.join(dir, from, 'sent', `3-normal-${id}.md`),
    };
  });
  spawnSync('sync', ['-f', dir]); // the set-up's writes are not the loop's
  const log = fs.openSync(path.join(dir, 'events.jsonl'), 'a', 0o600);
  const t0 = performance.now();
  for (let i = 0; i < items.length; i++) {
    const m = items[i]!;
    fs.renameSync(m.outboxFile, m.spoolFile);
    const line =
      JSON.stringify({
        seq: i + 1,
        time: new Date().toISOString(),
        type: 'message.accepted',
        id: m.id,
        from: m.from,
        to: [m.to],
        priority: 'normal',
        subject: m.subject,
        kind: 'message',
        thread: m.id,
        hops: 0,
        source: 'outbox',
        text: m.text,
      }) + '\n';
    fs.writeSync(log, line);
    fs.writeFileSync(m.stagingFile, m.text, { flag: 'wx' });
    fs.linkSync(m.stagingFile, m.inboxFile);
    fs.writeFileSync(m.sentFile, m.text);
    fs.unlinkSync(m.stagingFile);
    fs.unlinkSync(m.spoolFile);
    if ((i + 1) % RAW_SYNC_EVERY === 0 || i === items.length - 1) fs.fdatasyncSync(log);
  }
  const ms = performance.now() - t0;
  fs.closeSync(log);
  spawnSync('sync', ['-f', dir]); // its writeback is not the daemon's either
  return { msgsPerS: RAW_N / (ms / 1000), ms };
}
