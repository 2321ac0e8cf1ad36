/**
 * `config set|apply|rollback` return when the change is in force: the running daemon has
 * logged `config.changed` for exactly the text written (by its sha256), so a `send` or a drop
 * right after it is routed by the new config. The log is followed from where it ended before
 * the file was written (only new bytes are read), polled every 20 ms up to a deadline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isBusEvent, type BusEvent } from '../../bus/events.js';
import { segments } from '../../bus/store/log.js';
import type { Layout } from '../../workspaces/layout.js';
import { runningDaemon } from '../daemon/lock.js';

/** New events of the log since it was opened (complete lines only). */
class LogTail {
  private segment: string | undefined;
  private offset: number;
  constructor(private readonly dir: string) {
    this.segment = segments(dir).at(-1);
    this.offset = this.segment ? fs.statSync(path.join(dir, this.segment)).size : 0;
  }

  read(): BusEvent[] {
    const out: BusEvent[] = [];
    for (const seg of segments(this.dir).filter((s) => this.segment === undefined || s >= this.segment)) {
      if (seg !== this.segment) {
        this.segment = seg;
        this.offset = 0;
      }
      const bytes = fs.readFileSync(path.join(this.dir, seg)).subarray(this.offset);
      const end = bytes.lastIndexOf(0x0a) + 1; // a line still being written is read next time
      for (const line of bytes.subarray(0, end).toString('utf8').split('\n')) {
        try {
          const e: unknown = line ? JSON.parse(line) : undefined;
          if (isBusEvent(e)) out.push(e);
        } catch {
          /* not an event: the daemon's own reader says so */
        }
      }
      this.offset += end;
    }
    return out;
  }
}

export type Applied =
  | { kind: 'applied'; pid: number; version: number }
  | { kind: 'refused'; pid: number; problems: string[] }
  | { kind: 'no daemon' }
  | { kind: 'daemon gone'; pid: number }
  | { kind: 'timeout'; pid: number; waitedMs: number };

/** Call before writing the config; `wait(sha)` after. */
export function followConfig(layout: Layout): { wait: (sha: string, deadlineMs: number) => Promise<Applied> } {
  const pid = runningDaemon(layout);
  const tail = pid === null ? null : new LogTail(layout.events);
  return {
    async wait(sha, deadlineMs) {
      if (pid === null || tail === null) return { kind: 'no daemon' };
      const started = Date.now();
      for (;;) {
        for (const e of tail.read()) {
          if (e.type === 'config.changed' && e.sha256 === sha) return { kind: 'applied', pid, version: e.version };
          if (e.type === 'config.refused' && e.sha256 === sha) return { kind: 'refused', pid, problems: e.problems };
        }
        if (runningDaemon(layout) !== pid) return { kind: 'daemon gone', pid };
        const waitedMs = Date.now() - started;
        if (waitedMs >= deadlineMs) return { kind: 'timeout', pid, waitedMs };
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
