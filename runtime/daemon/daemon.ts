/**
 * The daemon: wake -> take -> log -> deliver -> render, one batch at a time.
 *
 * Message lifecycle (see bus/spool.ts for the exactly-once argument):
 *   outbox/<name> --rename--> bus/spool/<id>.<sender>.md --decide--> staged events
 *   --commit (fdatasync)--> inbox copies (staging + link), sent/ copy --> message.delivered
 *   --commit--> board render --> after one syncfs: staging and spool files removed.
 *   A person's drop into an inbox is decided in place, linked to its canonical name, and
 *   the dropped file is removed before `message.delivered`.
 *   A rejection is committed (message.rejected + the bounce's message.accepted) before the
 *   original moves to bus/deadletter/.
 * Timers: the reconciliation scan (scan_interval), the readiness re-check (250 ms while some
 * file is still being written), the unread-mail check (with each scan).
 * The daemon never dies of bad input: every per-file failure becomes a rejection or a retry.
 */
import { MAILROOM, OPERATOR } from '../../bus/vocabulary.js';
import fs from 'node:fs';
import path from 'node:path';
import { derivedId, isIgnoredName, newId, parseInboxName, selfCheckNames } from '../../bus/names.js';
import { Rejection } from '../../bus/rejection.js';
import type { BusEvent, MessageAccepted, MessageRejected, NewEvent } from '../../bus/events.js';
import { EventLog } from '../../bus/store/log.js';
import { bounceEvent, bounceId, keep, keptName } from '../../bus/store/deadletter.js';
import { copyName, deliverCopy, finish, parseSpoolName, spoolName, unlinkQuiet, writeSentCopy } from '../../bus/store/spool.js';
import { stampMessage } from '../../bus/message.js';
import { renderBoardJson, renderBoardMd, renderBrief } from '../../board/render.js';
import { Layout, mailboxOf } from '../../workspaces/layout.js';
import { ensureOrgDirs } from '../../workspaces/create.js';
import { mailboxProblem } from '../../workspaces/contain.js';
import { ConfigError, loadConfig, parseConfigText, type OrgConfig } from '../config/config.js';
import { listVersions, recordVersion, sha256, versionText } from '../config/history.js';
import { diffConfigs } from '../config/diff.js';
import { toJS } from '../config/edit.js';
import { decide, type Incoming } from '../decide/accept.js';
import { acquireDaemonLock } from './lock.js';
import { Logger } from '../logger.js';
import { alertKey, applyToState, foldState, type BusState } from '../state/state.js';
import { Wakeups } from './watch.js';
import { SyncFs } from './syncfs.js';
import { QuietFiles } from './quiet.js';
import { sweepWriters, type WriterSweep } from './writers.js';
import { formatDuration } from '../../bus/time.js';
import { checkQueuedNames } from './startup.js';
import { VERSION } from '../version.js';
import writeFileAtomic from 'write-file-atomic';
import { Runner } from '../runs/runner.js';
import { jailFor } from '../../workspaces/jail.js';
import { deliverAttachments, keepAttachments } from '../../workspaces/attachments.js';

const BATCH_LIMIT = 256;
const RECHECK_MS = 250;
const SYNC_GAP_MS = 500;
/** Where /proc cannot tell whether a file is still being written: wait until it is unchanged this long. */
const STABILITY_MS = 2000;
export const MAX_HOPS = 25;

export interface DaemonOptions {
  root: string;
  logger: Logger;
  clock?: () => Date;
}

interface Waiting {
  since: number;
  size: number;
  mtimeMs: number;
  stableSince: number;
}

type Action =
  | { kind: 'deliver'; event: MessageAccepted; origin?: string }
  | { kind: 'keep'; from: string; rejected: MessageRejected; place: string; bounce: MessageAccepted };

export class Daemon {
  readonly layout: Layout;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  config!: OrgConfig;
  state!: BusState;
  private log!: EventLog;
  private wakeups!: Wakeups;
  private release: (() => void) | null = null;
  private readonly candidates = new Set<string>();
  private readonly waiting = new Map<string, Waiting>();
  private running = false;
  private stopping = false;
  private scheduled = false;
  private timers: NodeJS.Timeout[] = [];
  private recheck: NodeJS.Timeout | null = null;
  private boardDirty = true;
  private readonly briefs = new Map<string, string>();
  private toFinish: Array<Pick<MessageAccepted, 'id' | 'to' | 'from' | 'source' | 'origin'>> = [];
  private syncing: Promise<void> | null = null;
  private syncfs!: SyncFs;
  private readonly quiet = new QuietFiles();
  private idle: Array<() => void> = [];
  private stopped!: Promise<void>;
  private resolveStopped!: () => void;
  readonly runner: Runner;

  constructor(opts: DaemonOptions) {
    this.layout = new Layout(fs.realpathSync(opts.root));
    this.logger = opts.logger;
    this.clock = opts.clock ?? (() => new Date());
    this.runner = new Runner({
      layout: this.layout,
      config: () => this.config,
      state: () => this.state,
      logger: this.logger,
      now: () => this.clock(),
      emit: (e) => this.emit(e),
      commit: () => this.commit(),
      deliver: (e) => this.act([{ kind: 'deliver', event: e }]),
    });
  }

