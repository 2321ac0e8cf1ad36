/**
 * When to rebuild the page's model. Watchers (fs.watch: inotify, one per folder) on
 * bus/events/, bus/held/, bus/deadletter/, the root (mailroom.yaml) and every agent's inbox and
 * outbox are hints; a poll every `pollMs` covers whatever they miss (a folder created later, a
 * lost event), as in the daemon. Rebuilds are throttled: at most one at a time, and after a
 * rebuild that took t ms the next waits at least max(minGapMs, 2t), so a busy org costs the
 * server at most about a third of one core.
 */
import fs from 'node:fs';
import type { Layout } from '../../workspaces/layout.js';
import { heldDir } from './read.js';

export interface ChangeOptions {
  pollMs: number;
  minGapMs: number;
}

export class Changes {
  private watchers = new Map<string, fs.FSWatcher>();
  private timer: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout;
  private nextAllowed = 0;
  private closed = false;

  constructor(
    private readonly layout: Layout,
    private readonly agents: () => string[],
    private readonly rebuild: () => void,
    private readonly options: ChangeOptions,
  ) {
    this.poll = setInterval(() => {
      this.watchAll();
      this.hint();
    }, options.pollMs);
    this.poll.unref();
    this.watchAll();
  }

  private dirs(): string[] {
    const l = this.layout;
    return [l.root, l.events, l.deadletter, heldDir(l), ...this.agents().flatMap((a) => [l.inbox(a), l.outbox(a)])];
  }

  /** Watch folders not watched yet (new agents, bus/held/ once it exists). */
  private watchAll(): void {
    for (const dir of this.dirs()) {
      if (this.watchers.has(dir) || this.closed) continue;
      try {
        const w = fs.watch(dir, { persistent: false }, () => this.hint());
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch {
        /* missing or out of watches: the poll covers it */
      }
    }
  }

  /** Something may have changed: rebuild soon (coalesced and throttled; the rebuild is synchronous). */
  hint(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, this.nextAllowed - Date.now()));
  }

  private fire(): void {
    this.timer = null;
    const started = Date.now();
    try {
      this.rebuild();
    } finally {
      this.nextAllowed = Date.now() + Math.max(this.options.minGapMs, 2 * (Date.now() - started));
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.poll);
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
