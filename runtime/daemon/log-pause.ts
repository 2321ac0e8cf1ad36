/**
 * The pause after a failed log write (a full disk). The journal has already cut the log back
 * to its last whole line and undone the batch (journal.ts); here the daemon stops taking new
 * mail, says so (stderr at once; `.mailroom/log-paused` for `mailroom doctor`), and at every
 * scan, once the filesystem has room again, tries one write: the operator alert that says what
 * happened. When it is written the pause is over and taking mail resumes; the files of the
 * failed batch are still in the outboxes, the inboxes or bus/spool/ and are decided then.
 */
import fs from 'node:fs';
import { operatorAlert, type SystemMessage } from '../../bus/system-mail.js';
import path from 'node:path';
import { parseSpoolName } from '../../bus/store/spool.js';
import type { Layout } from '../../workspaces/layout.js';
import type { Logger } from '../logger.js';
import type { Journal } from './journal.js';

/** Room a retry needs first, so that a still-full disk is not written (and the state refolded) at every scan. */
const ROOM_BYTES = 256 * 1024;

export interface LogPauseDeps {
  layout: Layout;
  logger: Logger;
  clock: () => Date;
  journal: () => Journal;
  /** Stage, commit and deliver a message from mailroom. */
  send: (m: SystemMessage) => void;
}

/** Free bytes for this user on the filesystem holding `dir`, or null when it cannot tell. */
export function freeBytes(dir: string): number | null {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

export class LogPause {
  private since: string | null = null;
  private reason = '';

  constructor(private readonly deps: LogPauseDeps) {}

  get paused(): boolean {
    return this.since !== null;
  }

  /** The journal's first failed write of a pause. */
  failed(err: Error): void {
    if (this.since) return;
    this.since = this.deps.clock().toISOString();
    this.reason = err.message;
    const { layout } = this.deps;
    this.deps.logger.warn(
      `${err.message}. Nothing of that batch was applied; taking new mail is PAUSED until the log can be written again (free space on the filesystem of ${layout.root}); mailroom tries again at every scan, and nothing accepted is lost`,
    );
    try {
      fs.writeFileSync(layout.logPaused, `${this.since}\n${err.message}\n`, { mode: 0o600 });
    } catch {
      /* the disk is full: stderr said it; doctor also checks the free space */
    }
  }

  /**
   * At a scan: if paused and there is room, try the alert. Null while still paused; else the
   * spool files to decide again (taken by the batch whose write failed).
   */
  retry(): string[] | null {
    if (!this.since) return [];
    const free = freeBytes(this.deps.layout.events);
    if (free !== null && free < ROOM_BYTES) return null;
    const journal = this.deps.journal();
    journal.resume();
    try {
      this.deps.send(this.alert());
    } catch {
      return null; // the journal paused again (and undid the alert)
    }
    this.deps.logger.info(`the event log can be written again: taking mail again (paused since ${this.since})`);
    this.since = null;
    fs.rmSync(this.deps.layout.logPaused, { force: true });
    return this.undecided(journal);
  }

  private undecided(journal: Journal): string[] {
    const { spool } = this.deps.layout;
    const { threads, rejected } = journal.state;
    return fs
      .readdirSync(spool)
      .filter((name) => {
        const s = parseSpoolName(name);
        return s !== null && !threads.has(s.id) && !rejected.has(s.id);
      })
      .map((name) => path.join(spool, name));
  }

  private alert(): SystemMessage {
    const rel = this.deps.layout.rel(this.deps.layout.events);
    const body = [
      `At ${this.since} mailroom could not write its event log (\`${rel}/\`):`,
      '',
      '```',
      this.reason,
      '```',
      '',
      'The log was cut back to its last whole line and nothing of that batch was applied, so nothing half-written will ever be read back. Taking new mail was paused until a write succeeded; this alert is that write, so mail flows again. Files sent meanwhile waited where they were and are taken now; nothing accepted was lost.',
      '',
      'If the filesystem is nearly full, free space there (`df -h` on the org) before it fills again.',
    ].join('\n');
    return operatorAlert(
      'log-paused',
      [this.since!],
      'The event log could not be written: mail was paused',
      body,
      this.deps.clock().toISOString(),
    );
  }
}