  private now(): string {
    return this.clock().toISOString();
  }

  /** Start-up: lock, config, checks, replay, recovery, watchers, first scan. Throws on a refusal. */
  async start(): Promise<void> {
    this.stopped = new Promise((r) => (this.resolveStopped = r));
    this.configText = fs.existsSync(this.layout.config) ? fs.readFileSync(this.layout.config, 'utf8') : '';
    this.config = loadConfig(this.layout.config);
    const problems = selfCheckNames(this.now());
    if (problems.length) throw new Error(`file-name self-check failed:\n  - ${problems.join('\n  - ')}`);
    this.release = await acquireDaemonLock(this.layout, (err) => {
      this.logger.warn(`the daemon lock was compromised (${err.message}); stopping so that two daemons never write one log`);
      void this.stop('lock compromised', 1);
    });
    try {
      const created = ensureOrgDirs(this.layout, Object.keys(this.config.agents));
      for (const a of created) this.logger.info(`created workspace for ${a}`);
      const queued = checkQueuedNames(this.layout, [...Object.keys(this.config.agents), OPERATOR]);
      if (queued.length) throw new Error(`queued files with non-canonical names:\n  - ${queued.join('\n  - ')}`);
      this.log = new EventLog(this.layout.events);
      this.state = foldState(this.log.open());
      if (this.log.repair) {
        const r = this.log.repair;
        this.emit({ time: this.now(), type: 'log.repaired', segment: r.segment, droppedBytes: r.droppedBytes, note: `cut a torn last line of ${r.droppedBytes} bytes (a write interrupted by a crash)` });
      }
      this.emit({ time: this.now(), type: 'daemon.started', pid: process.pid, version: VERSION });
      this.commit();
      this.syncfs = new SyncFs(this.layout.root);
      this.syncfs.start();
      this.takeHandEdit(this.configText);
      for (const a of Object.values(this.config.agents)) {
        if (!a.command) continue;
        const jail = jailFor(a);
        if (jail.refuse) this.logger.warn(`agent ${a.name}'s handler will not run: ${jail.refuse}`);
        else if (!jail.jailed) this.logger.warn(`agent ${a.name}'s handler runs ${jail.note}`);
      }
      this.recover();
      this.runner.recover();
      this.render();
      this.wakeups = new Wakeups({
        dirs: this.watchedDirs(),
        files: [this.layout.config],
        onPath: (p, how) => this.hint(p, how),
        onBadDir: (dir) => void this.badMailbox(dir),
        onError: (err) => {
          this.logger.warn(`watcher error: ${err.message}${this.wakeups.scanOnly ? `; falling back to scans every ${formatDuration(this.config.scanInterval)}: ${this.wakeups.scanOnly}` : ''}`);
          void this.scan();
        },
      });
      if (this.config.watch) await this.wakeups.start();
      else this.logger.info(`watch: false: scanning every ${formatDuration(this.config.scanInterval)} instead of watching`);
      await this.scan();
      this.runner.pump();
      this.timers.push(setInterval(() => void this.scan(), this.config.scanInterval));
    } catch (err) {
      this.syncfs?.close();
      this.release?.();
      this.release = null;
      throw err;
    }
  }

  /** Resolves when the daemon has stopped. */
  get done(): Promise<void> {
    return this.stopped;
  }

  exitCode = 0;

  async stop(reason: string, code = 0): Promise<void> {
    if (this.stopping) return this.stopped;
    this.stopping = true;
    this.exitCode = code;
    for (const t of this.timers) clearInterval(t);
    if (this.recheck) clearTimeout(this.recheck);
    await this.wakeups?.close();
    while (this.running) await new Promise<void>((r) => this.idle.push(r));
    await this.runner.stop();
    try {
      await this.flushFinishes();
      this.syncfs?.close();
      this.emit({ time: this.now(), type: 'daemon.stopped', pid: process.pid, reason });
      this.commit();
      this.log.close();
    } finally {
      this.release?.();
      this.release = null;
      this.resolveStopped();
    }
  }

  private watchedDirs(): string[] {
    const agents = Object.keys(this.config.agents);
    return [...agents.flatMap((a) => [this.layout.outbox(a), this.layout.inbox(a)]), this.layout.outbox(OPERATOR)];
  }

  // --- the config: versioned, hand edits taken while running -------------------------

  private configText = '';
  private unreadableConfig: string | null = null;
  private configSeen: string | null = null;
  private refusedSha: string | null = null;

