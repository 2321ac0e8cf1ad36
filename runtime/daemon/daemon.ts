/**
 * The daemon: lifecycle (start, stop) and the loop. Wake-ups (watcher hints, scans every
 * scan_interval, a 250 ms re-check while a file is still being written or settling) collect
 * candidate paths; each batch is intake (path -> decisions, staged) -> journal commit (fdatasync) ->
 * delivery (act on them, render the board, finish after a syncfs). See bus/store/spool.ts for
 * the exactly-once argument, intake.ts and delivery.ts for the message lifecycle.
 * The daemon never dies of bad input: every per-file failure becomes a rejection or a retry.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseInboxName, selfCheckNames } from '../../bus/names.js';
import { Layout } from '../../workspaces/layout.js';
import { agentNames } from '../config/agent-names.js';
import { loadConfig, type OrgConfig } from '../config/config.js';
import { boardDone } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { Runner } from '../runs/runner.js';
import type { BusState } from '../state/state.js';
import { BoardArchive } from './board-archive.js';
import { BoardWriter } from './board-writer.js';
import { openJournal } from './journal-hooks.js';
import type { Journal } from './journal.js';
import { Loop } from './loop.js';
import { LogPause } from './log-pause.js';
import { acquireDaemonLock } from './lock.js';
import { MailboxGuard } from './mailbox-guard.js';
import { QuietFiles } from './quiet.js';
import { recover } from './recovery.js';
import { listMailboxesAtStart, unjailedHandlers } from './startup.js';
import { SyncFs } from './syncfs.js';
import { wireParts, type Parts } from './parts.js';
import { UnreadIndex } from './unread-index.js';
import type { Wakeups } from './watch.js';
import { ensureWorkspaces, scanMailboxes, startWakeups, watchedDirs } from './wakeup-setup.js';

export interface DaemonOptions {
  root: string;
  logger: Logger;
  /** The one clock of the daemon and everything it runs. */
  clock?: () => Date;
}

export class Daemon {
  readonly layout: Layout;
  readonly runner: Runner;
  config!: OrgConfig;
  exitCode = 0;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private readonly board: BoardWriter;
  private readonly archive: BoardArchive;
  private readonly guard: MailboxGuard;
  private readonly quiet = new QuietFiles();
  private readonly index = new UnreadIndex();
  private readonly logPause: LogPause;
  private readonly loop: Loop;
  private journal!: Journal;
  private parts!: Parts;
  private wakeups!: Wakeups;
  private syncfs!: SyncFs;
  private release: (() => void) | null = null;
  private stopping = false;
  private timers: NodeJS.Timeout[] = [];
  private stopped!: Promise<void>;
  private resolveStopped!: () => void;

  constructor(opts: DaemonOptions) {
    this.layout = new Layout(fs.realpathSync(opts.root));
    this.logger = opts.logger;
    this.clock = opts.clock ?? (() => new Date());
    const now = () => this.clock().toISOString();
    this.board = new BoardWriter(this.layout, this.logger, () => this.loop.busy() || this.quiet.confirming > 0);
    this.archive = new BoardArchive(this.layout, this.logger);
    this.loop = new Loop({
      logger: this.logger,
      stopping: () => this.stopping,
      paused: () => this.logPause.paused,
      step: (batch) => {
        const decisions = this.parts.intake.take(batch);
        for (const p of this.parts.intake.deferred()) this.loop.add(p);
        this.journal.commit();
        this.parts.delivery.act(decisions);
        this.runner.pump(); // a resume or a release may let runs start
      },
      waitingPaths: () => this.parts.intake.waitingPaths(),
    });
    this.logPause = new LogPause({
      layout: this.layout,
      logger: this.logger,
      clock: this.clock,
      journal: () => this.journal,
      send: (m) => this.parts.send(m),
    });
    this.guard = new MailboxGuard({
      layout: this.layout,
      logger: this.logger,
      now,
      lastSeq: () => this.state.lastSeq,
      send: (m) => this.parts.send(m),
    });
    this.runner = new Runner({
      layout: this.layout,
      config: () => this.config,
      state: () => this.state,
      logger: this.logger,
      now: this.clock,
      emit: (e) => this.journal.stage(e),
      commit: () => this.journal.commit(),
      deliver: (e) => this.parts.delivery.act([{ kind: 'deliver', event: e }]),
    });
  }

  get state(): BusState {
    return this.journal.state;
  }

  /** Resolves when the daemon has stopped. */
  get done(): Promise<void> {
    return this.stopped;
  }

