/**
 * The one port through which the daemon's parts (intake, delivery, config reload, the runner)
 * touch the event log. `stage(e)` gives an event its sequence number, folds it into `state` at
 * once (so the next decision in the same batch sees it) and holds it; `commit()` writes every
 * staged event with one write and one fdatasync, then hands them to the logger. Nothing staged
 * may be acted on before the commit that follows it.
 *
 * A commit that fails (a full disk: bus/store/log.ts cuts the log back to its last whole line)
 * undoes what its events did to `state` (a fold of the log as it is on disk again) and pauses
 * the journal: `stage` refuses with LogPaused until `resume()`, so nothing is decided that
 * cannot be recorded. The daemon tries again at its scans (log-pause.ts).
 */
import type { BusEvent, NewEvent } from '../../bus/events.js';
import { EventLog, readLog } from '../../bus/store/log.js';
import { allSegments } from '../../bus/store/log-read.js';
import type { Logger } from '../logger.js';
import { applyToState, foldState, type BusState } from '../state/state.js';
import { VERSION } from '../version.js';
import { loadFolded, loadFoldedSync, writeSnapshot } from './snapshots.js';
import type { ColdThreads } from '../state/cold-threads.js';

/** The thread index's tier on disk (thread-store.ts), as the journal drives it. */
export interface ColdStore extends ColdThreads {
  /** Write what the fold moved to it (after each commit). */
  flush(): void;
  /** Make it durable (before a snapshot). */
  checkpoint(): void;
  close(): void;
}

/** What a part of the daemon needs to record decisions. */
export interface JournalPort {
  readonly state: BusState;
  stage(e: NewEvent): BusEvent;
  commit(): void;
}

export interface JournalHooks {
  /** Every staged event, once folded (the board writer marks itself dirty here). */
  staged?: (e: BusEvent) => void;
  /** After every commit, with its events (the board is rendered here, its archive written). */
  committed?: (events: readonly BusEvent[]) => void;
  /** Each event replayed at start-up after the snapshot (the board's archive finishes what a crash cut short). */
  replayed?: (e: BusEvent) => void;
  /** Before a snapshot: events to record first (the board's archiving, board/archive.ts). */
  beforeSnapshot?: (state: BusState) => NewEvent[];
  /** False: a snapshot must wait (what a committed event asks of the disk is not done yet). */
  snapshotReady?: () => boolean;
  /** A commit failed; the journal is paused (the first failure of a pause only). */
  failed?: (err: Error) => void;
}

/** Thrown by `stage` while the journal is paused after a failed write. */
export class LogPaused extends Error {
  override name = 'LogPaused';
}

export interface JournalOptions {
  /** .mailroom/snapshots/ */
  snapshots: string;
  /** A snapshot every this many events, or SNAPSHOT_BYTES of log, whichever comes first (and at close). */
  snapshotEvery: number;
  segmentBytes: number;
  threadTtl: number;
  /** The thread index's second tier (none: the index keeps every thread of thread_ttl in memory). */
  cold?: ColdStore;
}

/**
 * A snapshot at least every this many bytes of log: a restart after a kill -9 replays at most
 * about this much, so 300 messages of 1 MB (600 events, far from snapshot_every) are not all
 * parsed again at start-up (a 300 MB tail peaked at 170-216 MB RSS).
 */
export const SNAPSHOT_BYTES = 32 * 1_048_576;

/** Undelivered texts a snapshot would hold, over which it waits for their delivery (the next commit)... */
export const SNAPSHOT_WAIT_BYTES = 4 * 1_048_576;

/**
 * Whether a snapshot is due after a commit: every snapshot_every events or SNAPSHOT_BYTES of log;
 * but not while the batch just accepted is still undelivered with large texts (a snapshot
 * keeps every undelivered message's text: 100 messages of 1 MB made a 100 MB snapshot), unless
 * it has waited for twice as long (an undeliverable message must not stop snapshots).
 */
export function snapshotDue(events: number, bytes: number, every: number, undelivered: () => number): boolean {
  if (events >= 2 * every || bytes >= 2 * SNAPSHOT_BYTES) return true;
  return (events >= every || bytes >= SNAPSHOT_BYTES) && undelivered() <= SNAPSHOT_WAIT_BYTES;
}

function undeliveredBytes(state: BusState): number {
  let n = 0;
  for (const m of state.undelivered.values()) n += m.text.length;
  return n;
}

export class Journal implements JournalPort {
  private pending: BusEvent[] = [];
  private snapshotSeq = 0;
  /** log.written at the last snapshot. */
  private snapshotBytes = 0;
  private current: BusState;
  /** The failed write that paused the journal, or null. */
  fault: Error | null = null;
  /** The thread index's file could not be written at the last commit. */
  private coldFault = false;

  constructor(
    private readonly log: EventLog,
    state: BusState,
    private readonly logger: Logger,
    private readonly hooks: JournalHooks = {},
    private readonly opts: JournalOptions | null = null,
  ) {
    this.current = state;
  }

  get state(): BusState {
    return this.current;
  }

