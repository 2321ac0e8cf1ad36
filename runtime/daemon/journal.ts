/**
 * The one port through which the daemon's parts (intake, delivery, config reload, the runner)
 * touch the event log. `stage(e)` gives an event its sequence number, folds it into `state` at
 * once (so the next decision in the same batch sees it) and holds it; `commit()` writes every
 * staged event with one write and one fdatasync, then hands them to the logger. Nothing staged
 * may be acted on before the commit that follows it.
 */
import type { BusEvent, NewEvent } from '../../bus/events.js';
import { EventLog } from '../../bus/store/log.js';
import { allSegments } from '../../bus/store/log-read.js';
import type { Logger } from '../logger.js';
import { applyToState, type BusState } from '../state/state.js';
import { VERSION } from '../version.js';
import { loadFolded, writeSnapshot } from './snapshots.js';

/** What a part of the daemon needs to record decisions. */
export interface JournalPort {
  readonly state: BusState;
  stage(e: NewEvent): BusEvent;
  commit(): void;
}

export interface JournalHooks {
  /** Every staged event, once folded (the board writer marks itself dirty here). */
  staged?: (e: BusEvent) => void;
  /** After every commit (the board is rendered here). */
  committed?: () => void;
}

export interface JournalOptions {
  /** .mailroom/snapshots/ */
  snapshots: string;
  /** A snapshot every this many events (and at close). */
  snapshotEvery: number;
  segmentBytes: number;
  threadTtl: number;
}

export class Journal implements JournalPort {
  private pending: BusEvent[] = [];
  private snapshotSeq = 0;

  constructor(
    private readonly log: EventLog,
    readonly state: BusState,
    private readonly logger: Logger,
    private readonly hooks: JournalHooks = {},
    private readonly opts: JournalOptions | null = null,
  ) {}

  /**
   * Fold the newest usable snapshot and the log after it (streamed; a full replay when there is
   * no snapshot), open the log for appending (cutting a torn last line), and record the start:
   * `log.repaired` if a line was cut, then `daemon.started`, staged (the caller commits).
   */
  static async open(dir: string, logger: Logger, hooks: JournalHooks, time: string, opts: JournalOptions): Promise<Journal> {
    const folded = await loadFolded(opts.snapshots, dir, opts.threadTtl, (t) => logger.warn(t));
    const log = new EventLog(dir, opts.segmentBytes);
    const segs = allSegments(dir);
    const last = segs.at(-1);
    const segment = folded.read.end?.segment ?? (last ? `${String(Number(last.name.slice(0, 6)) + 1).padStart(6, '0')}.jsonl` : '000001.jsonl');
    log.openAfterRead(folded.read, folded.state.lastSeq + 1, segment);
    logger.info(folded.from ? `folded snapshot seq ${folded.from.seq} and ${folded.replayed} event(s) after it` : `replayed the whole log (${folded.replayed} events; no snapshot yet)`);
    const journal = new Journal(log, folded.state, logger, hooks, opts);
    journal.snapshotSeq = folded.from?.seq ?? 0;
    const r = log.repair;
    if (r) journal.stage({ time, type: 'log.repaired', segment: r.segment, droppedBytes: r.droppedBytes, note: `cut a torn last line of ${r.droppedBytes} bytes (a write interrupted by a crash)` });
    journal.stage({ time, type: 'daemon.started', pid: process.pid, version: VERSION });
    return journal;
  }

  stage(e: NewEvent): BusEvent {
    const event = this.log.stage(e);
    applyToState(this.state, event);
    this.pending.push(event);
    this.hooks.staged?.(event);
    return event;
  }

  /** Group commit: one write and one fdatasync for everything staged; then tell the log reader. */
  commit(): void {
    this.log.commit();
    const events = this.pending;
    this.pending = [];
    this.logger.events(events);
    this.hooks.committed?.();
    if (this.opts && this.state.lastSeq - this.snapshotSeq >= this.opts.snapshotEvery) this.snapshot();
  }

  /** Write a snapshot of the state as committed (between batches: nothing is staged). */
  snapshot(): void {
    if (!this.opts || this.pending.length || this.state.lastSeq === this.snapshotSeq) return;
    try {
      writeSnapshot(this.opts.snapshots, this.state, this.log.position());
      this.snapshotSeq = this.state.lastSeq;
    } catch (err) {
      this.snapshotSeq = this.state.lastSeq; // tried again after another snapshot_every events
      this.logger.warn(`could not write a snapshot to .mailroom/snapshots/ (${(err as Error).message}); start-up replays more of the log until one is written`);
    }
  }

  /** The fold's thread_ttl, from the running config. */
  setThreadTtl(ms: number): void {
    this.state.threadTtl = ms;
  }

  /** At a clean stop: a snapshot, so the next start replays nothing. */
  close(): void {
    this.snapshot();
    this.log.close();
  }
}