  /** Version the running config (if new) and log config.changed when the log does not have it yet. */
  /** Version the config if it is new; log config.changed. Returns what a new version removed (agents, lanes, grants, ...), if anything. */
  private recordConfig(text: string, author: string): { removals: string[]; previous: number | null } {
    const versions = listVersions(this.layout);
    const latest = versions.at(-1);
    const sha = sha256(text);
    let entry = latest;
    let removals: string[] = [];
    if (!latest || latest.sha256 !== sha) {
      const before = latest ? versionText(this.layout, latest.version) : null;
      const diff = before === null ? null : diffConfigs(toJS(before), toJS(text));
      removals = diff?.removals ?? [];
      entry = recordVersion(this.layout, text, latest ? author : 'init', diff?.summary ?? 'the config as first seen by the daemon', this.clock());
      // Someone else (a `mailroom config` command) recorded this text meanwhile: theirs, not a hand edit.
      if (entry.author !== author || entry.version !== (latest?.version ?? 0) + 1) removals = [];
    }
    if (this.state.configSha !== sha) {
      this.emit({ time: this.now(), type: 'config.changed', version: entry!.version, author: entry!.author, summary: entry!.summary, sha256: sha });
      this.commit();
    }
    return { removals, previous: removals.length && latest ? latest.version : null };
  }

  /** mailroom.yaml changed on disk: take a valid edit; keep the last good config and say why for an invalid one. */
  private reloadConfig(): void {
    if (this.stopping) return;
    // Unchanged since the last read (every scan asks): no /proc sweep, no read.
    const st = fs.statSync(this.layout.config, { throwIfNoEntry: false });
    const seen = st ? `${st.ino}:${st.size}:${st.mtimeMs}` : null;
    // (A file changed within the last second is read anyway: two same-size writes can share one mtime tick.)
    if (seen !== null && seen === this.configSeen && Date.now() - st!.mtimeMs > 1000) return;
    // Being written right now (an editor saving in place): read it when the writer is done.
    if (sweepWriters(this.layout.config).open.has(this.layout.config)) return;
    this.configSeen = seen;
    let text: string;
    try {
      text = fs.readFileSync(this.layout.config, 'utf8');
    } catch (err) {
      // Missing (an editor between delete and write, or removed by mistake) or unreadable: the last good config stays.
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (this.unreadableConfig !== code) {
        const running = listVersions(this.layout).at(-1)?.version ?? 0;
        this.logger.warn(`mailroom.yaml cannot be read (${code}); still running version ${running}. Put it back, e.g. \`mailroom config show ${running} > mailroom.yaml\``);
      }
      this.unreadableConfig = code;
      return;
    }
    this.unreadableConfig = null;
    if (text === this.configText) {
      this.refusedSha = null; // back to the running text: the same bad edit made again is refused (and said) again
      return;
    }
    const sha = sha256(text);
    let next: OrgConfig;
    try {
      next = parseConfigText(text, this.layout.config);
    } catch (err) {
      if (this.refusedSha === sha) return;
      this.refusedSha = sha;
      const problems = err instanceof ConfigError ? err.problems : [(err as Error).message];
      const running = listVersions(this.layout).at(-1)?.version ?? 0;
      this.logger.warn(`mailroom.yaml was edited, but the edit is not valid, so it is NOT applied; still running version ${running}:\n  - ${problems.join('\n  - ')}`);
      this.emit({ time: this.now(), type: 'config.refused', sha256: sha, problems, running });
      this.alertOperator(
        derivedId('config-refused', sha, String(this.state.lastSeq)),
        `mailroom.yaml edit refused: still running version ${running}`,
        [`An edit of mailroom.yaml is not valid, so the daemon did not apply it and keeps running on version ${running}:`, '', ...problems.map((p) => `- ${p}`), '', 'Fix the file (the next valid edit is taken at once), or go back with `mailroom config rollback ' + running + '`.'].join('\n'),
      );
      return;
    }
    const before = this.config;
    this.configText = text;
    this.refusedSha = null;
    this.config = next;
    this.takeHandEdit(text);
    const created = ensureOrgDirs(this.layout, Object.keys(next.agents));
    for (const a of created) this.logger.info(`created workspace for ${a}`);
    const added = this.watchedDirs().filter((d) => !this.wakeups.dirs.includes(d));
    if (added.length) this.wakeups.add(added);
    if (Object.keys(before.agents).length !== Object.keys(next.agents).length) this.boardDirty = true;
    this.runner.pump();
    void this.scan();
  }

  /** Record a hand edit (a new version, config.changed); if it removed agents, lanes, groups or grants, say so loudly, with the way back. */
  private takeHandEdit(text: string): void {
    const { removals, previous } = this.recordConfig(text, 'hand-edit');
    if (!removals.length || previous === null) return;
    this.logger.warn(`mailroom.yaml was edited by hand and the edit ${removals.join('; ')}; \`mailroom config rollback ${previous}\` restores version ${previous}`);
    this.alertOperator(
      derivedId('config-removed', sha256(text), String(this.state.lastSeq)),
      `mailroom.yaml hand edit removed things: ${removals[0]!.length > 100 ? `${removals[0]!.slice(0, 97)}...` : removals[0]}`,
      ['A hand edit of mailroom.yaml was valid, so the daemon now runs on it, and it:', '', ...removals.map((r) => `- ${r}`), '', `If that was not meant, \`mailroom config rollback ${previous}\` restores the version before it (every version is kept in .mailroom/config-history/).`].join('\n'),
    );
  }

