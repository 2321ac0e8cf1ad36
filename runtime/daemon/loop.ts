/**
 * The daemon's loop: candidate paths collected by wake-ups, drained in fair batches through one
 * step (intake -> journal commit -> delivery), and a 250 ms re-check while a file is still being
 * written or settling.
 */
import path from 'node:path';
import { LogWriteFailed } from '../../bus/store/log.js';
import { fairBatch } from '../decide/fair-batch.js';
import type { Logger } from '../logger.js';
import { LogPaused } from './journal.js';

const BATCH_LIMIT = 256;
const RECHECK_MS = 250;

export interface LoopDeps {
  logger: Logger;
  stopping: () => boolean;
  /** Taking mail is paused (the log cannot be written). */
  paused: () => boolean;
  /** One batch: intake, journal commit, delivery. */
  step: (batch: string[]) => void;
  /** Files still being written or settling, looked at again after RECHECK_MS. */
  waitingPaths: () => string[];
}

export class Loop {
  private readonly candidates = new Set<string>();
  private running = false;
  private scheduled = false;
  private recheck: NodeJS.Timeout | null = null;
  private waiters: Array<() => void> = [];

  constructor(private readonly deps: LoopDeps) {}

  add(p: string): void {
    this.candidates.add(p);
  }

  schedule(): void {
    if (this.scheduled || this.running || this.deps.stopping()) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  /** Mail is in flight: a batch is running or due, or paths wait for one. */
  busy(): boolean {
    return this.running || this.scheduled || this.candidates.size > 0;
  }

  cancelRecheck(): void {
    if (this.recheck) clearTimeout(this.recheck);
  }

  /** Resolves once no batch is running. */
  async idle(): Promise<void> {
    while (this.running) await new Promise<void>((r) => this.waiters.push(r));
  }

  private async drain(): Promise<void> {
    if (this.running || this.deps.stopping()) return;
    this.running = true;
    try {
      while (this.candidates.size > 0 && !this.deps.stopping() && !this.deps.paused()) {
        const batch = fairBatch(this.candidates, BATCH_LIMIT, (p) => path.dirname(p)); // round-robin over senders' folders
        for (const c of batch) this.candidates.delete(c);
        try {
          this.deps.step(batch);
        } catch (err) {
          // A failed log write paused taking mail (said by LogPause); the batch's files wait where they are.
          if (err instanceof LogWriteFailed || err instanceof LogPaused) continue;
          // An I/O failure outside any one file (permissions): say so loudly, keep going.
          this.deps.logger.warn(
            `batch failed: ${(err as Error).stack ?? err}; the files stay where they are and are retried at the next scan`,
          );
        }
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.running = false;
      for (const r of this.waiters.splice(0)) r();
    }
    const waiting = this.deps.waitingPaths();
    if (waiting.length > 0 && !this.recheck && !this.deps.stopping()) {
      this.recheck = setTimeout(() => {
        this.recheck = null;
        for (const p of this.deps.waitingPaths()) this.candidates.add(p);
        this.schedule();
      }, RECHECK_MS);
    }
  }
}
