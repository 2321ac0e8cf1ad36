/**
 * Wake-ups. Watching is an optimisation: it tells the dispatcher early that a path may have
 * changed. The source of truth is the reconciliation scan: a readdir of every watched
 * directory at start-up, after any watcher error, and every `scan_interval` while nothing is
 * watched; while watches are healthy, each interval lists the directories a watcher named (and
 * those without a watch) plus a slice of the rest in turn, every one at least once a minute
 * (runtime/decide/scan-plan.ts). An inotify overflow is silent, so nothing may depend on an
 * event arriving, or arriving once, or in order.
 *
 * Mailboxes are watched with one plain `fs.watch` (one inotify watch) per directory: the event
 * carries the entry's name, which is all the dispatcher needs. chokidar watches single files
 * (mailroom.yaml), where its handling of editors that save by rename matters. chokidar is not
 * used for mailboxes because it keeps a watcher per file and re-reads (and stats) the whole
 * directory on every event; an inbox holds thousands of files, and `npm run bench` measured
 * that at 3-4x the latency and 2.5x the memory of the plain watcher.
 */
import fs from 'node:fs';
import path from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import { isIgnoredName } from '../../bus/names.js';
import type { Entries } from '../../workspaces/entries.js';
import { Dir, Refused } from '../../workspaces/hostile-fs.js';
import { changedSince, planScan, sweepTicks, type Stamp } from '../decide/scan-plan.js';

export interface WatchOptions {
  dirs: string[];
  /** Single files to watch (mailroom.yaml). */
  files?: string[];
  /**
   * A path may have changed. `how`: 'created' for an entry that appeared (created or renamed
   * in: inotify IN_CREATE / IN_MOVED_TO), 'written' for one written to in place (IN_MODIFY,
   * IN_ATTRIB). Only a hint: the same path may come again, or never.
   */
  onPath: (file: string, how: 'created' | 'written') => void;
  onError: (err: Error) => void;
  /** A watched folder that is a symbolic link or not a directory: never listed. */
  onBadDir?: (dir: string, problem: string) => void;
  /** Said once per folder until it is readable again (a handler's `chmod 000`), and when watching works again. */
  onNote?: (note: string) => void;
}