  /** Start-up: lock, config, checks, replay, recovery, watchers, first scan. Throws on a refusal. */
  async start(): Promise<void> {
    this.stopped = new Promise((r) => (this.resolveStopped = r));
    const configText = fs.existsSync(this.layout.config) ? fs.readFileSync(this.layout.config, 'utf8') : '';
    this.config = loadConfig(this.layout.config);
    const problems = selfCheckNames(this.clock().toISOString());
    if (problems.length) throw new Error(`file-name self-check failed:\n  - ${problems.join('\n  - ')}`);
    this.release = await acquireDaemonLock(this.layout, (err) => {
      this.logger.warn(
        `the daemon lock was compromised (${err.message}); stopping so that two daemons never write one log`,
      );
      void this.stop('lock compromised', 1);
    });
    try {
      ensureWorkspaces(this.layout, this.logger, this.config);
      const listed = listMailboxesAtStart(this.layout, Object.keys(this.config.agents), this.index);
      this.journal = await openJournal({
        layout: this.layout,
        logger: this.logger,
        config: () => this.config,
        board: this.board,
        archive: this.archive,
        state: () => (this.journal as Journal | undefined)?.state,
        render: () => this.render(),
        scanNow: () => void this.scan(),
        failed: (err) => this.logPause.failed(err),
        now: () => this.clock().toISOString(),
      });
      this.journal.commit();
      this.syncfs = new SyncFs(this.layout.root);
      this.syncfs.start();
      this.wire();
      this.parts.configReload.start(configText, this.config);
      for (const note of unjailedHandlers(this.config)) this.logger.warn(note);
      const agents = Object.keys(this.config.agents);
      for (const p of recover({
        layout: this.layout,
        state: this.state,
        agents,
        logger: this.logger,
        redeliver: () => this.parts.delivery.redeliver(false),
      }))
        this.loop.add(p);
      for (const p of listed.candidates) this.loop.add(p);
      this.runner.recover(); // no runs start before the runner has recovered (it kills orphans first)
      this.render();
      await this.watch();
      this.wakeups.prime(listed.stamps); // the mailboxes just listed are only checked by the first scan
      await this.scan();
      this.runner.pump();
      this.parts.bridge?.start();
      this.timers.push(setInterval(() => void this.scan(), this.config.scanInterval));
    } catch (err) {
      // Stop all a failed start started (timers, watchers, runs, the syncfs helper) before the lock goes, so nothing of it writes on.
      await this.stop(`start failed: ${(err as Error).message}`, 1).catch(() => undefined);
      throw err;
    }
  }

  async stop(reason: string, code = 0): Promise<void> {
    if (this.stopping) return this.stopped;
    this.stopping = true;
    this.exitCode = code;
    for (const t of this.timers) clearInterval(t);
    this.loop.cancelRecheck();
    try {
      await this.wakeups?.close();
      await this.loop.idle();
      await this.runner.stop();
      await this.parts?.bridge?.stop();
      await this.parts?.finishing.flush();
      this.syncfs?.close();
      this.journal?.prepareSnapshot(); // the board's archiving before daemon.stopped, the last event
      this.journal?.stage({ time: this.clock().toISOString(), type: 'daemon.stopped', pid: process.pid, reason });
      this.journal?.commit();
      await this.board.settle();
      this.board.flush();
      this.journal?.close();
    } finally {
      this.release?.();
      this.release = null;
      this.resolveStopped();
    }
  }

  /** A path may have changed (a watcher event, or found by a scan). */
  hint(file: string, how: 'created' | 'written' | 'scan' = 'scan'): void {
    if (this.stopping) return;
    try {
      if (file === this.layout.config) return this.parts.configReload.reload();
      if (parseInboxName(path.basename(file)) && path.basename(path.dirname(file)) === 'inbox') return; // a delivered copy
      if (how === 'created') this.quiet.track(file);
      else if (how === 'written') this.quiet.written(file);
    } catch (err) {
      this.logger.warn(
        `after a change to ${this.layout.rel(file)}: ${(err as Error).message}; the next scan looks again`,
      );
    }
    this.loop.add(file);
    this.loop.schedule();
  }

  private wire(): void {
    const { layout, logger, clock, journal, syncfs, guard, quiet, runner, index } = this;
    const again = (p: string) => {
      this.loop.add(p);
      this.loop.schedule();
    };
    this.parts = wireParts({
      ...{ layout, logger, clock, journal, syncfs, guard, quiet, runner, index, again },
      config: () => this.config,
      stopping: () => this.stopping,
      watching: () => this.config.watch && !this.wakeups.scanOnly,
      render: () => this.render(),
      rewatch: (dirs) => this.wakeups?.refresh(dirs),
      adopt: (next) => this.adopt(next),
      applied: (next) => this.applied(next),
    });
  }

  private async watch(): Promise<void> {
    const onBadDir = (dir: string) => void this.guard.isBad(dir);
    this.wakeups = await startWakeups({
      layout: this.layout,
      logger: this.logger,
      config: () => this.config,
      onPath: (p, how) => this.hint(p, how),
      onBadDir,
      scan: () => void this.scan(),
    });
  }

  // --- a config edit taken while running ----------------------------------------------
  private adopt(next: OrgConfig): void {
    if (boardShown(next) !== boardShown(this.config)) this.board.touch();
    this.config = next;
    this.journal.setThreadTtl(next.threadTtl);
  }

  private applied(next: OrgConfig): void {
    ensureWorkspaces(this.layout, this.logger, next);
    const added = watchedDirs(this.layout, this.config).filter((d) => !this.wakeups.dirs.includes(d));
    if (added.length) this.wakeups.add(added);
    this.runner.pump();
    void this.scan();
  }

  private render(): void {
    const { board, governance } = this.state;
    this.board.render(board, agentNames(this.config), governance, boardDone(this.config));
  }

  // --- the scan (the loop itself: loop.ts) -------------------------------------------

  private async scan(): Promise<void> {
    if (this.stopping) return;
    try {
      const again = this.logPause.retry(); // null: the log still cannot be written; take nothing
      if (!again) return;
      for (const p of again) this.loop.add(p);
      this.parts.configReload.reload();
      this.parts.delivery.redeliver();
      const entries = await scanMailboxes(this.wakeups, this.config.scanInterval, this.index);
      for (const e of entries) this.loop.add(e);
      await this.parts.unread.maybe();
      this.loop.schedule();
    } catch (err) {
      this.logger.warn(`scan failed: ${(err as Error).message}`);
    }
  }
}

/** What of the config the board's files show: the agents (the briefs) and which finished tasks BOARD.md keeps. */
function boardShown(c: OrgConfig): string {
  return `${Object.keys(c.agents).length} ${c.boardDoneAfter} ${c.boardDoneMax}`;
}
