/**
 * Wake-ups. chokidar is an optimisation: it tells the dispatcher early that a path may have
 * changed. The source of truth is the reconciliation scan (fast-glob over every watched
 * directory) at start-up, every `scan_interval`, and after any watcher error. An inotify
 * overflow is silent, so nothing may depend on an event arriving, or arriving once, or in order.
 */
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import fg from 'fast-glob';
import { isIgnoredName } from '../bus/names.js';

export interface WatchOptions {
  dirs: string[];
  /** Single files to watch (mailroom.yaml). */
  files?: string[];
  onPath: (file: string) => void;
  onError: (err: Error) => void;
}

export class Wakeups {
  private watcher: FSWatcher | null = null;
  /** Set when the watcher failed for good (e.g. ENOSPC: out of inotify watches): scans only. */
  scanOnly: string | null = null;

  constructor(private readonly opts: WatchOptions) {}

  async start(): Promise<void> {
    // depth 0, one inotify watch per directory: 1,000 agents stay far below the default limit.
    const w = watch([...this.opts.dirs, ...(this.opts.files ?? [])], {
      depth: 0,
      ignoreInitial: true,
      persistent: true,
      followSymlinks: false,
      atomic: false,
      awaitWriteFinish: false,
      ignored: (p: string) => isIgnoredName(path.basename(p)),
    });
    this.watcher = w;
    const hint = (p: string) => this.opts.onPath(path.resolve(p));
    w.on('add', hint).on('change', hint).on('addDir', hint);
    w.on('error', (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      if ((e as NodeJS.ErrnoException).code === 'ENOSPC') {
        this.scanOnly = 'out of inotify watches (ENOSPC): raise /proc/sys/fs/inotify/max_user_watches, e.g. `sysctl fs.inotify.max_user_watches=524288`';
        void this.watcher?.close();
      }
      this.opts.onError(e);
    });
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  }

  /** Every non-ignored entry of the watched directories (files, and entries that must be rejected). */
  async scan(): Promise<string[]> {
    const patterns = this.opts.dirs.map((d) => `${fg.escapePath(d)}/*`);
    const entries = await fg(patterns, { onlyFiles: false, dot: false, followSymbolicLinks: false, absolute: true, suppressErrors: true, deep: 1 });
    return entries.filter((e) => !isIgnoredName(path.basename(e)));
  }

  get dirs(): readonly string[] {
    return this.opts.dirs;
  }

  /** Watch and scan more directories (agents added by a config change). */
  add(dirs: string[]): void {
    this.opts.dirs.push(...dirs);
    this.watcher?.add(dirs);
  }

  async close(): Promise<void> {
    const w = this.watcher;
    this.watcher = null;
    if (!w) return;
    // chokidar 5 can bring itself back to life after close(): a file watcher's listener whose
    // stat() fails after close() calls _remove(), which (when one path is left in its table)
    // calls this.add(), which sets closed = false and opens a new fs.watch on the directory.
    // That handle is never closed and keeps the process alive after a clean stop. Make add()
    // a no-op before closing.
    (w as { add: FSWatcher['add'] }).add = () => w;
    await w.close();
  }
}