  /** A message from mailroom to the operator's inbox (stamped, logged, delivered like any other). */
  private alertOperator(id: string, subject: string, body: string): void {
    const time = this.now();
    const text = stampMessage({ to: [OPERATOR], priority: 'high', subject, kind: 'message', body: `\n${body}\n` }, { id, from: MAILROOM, to: [OPERATOR], sent: time, thread: id, hops: 0 });
    const event = this.emit({ time, type: 'message.accepted', id, from: MAILROOM, to: [OPERATOR], priority: 'high', subject, kind: 'message', thread: id, hops: 0, source: 'daemon', text }) as MessageAccepted;
    this.commit();
    this.act([{ kind: 'deliver', event }]);
  }

  // --- events -------------------------------------------------------------------------

  private emitted: BusEvent[] = [];

  private emit(e: NewEvent): BusEvent {
    const event = this.log.stage(e);
    applyToState(this.state, event);
    this.emitted.push(event);
    if ((event.type === 'message.accepted' && event.task) || ((event.type === 'handler.succeeded' || event.type === 'handler.failed') && event.usage)) this.boardDirty = true;
    return event;
  }

  /** Group commit: one write and one fdatasync for everything staged; then tell the log reader. */
  private commit(): void {
    this.log.commit();
    const events = this.emitted;
    this.emitted = [];
    this.logger.events(events);
    this.render();
  }

  // --- wake-ups -----------------------------------------------------------------------

  hint(file: string, how: 'created' | 'written' | 'scan' = 'scan'): void {
    if (this.stopping) return;
    if (file === this.layout.config) return this.reloadConfig();
    if (parseInboxName(path.basename(file)) && path.basename(path.dirname(file)) === 'inbox') return; // a delivered copy
    if (how === 'created') this.quiet.track(file);
    else if (how === 'written') this.quiet.written(file);
    this.candidates.add(file);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.stopping) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async scan(): Promise<void> {
    if (this.stopping) return;
    try {
      this.reloadConfig();
      this.redeliver();
      // Delivered copies (canonical names in an inbox) are skipped before any other work.
      const entries = await this.wakeups.scan((dir, name) => parseInboxName(name) !== null && path.basename(dir) === 'inbox');
      for (const e of entries) this.candidates.add(e);
      const now = Date.now();
      if (now - this.unreadCheckedAt >= this.unreadEvery()) {
        this.unreadCheckedAt = now;
        await this.checkUnread();
      }
      this.schedule();
    } catch (err) {
      this.logger.warn(`scan failed: ${(err as Error).message}`);
    }
  }

