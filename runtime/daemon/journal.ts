/**
 * The one port through which the daemon's parts (intake, delivery, config reload, the runner)
 * touch the event log. `stage(e)` gives an event its sequence number, folds it into `state` at
 * once (so the next decision in the same batch sees it) and holds it; `commit()` writes every
 * staged event with one write and one fdatasync, then hands them to the logger. Nothing staged
 * may be acted on before the commit that follows it.
 */
import type { BusEvent, NewEvent } from '../../bus/events.js';
import { EventLog } from '../../bus/store/log.js';
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
}

export class Journal implements JournalPort {
  private pending: BusEvent[] = [];

  constructor(
    private readonly log: EventLog,
    readonly state: BusState,
    private readonly logger: Logger,
    private readonly hooks: JournalHooks = {},
  ) {}

  /**
   * Open the log (cutting a torn last line), fold it into the state, and record the start:
   * `log.repaired` if a line was cut, then `daemon.started`, staged (the caller commits).
   */
  static open(dir: string, logger: Logger, hooks: JournalHooks, time: string): Journal {
    const log = new EventLog(dir);
    const journal = new Journal(log, foldState(log.open()), logger, hooks);
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
  }

  close(): void {
    this.log.close();
  }
}
