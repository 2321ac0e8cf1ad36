/**
 * One daemon per org. After kill -9 the lock is stale (its pid is dead) and a new start takes
 * it at once, not after proper-lockfile's 30 s stale timeout. While a daemon lives, a second
 * start exits 1 naming its pid and changes nothing. A clean stop releases everything and exits,
 * also right after a burst of traffic.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeOrg, message, type Org } from '../../support/org.js';
import { mailroom } from '../../support/cli.js';
import { stopClean } from '../../support/daemon.js';
import { seqProblem, strictEvents, waitFor } from '../../support/events.js';
import { readMail } from '../../support/mail.js';

let org: Org | undefined;

const lockDir = (o: Org) => o.p('.mailroom', 'daemon.lock');
const pidFile = (o: Org) => o.p('.mailroom', 'daemon.pid');
const startFile = (o: Org) => o.p('.mailroom', 'daemon.start');

async function delivers(o: Org, from: string, to: string, marker: string): Promise<void> {
  o.drop(from, `${marker}.md`, message({ to, subject: marker }, `${marker}\n`));
  await waitFor(() => readMail(o, to).some((m) => m.text.includes(`${marker}\n`)), `${marker} delivered to ${to}`);
}

/** Field 22 of /proc/<pid>/stat: the process's start time. */
function startTime(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

describe('one daemon per org', () => {
  it('starts at once after kill -9: the stale lock is broken because its pid is dead', async () => {
    const o = (org = makeOrg());
    for (let round = 1; round <= 3; round++) {
      const child = await o.start();
      await delivers(o, 'maya', 'legal', `round-${round}`);
      expect(Number(fs.readFileSync(pidFile(o), 'utf8'))).toBe(child.pid);
      await o.kill9();
      // The dead daemon's lock and pid record are still there...
      expect(fs.existsSync(lockDir(o))).toBe(true);
      expect(Number(fs.readFileSync(pidFile(o), 'utf8'))).toBe(child.pid);
      expect(fs.existsSync(`/proc/${child.pid}`)).toBe(false);
      // ...and a new start takes over at once, and works (start() waits at most 15 s, below the 30 s stale timeout).
      const next = await o.start();
      expect(Number(fs.readFileSync(pidFile(o), 'utf8'))).toBe(next.pid);
      await delivers(o, 'oliver', 'maya', `after-kill-${round}`);
      await o.kill9();
    }
    await o.start();
    expect(await stopClean(o)).toBe(0);
    expect(fs.existsSync(lockDir(o))).toBe(false);
    expect(fs.existsSync(pidFile(o))).toBe(false);
    expect(seqProblem(strictEvents(o))).toBeNull();
  });

  it('refuses a second start while a daemon runs: exit 1, naming the pid, and the first daemon is untouched', async () => {
    const o = (org = makeOrg());
    const first = await o.start();
    const pidBefore = fs.readFileSync(pidFile(o), 'utf8');
    for (let i = 0; i < 3; i++) {
      const second = mailroom(['start', '--root', o.root]);
      expect(second.code, second.stderr).toBe(1);
      expect(second.stderr).toContain(`pid ${first.pid}`);
      expect(second.stderr).not.toContain('watching ');
    }
    // The running daemon still holds the lock and delivers.
    expect(fs.readFileSync(pidFile(o), 'utf8')).toBe(pidBefore);
    expect(first.exitCode).toBeNull();
    await delivers(o, 'maya', 'oliver', 'still-running');
    const started = strictEvents(o).filter((e) => e.type === 'daemon.started');
    expect(started.map((e) => e.pid)).toEqual([first.pid]);
    expect(await stopClean(o)).toBe(0);
    // Once it stopped, a start works again.
    await o.start();
    expect(await stopClean(o)).toBe(0);
  });

  it('breaks a lock whose recorded pid now belongs to another process (pid reuse), but not one whose process is that daemon', async () => {
    const o = (org = makeOrg());
    await o.start();
    await o.kill9();
    // The recorded pid is alive but is not the daemon that took the lock: its start time differs.
    fs.writeFileSync(pidFile(o), `${process.pid}\n`);
    fs.writeFileSync(startFile(o), `${Number(startTime(process.pid)) + 12345}\n`);
    await o.start();
    await delivers(o, 'maya', 'legal', 'after-reuse');
    await o.kill9();
    // The recorded pid is alive and its start time matches: that process holds the lock, refuse.
    fs.writeFileSync(pidFile(o), `${process.pid}\n`);
    fs.writeFileSync(startFile(o), `${startTime(process.pid)}\n`);
    const r = mailroom(['start', '--root', o.root]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`pid ${process.pid}`);
  });

  it('exits 0 promptly on SIGTERM right after a burst of traffic, releasing the lock', async () => {
    const o = (org = makeOrg());
    for (let round = 0; round < 3; round++) {
      await o.start();
      for (let i = 0; i < 60; i++)
        o.drop(
          i % 2 ? 'maya' : 'oliver',
          `burst-${round}-${i}.md`,
          message({ to: 'legal', subject: `burst ${round} ${i}` }, `burst-${round}-${i}\n`),
        );
      await waitFor(
        () => readMail(o, 'legal').filter((m) => m.text.includes(`burst-${round}-`)).length === 60,
        `burst ${round} delivered`,
      );
      // Stop while the watcher is still digesting the files that left the outboxes.
      expect(await stopClean(o, 10_000)).toBe(0);
      expect(fs.existsSync(lockDir(o))).toBe(false);
    }
    const events = strictEvents(o);
    expect(events.filter((e) => e.type === 'daemon.stopped')).toHaveLength(3);
    expect(seqProblem(events)).toBeNull();
  });
});