  private async drain(): Promise<void> {
    if (this.running || this.stopping) return;
    this.running = true;
    try {
      while (this.candidates.size > 0 && !this.stopping) {
        const batch: string[] = [];
        for (const c of this.candidates) {
          batch.push(c);
          this.candidates.delete(c);
          if (batch.length >= BATCH_LIMIT) break;
        }
        try {
          this.runBatch(batch);
        } catch (err) {
          // An I/O failure outside any one file (disk full, permissions): say so loudly, keep going.
          this.logger.warn(`batch failed: ${(err as Error).stack ?? err}; the files stay where they are and are retried at the next scan`);
        }
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.running = false;
      for (const r of this.idle.splice(0)) r();
    }
    if (this.waiting.size > 0 && !this.recheck && !this.stopping) {
      this.recheck = setTimeout(() => {
        this.recheck = null;
        for (const p of this.waiting.keys()) this.candidates.add(p);
        this.schedule();
      }, RECHECK_MS);
    }
  }

  // --- one batch ----------------------------------------------------------------------

  private runBatch(paths: string[]): void {
    const actions: Action[] = [];
    let sweep: WriterSweep | null = null;
    const writers = () => (sweep ??= sweepWriters(this.layout.root + path.sep));
    for (const p of paths) {
      try {
        const action = this.consider(p, writers);
        if (action) actions.push(...action);
      } catch (err) {
        this.logger.warn(`could not take ${this.layout.rel(p)}: ${(err as Error).message}; it stays there and is retried at the next scan`);
      }
    }
    this.commit();
    this.act(actions);
  }

  /** Decide about one path. Returns what to do once the decision is committed. */
  private consider(p: string, writers: () => WriterSweep): Action[] | null {
    const where = mailboxOf(this.layout, p);
    if (where) {
      if (isIgnoredName(where.name)) return null;
      const known = where.agent === OPERATOR || where.agent in this.config.agents;
      if (!known) return null;
      if (this.badMailbox(path.dirname(p))) return null; // a link into the org: never taken from
      if (where.box === 'outbox') return this.considerOutbox(p, where.agent, where.name, writers);
      if (where.box === 'inbox' && where.agent !== OPERATOR) return this.considerInbox(p, where.agent, where.name, writers);
      return null;
    }
    if (path.dirname(p) === this.layout.spool) {
      const s = parseSpoolName(path.basename(p));
      if (s) return this.considerSpool(p, s.id, s.sender, s.origin);
    }
    return null;
  }

  private readonly badMailboxes = new Set<string>();

  /** Is this mailbox folder a link or not a directory? Said once, loudly (stderr and an operator alert); checked again every time. */
  private badMailbox(dir: string): boolean {
    const problem = mailboxProblem(dir);
    if (!problem) {
      this.badMailboxes.delete(dir);
      return false;
    }
    if (!this.badMailboxes.has(dir)) {
      this.badMailboxes.add(dir);
      const rel = this.layout.rel(dir);
      this.logger.warn(`${rel} is not a real folder (${problem}); mailroom neither takes from nor delivers through it until it is one again`);
      this.alertOperator(
        derivedId('bad-mailbox', rel, String(this.state.lastSeq)),
        `${rel} is not a real folder`,
        [`${problem}.`, '', `mailroom never lists, takes from or writes through such a folder: a handler can replace its own mailbox folder, and a link into the org would let it move the config or the secrets. Nothing is taken from or delivered to \`${rel}\` until it is a real folder again:`, '', '```', `rm ${rel} && mkdir -m 700 ${rel}`, '```', '', 'Mail for it waits in the log and is delivered at the next scan after that.'].join('\n'),
      );
    }
    return true;
  }

  private lstat(p: string): fs.Stats | null {
    return fs.lstatSync(p, { throwIfNoEntry: false }) ?? null;
  }

  /** Is a regular file complete? 'ready', 'wait', or a Rejection when it has been written to for too long. */
  private readiness(p: string, st: fs.Stats, writers: () => WriterSweep): 'ready' | 'wait' | Rejection {
    if (this.config.watch && !this.wakeups.scanOnly) {
      const q = this.quiet.check(p, st);
      if (q === 'ready') return 'ready';
      if (q === 'pending') return 'wait';
      if (q === 'confirm') {
        this.quiet.confirmSoon(p, () => {
          this.candidates.add(p);
          this.schedule();
        });
        return 'wait';
      }
    }
    const now = Date.now();
    const prev = this.waiting.get(p);
    const sweep = writers();
    let busy = sweep.open.has(p);
    if (!busy && !sweep.complete && st.uid !== process.getuid?.()) {
      // /proc cannot see the writer: fall back to a stability window.
      const stableSince = prev && prev.size === st.size && prev.mtimeMs === st.mtimeMs ? prev.stableSince : now;
      busy = now - stableSince < STABILITY_MS;
      if (busy) this.waiting.set(p, { since: prev?.since ?? now, size: st.size, mtimeMs: st.mtimeMs, stableSince });
    } else if (busy) {
      this.waiting.set(p, { since: prev?.since ?? now, size: st.size, mtimeMs: st.mtimeMs, stableSince: now });
    }
    if (!busy) {
      this.waiting.delete(p);
      return 'ready';
    }
    const since = this.waiting.get(p)!.since;
    if (now - since > this.config.writeGrace) {
      this.waiting.delete(p);
      return new Rejection(
        `the file was still open for writing after ${formatDuration(now - since)} (write_grace is ${formatDuration(this.config.writeGrace)})`,
        'Write the file elsewhere and move it into the outbox when it is complete (mv is atomic), or close the program that holds it open.',
      );
    }
    return 'wait';
  }

  private considerOutbox(p: string, agent: string, name: string, writers: () => WriterSweep): Action[] | null {
    const st = this.lstat(p);
    if (!st) {
      this.quiet.forget(p);
      return null;
    }
    if (st.isFile()) {
      const r = this.readiness(p, st, writers);
      if (r === 'wait') return null;
      this.quiet.forget(p);
      if (r instanceof Rejection) return this.takeAndReject(p, agent, name, r);
    }
    this.quiet.forget(p);
    const id = newId();
    const spooled = path.join(this.layout.spool, spoolName(id, agent, name));
    try {
      fs.renameSync(p, spooled); // the take: atomic; a second look finds nothing
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      if ((err as NodeJS.ErrnoException).code === 'EXDEV') throw new Error(`${this.layout.rel(p)} is on another filesystem than bus/spool; keep the whole org on one filesystem`);
      throw err;
    }
    return this.considerSpool(spooled, id, agent, name, st);
  }

  private takeAndReject(p: string, agent: string, name: string, r: Rejection): Action[] | null {
    const id = newId();
    const spooled = path.join(this.layout.spool, spoolName(id, agent, name));
    fs.renameSync(p, spooled);
    return [this.reject(spooled, id, agent, 'outbox', name, r, `workspaces/${agent}/outbox/`)];
  }

  /** A file in the spool: decide from its bytes (never following a link). */
  private considerSpool(spooled: string, id: string, sender: string, origin: string, taken?: fs.Stats): Action[] | null {
    if (this.state.threads.has(id) || this.state.rejected.has(id)) return null; // handled by recovery
    const place = `workspaces/${sender}/outbox/`;
    const read = this.readEntry(spooled, taken);
    if (read instanceof Rejection) return [this.reject(spooled, id, sender, 'outbox', origin, read, place)];
    return this.accept({ bytes: read.bytes, sender, source: 'outbox', origin }, id, spooled, place);
  }

  private considerInbox(p: string, agent: string, name: string, writers: () => WriterSweep): Action[] | null {
    if (parseInboxName(name)) return null; // a delivered copy
    if (name === 'attachments') return null;
    const st = this.lstat(p);
    if (!st) {
      this.quiet.forget(p);
      return null;
    }
    const place = `workspaces/${agent}/inbox/ (dropped by a person)`;
    this.quiet.forget(p); // a person's drop always gets the /proc sweep (they are rare; editors write in place)
    if (st.isFile()) {
      const r = this.readiness(p, st, writers);
      if (r === 'wait') return null;
      if (r instanceof Rejection) return [this.reject(p, newId(), OPERATOR, 'inbox', name, r, place, st.ino)];
    }
    const id = newId();
    const read = this.readEntry(p);
    if (read instanceof Rejection) return [this.reject(p, id, OPERATOR, 'inbox', name, read, place, st.ino)];
    return this.accept({ bytes: read.bytes, sender: OPERATOR, source: 'inbox', inboxOwner: agent, origin: name, originIno: st.ino }, id, p, place);
  }

  /** Read a regular file without following links; anything else is a Rejection that names what it is. */
  private readEntry(p: string, known?: fs.Stats): { bytes: Buffer } | Rejection {
    const notAFile = (st: fs.Stats) => {
      const what = st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a named pipe (fifo)' : st.isSocket() ? 'a socket' : 'a device or special file';
      return new Rejection(`${what} is where a message file belongs; mailroom never follows or reads through it`, 'Put a regular markdown file there (cp the content, do not link it).');
    };
    // `known`: the lstat of the same entry before it was taken (a rename keeps the inode), so
    // only a regular file is ever opened; the fstat below proves it is still that file.
    const st = known ?? fs.lstatSync(p);
    if (!st.isFile()) return notAFile(st);
    let fd: number;
    try {
      fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') return notAFile(fs.lstatSync(p)); // swapped for a link meanwhile
      if (code === 'EACCES' || code === 'EPERM') {
        return new Rejection(`the file cannot be read by the daemon (${code}: permission denied)`, 'Make it readable (chmod u+r) and move it back into the outbox.');
      }
      throw err;
    }
    try {
      const opened = fs.fstatSync(fd);
      if (!opened.isFile() || opened.ino !== st.ino) {
        if (!opened.isFile()) return notAFile(opened);
        return new Rejection('the file was replaced while mailroom was taking it', 'Write the file elsewhere and move it into the outbox when it is complete (mv is atomic).');
      }
      const size = opened.size;
      const limit = this.config.maxMessageBytes;
      const buf = Buffer.alloc(Math.min(size, limit + 1));
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(fd, buf, got, buf.length - got, got);
        if (n === 0) break;
        got += n;
      }
      if (size > limit) {
        return new Rejection(`the file is ${size} bytes, over the limit of ${limit} bytes (max_message_bytes)`, 'Split it, or raise max_message_bytes in mailroom.yaml.');
      }
      return { bytes: buf.subarray(0, got) };
    } finally {
      fs.closeSync(fd);
    }
  }

