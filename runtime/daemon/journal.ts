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
import type { Logger } from '../logger.js';
import { applyToState, foldState, type BusState } from '../state/state.js';
import { VERSION } from '../version.js';

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
  /** A commit failed; the journal is paused (the first failure of a pause only). */
  failed?: (err: Error) => void;
}

/** Thrown by `stage` while the journal is paused after a failed write. */
export class LogPaused extends Error {
  override name = 'LogPaused';
}

export class Journal implements JournalPort {
  private pending: BusEvent[] = [];
  private current: BusState;
  /** The failed write that paused the journal, or null. */
  fault: Error | null = null;

  constructor(
    private readonly log: EventLog,
    state: BusState,
    private readonly logger: Logger,
    private readonly hooks: JournalHooks = {},
  ) {
    this.current = state;
  }

  get state(): BusState {
    return this.current;
  }

  /**
   * Open the log (cutting a torn last line), fold it into the state, and record the start:
   * `log.repaired` if a line was cut, then `daemon.started`, staged (the caller commits).
   */
  static open(dir: string, logger: Logger, hooks: JournalHooks, time: string): Journal {
    const log = new EventLog(dir);
    const journal = new Journal(log, foldState(log.open()), logger, hooks);
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
    try {
      this.log.commit();
    } catch (err) {
      this.pending = [];
      // Undo the staged events' folding: the state is the log on disk again. A log that cannot even be read back is beyond repair here.
      try {
        this.current = foldState(readLog(this.log.dir));
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
    this.logger.events(events);
    this.hooks.committed?.();
  }

  /** Allow staging again (to try a write after a failure). */
  resume(): void {
    this.fault = null;
  }

  close(): void {
    this.log.close();
  }
}
