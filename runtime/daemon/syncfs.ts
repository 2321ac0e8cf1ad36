/**
 * syncfs(2) for the org's filesystem, which Node does not expose: one long-lived `sh` started
 * while the daemon is small runs `sync -f <root>` for each request line and answers `ok` or
 * `fail`. Spawning `sync` straight from the daemon forks the whole daemon each time, which
 * stalled the event loop for tens of milliseconds per call once its heap had grown (measured
 * by `npm run bench`); forking a small shell costs next to nothing.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';

const LOOP = 'while read -r _; do if sync -f "$1" 2>&1 >&2; then echo ok; else echo fail; fi; done';

export class SyncFs {
  private child: ChildProcessByStdio<Writable, Readable, null> | null = null;
  private readonly waiting: Array<(err: Error | null) => void> = [];

  constructor(private readonly root: string) {}

  /** Start the helper now, while the daemon's memory is small (forking later costs more). */
  start(): void {
    if (this.child) return;
    const child = spawn('sh', ['-c', LOOP, 'mailroom-syncfs', this.root], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child = child;
    child.stdin.on('error', () => {}); // a dead helper is reported by 'exit'
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      this.waiting.shift()?.(
        line === 'ok' ? null : new Error(`sync -f ${this.root} failed (its message is on stderr above)`),
      );
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      const err = new Error(`the syncfs helper (sh, pid ${child.pid}) exited (${signal ?? `code ${code}`})`);
      for (const w of this.waiting.splice(0)) w(err);
    });
    child.on('error', (err) => {
      if (this.child === child) this.child = null;
      for (const w of this.waiting.splice(0)) w(err);
    });
  }

  /** Resolves once everything written so far on the org's filesystem is on disk. */
  sync(): Promise<void> {
    this.start();
    const child = this.child!;
    return new Promise<void>((resolve, reject) => {
      this.waiting.push((err) => (err ? reject(err) : resolve()));
      child.stdin.write('sync\n');
    });
  }

  close(): void {
    const child = this.child;
    this.child = null;
    child?.stdin.end();
  }
}