  private accept(input: Incoming, id: string, at: string, place: string): Action[] {
    try {
      const fields = decide(input, { config: this.config, board: this.state.board, threads: this.state.threads, maxHops: MAX_HOPS }, id, this.now());
      if (fields.attachments?.length) keepAttachments(this.layout, input.sender, id, fields.attachments, this.config.maxAttachmentBytes);
      const event = this.emit(fields) as MessageAccepted;
      return [{ kind: 'deliver', event, origin: input.source === 'inbox' ? at : undefined }];
    } catch (err) {
      if (!(err instanceof Rejection)) throw err;
      return [this.reject(at, id, input.sender, input.source, input.origin, err, place, input.originIno)];
    }
  }

  private reject(at: string, id: string, sender: string, source: 'outbox' | 'inbox', origin: string, r: Rejection, place: string, originIno?: number): Action {
    const fields: Omit<MessageRejected, 'seq'> = {
      time: this.now(),
      type: 'message.rejected',
      id,
      from: sender,
      source,
      origin,
      ...(originIno !== undefined ? { originIno } : {}),
      reason: r.reason,
      fix: r.fix,
      kept: `bus/deadletter/${keptName(id, origin)}`,
      bounce: bounceId(id),
    };
    const rejected = this.emit(fields) as MessageRejected;
    const bounce = this.emit(bounceEvent(fields, place)) as MessageAccepted;
    return { kind: 'keep', from: at, rejected, place, bounce };
  }

  /** After the decisions are durable: move rejected files, deliver copies, log deliveries. */
  private act(actions: Action[]): void {
    const delivered: MessageAccepted[] = [];
    for (const a of actions) {
      try {
        if (a.kind === 'keep') {
          keep(this.layout.deadletter, a.from, a.rejected, a.place);
          delivered.push(this.deliver(a.bounce));
        } else {
          delivered.push(this.deliver(a.event, a.origin));
        }
      } catch (err) {
        this.logger.warn(`delivery step failed (${(err as Error).message}); it is retried at the next scan`);
      }
    }
    this.render(); // before the finish below, as before: the board of this batch is on disk first
    this.logDelivered(delivered, true);
  }

