/**
 * The thread index's second tier on disk (runtime/state/cold-threads.ts says what it holds):
 * `.mailroom/threads.db`, SQLite through better-sqlite3. Two tables: messages (id -> thread,
 * hops, sender) and threads (thread -> last activity, in seconds), with an index on each side
 * of expiry. The fold writes into memory (`pending`, consulted by every lookup); `flush()`, after
 * each commit of the event log, writes that in one transaction, and removes a bounded number of
 * threads idle past thread_ttl with their messages. WAL mode: a kill -9 keeps every committed
 * transaction; `checkpoint()` makes them durable before a snapshot is written (a snapshot
 * never holds less than the tier on disk assumes).
 *
 * The file is derived state, like a snapshot: if it cannot be opened (damaged, not SQLite), it is
 * kept as threads.db.damaged-<time> with a warning and a new one is started; replies to the
 * messages it held are then refused as unknown, as after thread_ttl.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ColdThreads } from '../state/cold-threads.js';
import type { ThreadInfo } from '../decide/accept.js';

/** Entries held for the next flush at most (then written at once). */
const PENDING_MAX = 20_000;

/** Idle threads are looked for at most once per this much event time (s). */
const EXPIRE_EVERY_S = 60;

/** Threads removed at most per flush (each with its messages): a flush stays a few milliseconds. */
const EXPIRE_BATCH = 2000;

/**
 * SQLite's page cache, in KiB (a negative `cache_size`). better-sqlite3 builds SQLite with a
 * 16 MB default; the daemon's RSS then rose ~0.6 MB a minute under steady traffic until the cache
 * was full (README, "Steady traffic"). The file is written in batches and read only for replies
 * to old messages, so pages read again come from the OS's file cache instead.
 */
const CACHE_KIB = 2048;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, thread TEXT NOT NULL, hops INTEGER NOT NULL, sender TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS messages_thread ON messages (thread);
  CREATE TABLE IF NOT EXISTS threads (thread TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS threads_last ON threads (last);
`;

type Row = { thread: string; hops: number; sender: string };

function openDb(file: string): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`cache_size = -${CACHE_KIB}`);
    db.exec(SCHEMA);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export class ThreadStore implements ColdThreads {
  private readonly pendingMessages = new Map<string, ThreadInfo>();
  private readonly pendingThreads = new Map<string, number>();
  private cutoff = Number.NEGATIVE_INFINITY;
  /** Every thread idle before this (s) is gone from the file: the next expiry is due a minute of event time later. */
  private expiredTo = Number.NEGATIVE_INFINITY;
  private readonly q: ReturnType<ThreadStore['prepare']>;

  private constructor(private readonly db: Database.Database) {
    this.q = this.prepare();
  }

  /** Open (or create) the store; a file that is not a usable store is set aside with `warn`. */
  static open(file: string, warn: (text: string) => void, now = new Date()): ThreadStore {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      return new ThreadStore(openDb(file));
    } catch (err) {
      if (!fs.existsSync(file)) throw err; // not the file's fault (the folder, the library): start-up fails with it
      const aside = `${file}.damaged-${now.toISOString().replace(/[-:]/g, '')}`;
      fs.renameSync(file, aside);
      for (const f of [`${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
      warn(
        `the thread index .mailroom/${path.basename(file)} could not be opened (${(err as Error).message}); it is kept as ${path.basename(aside)} and a new one is started. Replies to messages accepted more than a few minutes before the newest snapshot are refused as unknown (as after thread_ttl); nothing else is affected`,
      );
      return new ThreadStore(openDb(file));
    }
  }

  private prepare() {
    const db = this.db;
    return {
      getMessage: db.prepare<[string], Row>('SELECT thread, hops, sender FROM messages WHERE id = ?'),
      getThread: db.prepare<[string], { last: number }>('SELECT last FROM threads WHERE thread = ?'),
      putMessage: db.prepare('INSERT OR REPLACE INTO messages (id, thread, hops, sender) VALUES (?, ?, ?, ?)'),
      putThread: db.prepare(
        'INSERT INTO threads (thread, last) VALUES (?, ?) ON CONFLICT (thread) DO UPDATE SET last = max(last, excluded.last)',
      ),
      idle: db.prepare<[number, number], { thread: string }>('SELECT thread FROM threads WHERE last < ? LIMIT ?'),
      dropMessages: db.prepare('DELETE FROM messages WHERE thread = ?'),
      dropThread: db.prepare('DELETE FROM threads WHERE thread = ?'),
    };
  }

  put(id: string, info: ThreadInfo): void {
    this.pendingMessages.set(id, { thread: info.thread, hops: info.hops, from: info.from });
    this.flushIfFull();
  }

  touch(thread: string, lastS: number): void {
    const held = this.pendingThreads.get(thread);
    if (held === undefined || lastS > held) this.pendingThreads.set(thread, lastS);
    this.flushIfFull();
  }

  /** A long replay (a whole log at start-up) moves millions of entries: written as it goes, not held. */
  private flushIfFull(): void {
    if (this.pendingMessages.size + this.pendingThreads.size < PENDING_MAX) return;
    try {
      this.flush();
    } catch {
      // Inside a fold: never thrown there. The journal's flush after the commit says what failed.
    }
  }

  get(id: string): ThreadInfo | undefined {
    const pending = this.pendingMessages.get(id);
    if (pending) return { ...pending };
    const row = this.q.getMessage.get(id);
    return row && { thread: row.thread, hops: row.hops, from: row.sender };
  }

  activity(thread: string): number | undefined {
    const pending = this.pendingThreads.get(thread);
    const stored = this.q.getThread.get(thread)?.last;
    return pending === undefined ? stored : stored === undefined ? pending : Math.max(pending, stored);
  }

  expire(cutoffS: number): void {
    if (cutoffS > this.cutoff) this.cutoff = cutoffS;
  }

  /**
   * Write what the fold moved here, and remove up to EXPIRE_BATCH idle threads (once a minute of
   * event time, or again at once while a whole batch was due); one transaction, none if idle.
   */
  flush(): void {
    const expire = this.cutoff >= this.expiredTo + EXPIRE_EVERY_S;
    if (!this.pendingMessages.size && !this.pendingThreads.size && !expire) return;
    this.db.transaction(() => {
      for (const [id, m] of this.pendingMessages) this.q.putMessage.run(id, m.thread, m.hops, m.from);
      for (const [thread, last] of this.pendingThreads) this.q.putThread.run(thread, last);
      if (!expire) return;
      const idle = this.q.idle.all(this.cutoff, EXPIRE_BATCH);
      for (const { thread } of idle) {
        this.q.dropMessages.run(thread);
        this.q.dropThread.run(thread);
      }
      if (idle.length < EXPIRE_BATCH) this.expiredTo = this.cutoff;
    })();
    this.pendingMessages.clear();
    this.pendingThreads.clear();
  }

  /** Everything written so far, durable (before a snapshot). */
  checkpoint(): void {
    this.flush();
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  /** Messages and threads on disk (status, tests). */
  counts(): { messages: number; threads: number } {
    const count = (table: string) => (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { messages: count('messages'), threads: count('threads') };
  }

  close(): void {
    try {
      this.flush();
    } finally {
      this.db.close();
    }
  }
}