const RAISE_TO = 524288;
const RAISE = `sysctl fs.inotify.max_user_watches=${RAISE_TO}`;
const ENOSPC_ADVICE = `out of inotify watches (ENOSPC): raise /proc/sys/fs/inotify/max_user_watches, e.g. \`${RAISE}\` (and in /etc/sysctl.d/ to keep it); mailroom tries to watch again, backing off`;
/** Watches lost to ENOSPC are tried again after 1 s, 2 s, 4 s, ... at most every 5 minutes. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 5 * 60 * 1000;

/** The user's inotify watch limit against what `need` watches require, said with the fix; null when enough (or not Linux). */
export function inotifyLimitProblem(need: number): string | null {
  let limit: number;
  try {
    limit = Number(fs.readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8'));
  } catch {
    return null;
  }
  if (!Number.isFinite(limit) || limit >= need) return null;
  const raise = `sysctl fs.inotify.max_user_watches=${Math.max(RAISE_TO, 2 ** Math.ceil(Math.log2(need * 2)))}`;
  return `the inotify watch limit (fs.inotify.max_user_watches) is ${limit}, and this org needs about ${need} (besides what other programs of this user watch): raise it with \`sudo ${raise}\` (and in /etc/sysctl.d/ to keep it); until then the daemon falls back to listing every mailbox every scan_interval`;
}

/** Told of each listing a scan makes: before it starts, and what it found (every name; [] when it failed). */
export interface Listings {
  listing(dir: string): void;
  listed(dir: string, names: string[]): void;
}

export class Wakeups {
  private readonly dirWatchers = new Map<string, fs.FSWatcher>();
  private fileWatcher: FSWatcher | null = null;
  private started = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs = RETRY_FIRST_MS;
  private readonly unreadable = new Set<string>();
  /** Directories due for listing at the next scan (see scan-plan.ts). */
  private readonly dirty = new Set<string>();
  /** The next scan lists everything: at start-up and after a watcher error. */
  private fullNext = true;
  private cursor = 0;
  /** Each directory's times, taken just before its last listing. */
  private readonly stamps = new Map<string, Stamp>();
  /** Folders listed at start-up before they were watched: the first scan checks them instead of listing them. */
  private primed = new Set<string>();
  /** Set while watching failed (ENOSPC: out of inotify watches): scans only, watches tried again with back-off. */
  scanOnly: string | null = null;

  constructor(private readonly opts: WatchOptions) {}

  async start(): Promise<void> {
    this.started = true;
    for (const d of this.opts.dirs) this.watchDir(d);
    const files = this.opts.files ?? [];
    if (files.length === 0) return;
    // awaitWriteFinish: an editor's save arrives as one change, not as the half-written file in between.
    const w = chokidarWatch(files, {
      ignoreInitial: true,
      persistent: true,
      followSymlinks: false,
      atomic: true,
      awaitWriteFinish: { stabilityThreshold: 150, pollInterval: 50 },
    });
    this.fileWatcher = w;
    const hint = (p: string) => this.opts.onPath(path.resolve(p), 'written');
    w.on('add', hint).on('change', hint);
    w.on('error', (err: unknown) => this.failed(err instanceof Error ? err : new Error(String(err))));
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  }

  private watchDir(dir: string): void {
    if (this.scanOnly || this.dirWatchers.has(dir)) return;
    let w: fs.FSWatcher;
    try {
      w = fs.watch(dir, { persistent: true }, (type, name) => {
        if (name === null || name === undefined)
          return this.failed(new Error(`an event in ${dir} without a name; scanning`));
        const base = String(name);
        this.dirty.add(dir);
        if (!isIgnoredName(base)) this.opts.onPath(path.join(dir, base), type === 'rename' ? 'created' : 'written');
      });
    } catch (err) {
      // A directory that does not exist (yet) is found by the scan; anything else is reported.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.failed(err as Error);
      return;
    }
    w.on('error', (err) => {
      this.dirWatchers.delete(dir);
      w.close();
      this.failed(err);
    });
    this.dirWatchers.set(dir, w);
  }

  private failed(err: Error): void {
    this.fullNext = true;
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') {
      this.opts.onError(err);
      return;
    }
    const first = !this.scanOnly;
    this.scanOnly = ENOSPC_ADVICE;
    for (const w of this.dirWatchers.values()) w.close();
    this.dirWatchers.clear();
    if (this.started && !this.retryTimer) {
      this.retryTimer = setTimeout(() => this.retry(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    }
    if (first) this.opts.onError(err); // said once per loss, not once per retry
  }

  /** Watches lost to ENOSPC (a handler used up the user's watches for a while): try them all again. */
  private retry(): void {
    this.retryTimer = null;
    if (!this.started) return;
    this.scanOnly = null;
    for (const d of this.opts.dirs) this.watchDir(d);
    if (this.scanOnly) return; // failed again: failed() set the next try
    this.retryMs = RETRY_FIRST_MS;
    this.fullNext = true; // events were missed while nothing was watched
    this.opts.onNote?.(`watching ${this.dirWatchers.size} folder(s) again (inotify watches are available again)`);
  }

  /** These folders were listed (at start-up, before any watch) just after these stamps were taken. */
  prime(stamps: ReadonlyMap<string, Stamp>): void {
    for (const [dir, stamp] of stamps) {
      this.stamps.set(dir, stamp);
      this.primed.add(dir);
    }
  }

  /** Which directories this scan lists: everything when nothing is watched or after an error, else the planned few and the checked that changed. */
  private plan(intervalMs: number): string[] {
    const watching = this.started && !this.scanOnly;
    const some = watching && this.dirWatchers.size < this.opts.dirs.length; // usually every folder is watched
    const unwatched = new Set(some ? this.opts.dirs.filter((d) => !this.dirWatchers.has(d)) : []);
    const p = planScan(
      this.opts.dirs,
      { full: this.fullNext || !watching, dirty: this.dirty, unwatched, cursor: this.cursor, primed: this.primed },
      sweepTicks(intervalMs),
    );
    this.fullNext = false;
    this.primed = new Set();
    this.cursor = p.cursor;
    for (const d of p.list) this.dirty.delete(d);
    const changed = p.check.filter((d) => {
      try {
        return changedSince(this.stamps.get(d), fs.lstatSync(d));
      } catch {
        return true; // gone or unreadable: the listing says what
      }
    });
    return [...p.list, ...changed];
  }

  /** The directory's times before it is listed: a later change moves them (see changedSince). */
  private stamp(dir: string): void {
    try {
      const st = fs.lstatSync(dir);
      this.stamps.set(dir, { ctimeMs: st.ctimeMs, mtimeMs: st.mtimeMs, at: Date.now() });
    } catch {
      this.stamps.delete(dir);
    }
  }

  /**
   * Every non-ignored entry of the directories due this interval (files, and entries that must
   * be rejected), minus those `skip` names. One readdir per directory, yielding between them: an
   * inbox holds thousands of delivered copies, and a glob matcher over each of them blocked
   * the event loop for 50-140 ms per scan in `npm run bench`. A directory whose listing found
   * something, or failed, is listed again at the next scan.
   */
  async scan(
    skip: (dir: string, name: string) => boolean = () => false,
    intervalMs = 2000,
    seen?: Listings,
  ): Promise<string[]> {
    const out: string[] = [];
    // Each folder on its own: one a handler made unreadable (`chmod 000`) or replaced stops only itself.
    for (const dir of this.plan(intervalMs)) {
      let names: Entries;
      let box: Dir | null = null;
      this.stamp(dir);
      seen?.listing(dir);
      try {
        box = Dir.open(dir, dir); // listed through its descriptor, never through a link
        names = await box.listEntriesAsync();
        this.unreadable.delete(dir);
      } catch (err) {
        seen?.listed(dir, []);
        // Missing (created by start, or an agent just removed) or unreadable: the next scan looks again.
        this.dirty.add(dir);
        this.stamps.delete(dir);
        if (err instanceof Refused && err.kind === 'missing') continue;
        if (err instanceof Refused && err.kind !== 'unreadable') {
          this.opts.onBadDir?.(dir, err.message);
        } else if (!this.unreadable.has(dir)) {
          this.unreadable.add(dir);
          const code = (err as NodeJS.ErrnoException).code;
          this.opts.onNote?.(
            `cannot list ${dir} (${code ?? (err as Error).message}); its mail waits until it is readable again (\`chmod 700 ${dir}\`); the rest of the org goes on`,
          );
        }
        continue;
      } finally {
        box?.close();
      }
      seen?.listed(dir, names.text);
      const before = out.length;
      for (let i = 0; i < names.text.length; i++) {
        const name = names.candidate(i); // a name that is not UTF-8 is taken by its bytes
        if (!skip(dir, name) && !isIgnoredName(names.shown(i))) out.push(path.join(dir, name));
      }
      if (out.length > before) this.dirty.add(dir); // still there next time (waiting, retried): look again
    }
    return out;
  }

  get dirs(): readonly string[] {
    return this.opts.dirs;
  }

  /** Watch and scan more directories (agents added by a config change). */
  add(dirs: string[]): void {
    this.opts.dirs.push(...dirs);
    for (const d of dirs) this.dirty.add(d);
    if (this.started) for (const d of dirs) this.watchDir(d);
  }

  /** Watch these directories afresh (made again after they were deleted: the old watches died with them). */
  refresh(dirs: string[]): void {
    for (const d of dirs) {
      this.dirWatchers.get(d)?.close();
      this.dirWatchers.delete(d);
      if (!this.opts.dirs.includes(d)) this.opts.dirs.push(d);
      this.dirty.add(d);
      if (this.started) this.watchDir(d);
    }
  }

  async close(): Promise<void> {
    this.started = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const w of this.dirWatchers.values()) w.close();
    this.dirWatchers.clear();
    const w = this.fileWatcher;
    this.fileWatcher = null;
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