  private deliver(e: MessageAccepted, origin?: string): MessageAccepted {
    for (const r of e.to) {
      const copy = () => {
        if (e.attachments?.length) deliverAttachments(this.layout, r, e.id, e.attachments);
        deliverCopy(this.layout, e, r);
      };
      try {
        copy();
      } catch (err) {
        // A workspace deleted while the daemon runs is made again (as `start` would), then the copy is retried once.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !ensureOrgDirs(this.layout, [r]).length) throw err;
        this.logger.warn(`workspaces/${r} was missing (deleted while the daemon ran); created it again`);
        this.wakeups?.refresh([this.layout.outbox(r), this.layout.inbox(r)]);
        copy();
      }
    }
    if (e.source === 'inbox' && origin) {
      const st = this.lstat(origin);
      if (st && (e.originIno === undefined || st.ino === e.originIno)) unlinkQuiet(origin);
    }
    if (e.source === 'outbox' && mailboxProblem(this.layout.sent(e.from))) this.badMailbox(this.layout.sent(e.from)); // no sent copy through a link
    else writeSentCopy(this.layout, e);
    return e;
  }

  // --- finishing: one syncfs, then remove staging and spool files ---------------------

  private scheduleFinish(): void {
    if (this.syncing || this.toFinish.length === 0) return;
    const batch = this.toFinish;
    this.toFinish = [];
    this.syncing = new Promise<void>((resolve) => {
      const done = (err: Error | null) => {
        if (err) this.logger.warn(`syncfs failed (${err.message}); staging files are kept until the next start`);
        else for (const e of batch) finish(this.layout, e);
        this.syncing = null;
        resolve();
        // At most one syncfs per SYNC_GAP_MS: finishing is housekeeping, not delivery.
        setTimeout(() => this.scheduleFinish(), this.stopping ? 0 : SYNC_GAP_MS).unref();
      };
      this.syncfs.sync().then(() => done(null), done);
    });
  }

  private async flushFinishes(): Promise<void> {
    while (this.syncing || this.toFinish.length) {
      this.scheduleFinish();
      await this.syncing;
    }
  }

  // --- recovery -----------------------------------------------------------------------

  /** Finish whatever a crash interrupted, using the log as the record of what was decided. */
  private recover(): void {
    const s = this.state;
    // Rejections whose original did not reach the dead-letter folder yet.
    for (const r of s.rejected.values()) {
      const from = r.source === 'outbox' ? path.join(this.layout.spool, spoolName(r.id, r.from, r.origin)) : null;
      if (from && this.lstat(from)) keep(this.layout.deadletter, from, r, `workspaces/${r.from}/outbox/`);
    }
    for (const r of s.rejected.values()) {
      if (r.source !== 'inbox' || r.originIno === undefined) continue;
      // A person's drop rejected in place: move it if that very file is still there.
      for (const agent of Object.keys(this.config.agents)) {
        const p = path.join(this.layout.inbox(agent), r.origin);
        const st = this.lstat(p);
        if (st && st.ino === r.originIno) keep(this.layout.deadletter, p, r, `workspaces/${agent}/inbox/`);
      }
    }
    // Accepted, not yet delivered: deliver again (a repeat finds the copies by name).
    const recovered = this.redeliver(false); // no runs start before the runner has recovered (it kills orphans first)
    if (recovered) this.logger.info(`recovered ${recovered} message(s) accepted before a stop but not yet delivered`);
    // Debris: staging files of finished messages; spool files of delivered ones; spool files never decided.
    for (const name of fs.readdirSync(this.layout.staging)) {
      const id = name.split('.')[0]!;
      if (!s.undelivered.has(id)) unlinkQuiet(path.join(this.layout.staging, name));
    }
    for (const name of fs.readdirSync(this.layout.spool)) {
      const sp = parseSpoolName(name);
      const p = path.join(this.layout.spool, name);
      if (!sp) {
        this.logger.warn(`bus/spool/${name} is not a spool file of mailroom's; it is left alone`);
        continue;
      }
      if (s.threads.has(sp.id)) unlinkQuiet(p);
      else if (!s.rejected.has(sp.id)) this.candidates.add(p);
    }
  }

  /** After copies are in place: log message.delivered (one commit), queue handler runs, finish after a syncfs. */
  private logDelivered(delivered: MessageAccepted[], pump: boolean): void {
    for (const e of delivered) {
      this.emit({ time: this.now(), type: 'message.delivered', id: e.id, to: e.to });
      this.runner.queueDelivered(e);
    }
    this.commit();
    for (const e of delivered) this.toFinish.push(e);
    this.scheduleFinish();
    if (delivered.length && pump) this.runner.pump();
  }

  private undeliverable = new Set<string>();

