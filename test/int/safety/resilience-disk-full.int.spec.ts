/**
 * A full disk while the daemon runs (issue 10, item 4): the org lives on a small tmpfs, which
 * the test fills. The log write that fails part-way is cut back to its last whole line, nothing
 * of that batch is applied, taking mail pauses (said on stderr, found by doctor), and once
 * space is freed the next scan writes one operator alert, resumes, and delivers what waited.
 * Skipped with a message where a tmpfs cannot be mounted (not root, or no CAP_SYS_ADMIN).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { message, Org } from '../../support/org.js';

const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-tmpfs-'));
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mountPoint]).status === 0;
if (mounted) spawnSync('umount', [mountPoint]);
if (!mounted)
  console.warn(`resilience-disk-full: skipped: cannot mount a tmpfs at ${mountPoint} (needs root with CAP_SYS_ADMIN)`);

let org: Org | undefined;
afterEach(async () => {
  if (org?.daemon && org.daemon.exitCode === null) await org.kill9();
  spawnSync('umount', ['-l', mountPoint]);
  org = undefined;
});

/** Fill the filesystem of `dir` to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let size = chunk.length; size >= 1; size = Math.floor(size / 2)) {
    for (;;) {
      try {
        if (fs.writeSync(fd, chunk, 0, size) < size) break;
      } catch {
        break;
      }
    }
  }
  fs.closeSync(fd);
  return filler;
}

describe('a full disk', () => {
  it.skipIf(!mounted)(
    'cuts the log back to whole lines, pauses taking mail with a warning and a doctor finding, resumes and loses nothing',
    async () => {
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mountPoint]).status).toBe(0);
      const root = path.join(mountPoint, 'org');
      expect(mailroom(['init', root, '--agents', 'maya,legal']).code).toBe(0);
      fs.appendFileSync(path.join(root, 'mailroom.yaml'), 'scan_interval: 200ms\n');
      const o = (org = new Org(root, mountPoint));
      await o.start();
      o.drop('maya', 'before.md', message({ to: 'legal', subject: 'before' }));
      await waitFor(() => o.ls('workspaces', 'legal', 'inbox').length === 1, 'the first delivery');

      // The message is larger than the slack in the log's last page, so its line is written in part.
      const big = message({ to: 'legal', subject: 'during' }, `${'x'.repeat(60_000)}\n`);
      fs.writeFileSync(path.join(o.outbox('maya'), '.during.tmp'), big);
      const filler = fill(root);
      fs.renameSync(path.join(o.outbox('maya'), '.during.tmp'), path.join(o.outbox('maya'), 'during.md'));
      await waitFor(() => /taking new mail is PAUSED/.test(o.stderr), 'the pause warning');

      // The log holds whole lines only, and nothing of the failed batch.
      const text = fs
        .readdirSync(o.p('bus', 'events'))
        .map((f) => o.read('bus', 'events', f))
        .join('');
      expect(text.endsWith('\n')).toBe(true);
      for (const line of text.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
      expect(o.events().some((e) => e.subject === 'during')).toBe(false);
      expect(mailroom(['log', '--root', root]).code).toBe(0);
      const doctor = mailroom(['doctor', '--root', root, '--json']);
      expect(doctor.code, doctor.stdout + doctor.stderr).toBe(1);
      expect(JSON.parse(doctor.stdout).findings).toContainEqual(
        expect.objectContaining({ ok: false, check: 'disk space' }),
      );

      fs.rmSync(filler);
      await waitFor(
        () =>
          o
            .events()
            .some(
              (e) => e.type === 'message.delivered' && o.events().some((a) => a.id === e.id && a.subject === 'during'),
            ),
        'the delivery of what waited',
        20_000,
      );
      expect(o.daemon!.exitCode).toBe(null);
      const seqs = o.events().map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      expect(o.events().filter((e) => e.type === 'message.accepted' && e.subject === 'during')).toHaveLength(1);
      const alerts = o
        .events()
        .filter((e) => e.type === 'message.accepted' && /event log could not be written/.test(e.subject ?? ''));
      expect(alerts).toHaveLength(1);
      expect(fs.existsSync(o.p('.mailroom', 'log-paused'))).toBe(false);
      o.drop('maya', 'after.md', message({ to: 'legal', subject: 'after' }));
      await waitFor(() => o.ls('workspaces', 'legal', 'inbox').length === 3, 'mail flows again');
    },
  );
});
