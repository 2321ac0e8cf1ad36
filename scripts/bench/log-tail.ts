/** The event log, read incrementally: accepted, delivered and rejected events by message. */
import fs from 'node:fs';
import path from 'node:path';
import { POLL_MS, sleep } from './common.js';

interface Seen {
  subject?: string;
  acceptedAt?: number;
  delivered: number[]; // times of message.delivered events
}

export class LogTail {
  private readonly offsets = new Map<string, number>();
  private partial = new Map<string, string>();
  readonly byId = new Map<string, Seen>();
  readonly bySubject = new Map<string, string>(); // subject -> id
  rejected: Array<Record<string, unknown>> = [];

  constructor(private readonly dir: string) {}

  private seen(id: string): Seen {
    let s = this.byId.get(id);
    if (!s) this.byId.set(id, (s = { delivered: [] }));
    return s;
  }

  /** Read whatever was appended since the last poll. */
  poll(): void {
    let names: string[];
    try {
      names = fs
        .readdirSync(this.dir)
        .filter((n) => /^\d{6}\.jsonl$/.test(n))
        .sort();
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(this.dir, name);
      const from = this.offsets.get(name) ?? 0;
      const size = fs.statSync(file).size;
      if (size <= from) continue;
      const fd = fs.openSync(file, 'r');
      const buf = Buffer.alloc(size - from);
      let got = 0;
      try {
        while (got < buf.length) {
          const n = fs.readSync(fd, buf, got, buf.length - got, from + got);
          if (n === 0) break;
          got += n;
        }
      } finally {
        fs.closeSync(fd);
      }
      this.offsets.set(name, from + got);
      const text = (this.partial.get(name) ?? '') + buf.subarray(0, got).toString('utf8');
      const lines = text.split('\n');
      this.partial.set(name, lines.pop()!);
      for (const line of lines) {
        if (!line) continue;
        let e: Record<string, any>;
        try {
          e = JSON.parse(line);
        } catch {
          continue;
        }
        if (e.type === 'message.accepted') {
          const s = this.seen(e.id);
          s.subject = e.subject;
          s.acceptedAt = Date.parse(e.time);
          if (typeof e.subject === 'string') this.bySubject.set(e.subject, e.id);
        } else if (e.type === 'message.delivered') {
          this.seen(e.id).delivered.push(Date.parse(e.time));
        } else if (e.type === 'message.rejected') {
          this.rejected.push(e);
        }
      }
    }
  }

  /** Delivery times of the given subjects (undefined where not delivered yet). */
  acceptedAt(subject: string): number | undefined {
    const id = this.bySubject.get(subject);
    return id ? this.byId.get(id)?.acceptedAt : undefined;
  }

  deliveredAt(subject: string): number[] | undefined {
    const id = this.bySubject.get(subject);
    const s = id ? this.byId.get(id) : undefined;
    return s?.delivered.length ? s.delivered : undefined;
  }
}

/** Poll every POLL_MS until every subject has a delivered event or the deadline passes. */
export async function waitDelivered(tail: LogTail, subjects: string[], deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  let missing = subjects;
  for (;;) {
    tail.poll();
    missing = missing.filter((s) => !tail.deliveredAt(s));
    if (missing.length === 0) return true;
    if (Date.now() > until) return false;
    await sleep(POLL_MS);
  }
}