  /**
   * Deliver every accepted message whose delivery did not finish (a crash, or a delivery step
   * that failed: a full disk, a permission). At start-up and at every scan, so a passing
   * failure heals without a restart. Returns how many were delivered now.
   */
  private redeliver(pump = true): number {
    if (this.state.undelivered.size === 0) return 0;
    const delivered: MessageAccepted[] = [];
    for (const e of [...this.state.undelivered.values()]) {
      const origin = e.source === 'inbox' && e.origin ? path.join(this.layout.inbox(e.to[0]!), e.origin) : undefined;
      try {
        delivered.push(this.deliver(e, origin));
        this.undeliverable.delete(e.id);
      } catch (err) {
        if (!this.undeliverable.has(e.id)) this.logger.warn(`could not deliver ${e.id} to ${e.to.join(', ')} (${(err as Error).message}); it is retried at every scan`);
        this.undeliverable.add(e.id);
      }
    }
    this.logDelivered(delivered, pump);
    return delivered.length;
  }

  // --- unread mail --------------------------------------------------------------------

  private unreadCheckedAt = 0;

  /** How often inboxes are listed for unread mail: a tenth of the shortest stuck_after, between scan_interval and 30 s. */
  private unreadEvery(): number {
    const shortest = Math.min(...Object.values(this.config.stuckAfter));
    return Math.max(this.config.scanInterval, Math.min(30_000, shortest / 10));
  }

  private async checkUnread(): Promise<void> {
    // List first (yielding between inboxes), then decide and emit in one synchronous step.
    const inboxes: Array<[string, string[]]> = [];
    for (const agent of Object.keys(this.config.agents)) {
      try {
        inboxes.push([agent, await fs.promises.readdir(this.layout.inbox(agent))]);
      } catch {
        /* no inbox (yet): nothing unread */
      }
    }
    if (this.stopping) return;
    const now = this.clock().getTime();
    const alerts: MessageAccepted[] = [];
    for (const [agent, names] of inboxes) {
      for (const name of names) {
        const parsed = parseInboxName(name);
        if (!parsed) continue;
        const age = now - Date.parse(parsed.sent);
        if (age <= this.config.stuckAfter[parsed.priority]) continue;
        if (this.state.alerted.has(alertKey(parsed.id, agent))) continue;
        const id = derivedId('alert', parsed.id, agent);
        const time = this.now();
        const subject = `Unread for ${formatDuration(age)}: ${agent} has not read ${parsed.id}`;
        const body = [
          '',
          `**${agent}** has had \`workspaces/${agent}/inbox/${name}\` (priority ${parsed.priority}) unread for ${formatDuration(age)}, longer than stuck_after.${parsed.priority} (${formatDuration(this.config.stuckAfter[parsed.priority])}).`,
          '',
          `See it with \`mailroom show ${parsed.id}\`. If ${agent} is external, check whatever reads its inbox; once handled, the agent moves the file to \`done/\`.`,
          '',
        ].join('\n');
        const text = stampMessage({ to: [OPERATOR], priority: 'high', subject, kind: 'message', body }, { id, from: MAILROOM, to: [OPERATOR], sent: time, thread: parsed.id, hops: 0 });
        const event = this.emit({ time, type: 'message.accepted', id, from: MAILROOM, to: [OPERATOR], priority: 'high', subject, kind: 'message', thread: parsed.id, hops: 0, source: 'daemon', text }) as MessageAccepted;
        this.emit({ time, type: 'alert.sent', id, message: parsed.id, agent, age });
        alerts.push(event);
      }
    }
    if (alerts.length === 0) return;
    this.commit();
    this.act(alerts.map((event) => ({ kind: 'deliver' as const, event })));
  }

  // --- rendering ----------------------------------------------------------------------

  private render(): void {
    if (!this.boardDirty) return;
    this.boardDirty = false;
    const board = this.state.board;
    try {
      writeFileAtomic.sync(this.layout.boardMd, renderBoardMd(board), { fsync: false });
      writeFileAtomic.sync(this.layout.boardJson, renderBoardJson(board), { fsync: false });
      for (const agent of Object.keys(this.config.agents)) {
        const text = renderBrief(board, agent);
        if (this.briefs.get(agent) === text) continue;
        this.briefs.set(agent, text);
        // Not write-file-atomic: it writes through a symlink to its target, and BRIEF.md sits in
        // the agent's own workspace, where a handler could make it a link to a secret. A file
        // written under bus/ and renamed over BRIEF.md replaces whatever is there, link or not.
        const tmp = path.join(this.layout.staging, `brief.${agent}.${process.pid}.tmp`);
        try {
          fs.writeFileSync(tmp, text, { mode: 0o600 });
          fs.renameSync(tmp, this.layout.brief(agent));
        } catch (err) {
          unlinkQuiet(tmp);
          this.logger.warn(`could not write workspaces/${agent}/BRIEF.md (${(err as Error).message}); it is written again when the board changes`);
        }
      }
    } catch (err) {
      this.boardDirty = true;
      this.logger.warn(`could not render the board: ${(err as Error).message}`);
    }
  }

  /** Copy name for a delivered event (used by tests and `show`). */
  static copyName = copyName;
}