  /**
   * Fold the newest usable snapshot and the log after it (streamed; a full replay when there is
   * no snapshot), open the log for appending (cutting a torn last line), and record the start:
   * `log.repaired` if a line was cut, then `daemon.started`, staged (the caller commits).
   */
  static async open(
    dir: string,
    logger: Logger,
    hooks: JournalHooks,
    time: string,
    opts: JournalOptions,
  ): Promise<Journal> {
    const folded = await loadFolded(opts.snapshots, dir, opts.threadTtl, (t) => logger.warn(t), {
      replayed: hooks.replayed,
      cold: opts.cold,
    });
    opts.cold?.flush();
    const log = new EventLog(dir, opts.segmentBytes);
    const segs = allSegments(dir);
    const last = segs.at(-1);
    const segment =
      folded.read.end?.segment ??
      (last ? `${String(Number(last.name.slice(0, 6)) + 1).padStart(6, '0')}.jsonl` : '000001.jsonl');
    log.openAfterRead(folded.read, folded.state.lastSeq + 1, segment);
    logger.info(
      folded.from
        ? `folded snapshot seq ${folded.from.seq} and ${folded.replayed} event(s) after it`
        : `replayed the whole log (${folded.replayed} events; no snapshot yet)`,
    );
    const journal = new Journal(log, folded.state, logger, hooks, opts);
    journal.snapshotSeq = folded.from?.seq ?? 0;
    const r = log.repair;
    if (r)
      journal.stage({
        time,
        type: 'log.repaired',
        segment: r.segment,
        droppedBytes: r.droppedBytes,
        note: `cut a torn last line of ${r.droppedBytes} bytes (a write interrupted by a crash)`,
      });
    journal.stage({ time, type: 'daemon.started', pid: process.pid, version: VERSION });
    return journal;
  }

  stage(e: NewEvent): BusEvent {
    if (this.fault)
      throw new LogPaused(`the event log cannot be written (${this.fault.message}); nothing is decided until it can`);
    const event = this.log.stage(e);
    applyToState(this.state, event);
    this.pending.push(event);
    this.hooks.staged?.(event);
    return event;
  }

  /** Group commit: one write and one fdatasync for everything staged; then tell the log reader. */
  commit(): void {
    this.write();
    if (!this.opts) return;
    const due = snapshotDue(
      this.state.lastSeq - this.snapshotSeq,
      this.log.written - this.snapshotBytes,
      this.opts.snapshotEvery,
      () => undeliveredBytes(this.state),
    );
    if (due) this.snapshot();
  }

  private write(): void {
    try {
      this.log.commit();
    } catch (err) {
      this.pending = [];
      // Undo the staged events' folding: the state is the log on disk again. A log that cannot even be read back is beyond repair here.
      try {
        this.current = this.rebuild();
      } catch (readErr) {
        const msg = `the event log could not be written (${(err as Error).message}) nor read back (${(readErr as Error).message}); exiting so that a restart starts from the log on disk`;
        queueMicrotask(() => {
          throw new Error(msg); // to the process-wide handler: exit 1, the service manager restarts
        });
      }
      const first = !this.fault;
      this.fault = err as Error;
      if (first) this.hooks.failed?.(err as Error);
      throw err;
    }
    const events = this.pending;
    this.pending = [];
    this.flushCold();
    this.logger.events(events);
    this.hooks.committed?.(events);
  }

  /** The state of the log as it is on disk: the newest snapshot and the tail after it (the whole log without options). */
  private rebuild(): BusState {
    if (!this.opts) return foldState(readLog(this.log.dir));
    return loadFoldedSync(this.opts.snapshots, this.log.dir, this.current.threadTtl, { cold: this.opts.cold });
  }

  /** The thread index's tier on disk, written after a commit; kept in memory to try again if it cannot be. */
  private flushCold(): void {
    try {
      this.opts?.cold?.flush();
      this.coldFault = false;
    } catch (err) {
      if (this.coldFault) return; // said once per fault
      this.coldFault = true;
      this.logger.warn(
        `could not write the thread index .mailroom/threads.db (${(err as Error).message}); what it would hold is kept in memory and written at a later commit`,
      );
    }
  }

  /**
   * Record what must precede a snapshot (the board's archiving), between batches. False when it
   * could not be recorded (the log cannot be written: the journal is paused, LogPause retries).
   */
  prepareSnapshot(): boolean {
    if (this.pending.length) return false;
    const events = this.hooks.beforeSnapshot?.(this.state) ?? [];
    if (!events.length) return true;
    try {
      for (const e of events) this.stage(e);
      this.write();
      return true;
    } catch (err) {
      this.logger.warn(`could not record the board's archiving before a snapshot (${(err as Error).message})`);
      return false;
    }
  }

  /** Write a snapshot of the state as committed (between batches: nothing is staged). */
  snapshot(): void {
    if (!this.opts || this.pending.length || this.state.lastSeq === this.snapshotSeq) return;
    if (!this.prepareSnapshot() || this.hooks.snapshotReady?.() === false) return;
    try {
      this.opts.cold?.checkpoint(); // a snapshot never assumes more of the tier on disk than is there
      writeSnapshot(this.opts.snapshots, this.state, this.log.position());
      this.snapshotSeq = this.state.lastSeq;
      this.snapshotBytes = this.log.written;
    } catch (err) {
      this.snapshotSeq = this.state.lastSeq; // tried again after another snapshot_every events (or SNAPSHOT_BYTES)
      this.snapshotBytes = this.log.written;
      this.logger.warn(
        `could not write a snapshot to .mailroom/snapshots/ (${(err as Error).message}); start-up replays more of the log until one is written`,
      );
    }
  }

  /** The fold's thread_ttl, from the running config. */
  setThreadTtl(ms: number): void {
    this.state.threadTtl = ms;
  }

  /** Allow staging again (to try a write after a failure). */
  resume(): void {
    this.fault = null;
  }

  /** At a clean stop: a snapshot, so the next start replays nothing. */
  close(): void {
    this.snapshot();
    this.log.close();
    this.opts?.cold?.close();
  }
}
