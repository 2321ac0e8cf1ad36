/**
 * The runtime side of handler agents: queue a run for each message delivered to an agent with
 * a `command:`, start runs as lanes/plan.ts allows, and settle each end as decide/run-end.ts
 * decides (exit 0 -> done/; exit 75 -> the lane cools down; other failures back off until
 * max_attempts, then dead letter and bounce). Every decision is logged before it is acted on;
 * a run in flight when the daemon dies is queued again at the next start (decide/run-recovery.ts,
 * at least once); a finished run is never run again.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BusEvent, MessageAccepted } from '../../bus/events.js';
import { keepHandlerFailure } from '../../bus/store/deadletter.js';
import { copyName } from '../../bus/store/spool.js';
import { formatDuration } from '../../bus/time.js';
import type { Layout } from '../../workspaces/layout.js';
import type { OrgConfig } from '../config/config.js';
import { decideRunEnd, type AfterRun, type HandlerResult } from '../decide/run-end.js';
import { cancellations, nextWake, overdue, plan } from '../lanes/plan.js';
import { afterUsage, budgetWaitMails, gateFor } from '../decide/gates.js';
import type { Logger } from '../logger.js';
import { runKey, type Run } from '../state/runs.js';
import type { BusState } from '../state/state.js';
import type { JournalPort } from '../daemon/journal.js';
import { startHandler, type RunningHandler } from './handler.js';
import { handlerArgv, handlerEnvFor } from './launch.js';
import { moveToDone, recoverRuns, scratchDir } from './recovery.js';

/** What the runner needs from the daemon: the journal (emit = stage), and delivery for its bounces. */
export interface BusPort {
  layout: Layout;
  config: () => OrgConfig;
  state: () => BusState;
  logger: Logger;
  now: () => Date;
  emit: JournalPort['stage'];
  commit: JournalPort['commit'];
  /** Deliver an accepted message (a bounce) and log its delivery. */
  deliver: (e: MessageAccepted) => void;
}

/** How soon a start or an end that could not be recorded (the log not writable) is tried again. */
const RETRY_MS = 1000;

/** The result of a run whose handler could not be started. */
function notStarted(spawnError: string): HandlerResult {
  return { exitCode: null, signal: null, durationMs: 0, timedOut: false, stderrTail: '', spawnError };
}

export class Runner {
  private readonly running = new Map<string, RunningHandler>();
  private timer: NodeJS.Timeout | null = null;
  private readonly warned = new Set<string>();
  private stopping = false;
  private recovered = false;
  private completed: Array<{ run: Run; result: HandlerResult }> = [];
  private settling = false;
  /** Governance mail staged with a run's end (budget, context), delivered after the commit. */
  private notes: MessageAccepted[] = [];

  constructor(private readonly bus: BusPort) {}

  private isHandler(agent: string): boolean {
    return this.bus.config().agents[agent]?.command !== undefined;
  }

  /** Stage handler.queued for each handler agent among a delivered message's recipients. */
  queueDelivered(e: MessageAccepted): void {
    for (const agent of e.to) {
      if (!this.isHandler(agent)) continue;
      const cfg = this.bus.config().agents[agent]!;
      this.bus.emit({
        time: this.bus.now().toISOString(),
        type: 'handler.queued',
        id: e.id,
        agent,
        priority: e.priority,
        lane: cfg.lane ?? null,
        file: copyName(e),
      });
    }
  }

  /** After a restart: kill the handlers a killed daemon left behind, then carry out the recovery plan. */
  recover(): void {
    this.recovered = true;
    recoverRuns(this.bus);
  }

  /**
   * Start what the lanes allow now; set a timer for the next time something may start. Never
   * throws (it runs from timers): a failure (the log cannot be written) is said and retried.
   */
  pump(): void {
    try {
      this.pumpNow();
    } catch (err) {
      if ((err as Error).name !== 'LogPaused')
        this.bus.logger.warn(
          `could not start handler runs (${(err as Error).message}); trying again in ${formatDuration(RETRY_MS)}`,
        );
      if (this.timer) clearTimeout(this.timer);
      this.timer = this.stopping ? null : setTimeout(() => this.pump(), RETRY_MS);
    }
  }

  private pumpNow(): void {
    // Nothing starts before recover() has killed what a dead daemon left running and re-queued its runs.
    if (this.stopping || !this.recovered) return;
    const now = this.bus.now().getTime();
    const config = this.bus.config();
    for (const e of cancellations(this.bus.state().runtime, config, now)) this.bus.emit(e);
    const state = this.bus.state();
    const { start, waiting } = plan(state.runtime, config, now, gateFor(state.governance, state.board, config, now));
    const starts: Array<{ run: Run; file: string; text: string }> = [];
    for (const run of start) {
      const file = path.join(this.bus.layout.inbox(run.agent), run.file);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        this.bus.emit({
          time: this.bus.now().toISOString(),
          type: 'handler.cancelled',
          id: run.id,
          agent: run.agent,
          reason: `the message left ${run.agent}'s inbox before its run (moved to done/ or deleted)`,
        });
        continue;
      }
      this.bus.emit({
        time: this.bus.now().toISOString(),
        type: 'handler.started',
        id: run.id,
        agent: run.agent,
        attempt: run.attempt + 1,
        lane: run.lane,
      });
      starts.push({ run, file, text });
    }
    const alerts = budgetWaitMails(waiting, this.bus.now().toISOString())
      .filter((m) => !state.threads.has(m.id))
      .map((m) => this.bus.emit(m) as MessageAccepted);
    this.bus.commit();
    for (const m of alerts) this.bus.deliver(m);
    for (const s of starts) this.spawn(s.run, s.file, s.text);
    const { warn, next } = overdue(waiting, this.warned, config.waitWarning, now);
    for (const w of warn) {
      this.warned.add(runKey(w.run.agent, w.run.id));
      this.bus.logger.warn(
        `${w.run.id} for ${w.run.agent} has waited ${formatDuration(now - w.run.queuedAt)} (over wait_warning ${formatDuration(config.waitWarning)}); \`mailroom why ${w.run.id}\` says why`,
      );
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // Wake for the next possible start, and for the next wait to pass wait_warning (so a stall is said while it lasts).
    const wakes = [nextWake(waiting), next].filter((t) => t !== null);
    const wake = wakes.length ? Math.min(...wakes) : null;
    if (wake !== null) this.timer = setTimeout(() => this.pump(), Math.max(1, wake - now + 1));
  }

  /** Start a run whose handler.started is committed; any failure to start is the run's failure, with the reason. */
  private spawn(run: Run, file: string, text: string): void {
    try {
      this.spawnNow(run, file, text);
    } catch (err) {
      this.ended(run, notStarted(`could not start the handler: ${(err as Error).message}`));
    }
  }

  private spawnNow(run: Run, file: string, text: string): void {
    const cfg = this.bus.config().agents[run.agent]!;
    const workspace = this.bus.layout.workspace(run.agent);
    const { env, missing } = handlerEnvFor(this.bus.layout, cfg, workspace, file);
    if (missing.length)
      this.bus.logger.warn(
        `${run.agent} is granted secret(s) ${missing.join(', ')} that are not set; run \`mailroom secret set ${missing[0]}\``,
      );
    const launch = handlerArgv(this.bus.layout.root, workspace, cfg);
    if ('refuse' in launch) return this.ended(run, notStarted(launch.refuse));
    scratchDir(`${workspace}/.tmp`, `workspaces/${run.agent}/.tmp`);
    const handle = startHandler({
      argv: launch.argv,
      cwd: workspace,
      env,
      stdin: text,
      timeoutMs: cfg.timeout,
      killGraceMs: this.bus.config().killGrace,
    });
    const key = runKey(run.agent, run.id);
    this.running.set(key, handle);
    void handle.result.then((result) => {
      this.running.delete(key);
      if (!this.stopping) this.ended(run, result); // when stopping: run again after the restart
    });
  }

  /** Runs that ended together are settled together: one commit, then their file moves, then one pump. */
  private ended(run: Run, result: HandlerResult): void {
    this.completed.push({ run, result });
    if (this.settling) return;
    this.settling = true;
    setImmediate(() => this.settle());
  }

  private settle(): void {
    this.settling = false;
    const ends = this.completed.splice(0);
    const after: Array<{ then: AfterRun; events: BusEvent[] }> = [];
    try {
      for (const { run: r, result: res } of ends) {
        try {
          after.push(this.decide(r, res));
        } catch (err) {
          if ((err as Error).name === 'LogPaused') throw err; // kept and tried again below
          this.bus.logger.warn(`could not record the end of ${r.id}'s run by ${r.agent}: ${(err as Error).message}`);
        }
      }
      this.bus.commit();
    } catch (err) {
      // The log could not be written (nothing staged here was applied): keep the ends and try again, so no run holds its lane slot for good.
      if ((err as Error).name !== 'LogPaused')
        this.bus.logger.warn(
          `could not record the end of ${ends.length} handler run(s) (${(err as Error).message}); trying again in ${formatDuration(RETRY_MS)}`,
        );
      this.notes = []; // staged with the ends, not applied: staged again with them
      this.completed.unshift(...ends);
      if (!this.settling) {
        this.settling = true;
        setTimeout(() => this.settle(), RETRY_MS);
      }
      return;
    }
    for (const m of this.notes.splice(0)) this.bus.deliver(m);
    for (const a of after) {
      try {
        this.follow(a.then, a.events);
      } catch (err) {
        this.bus.logger.warn(`after a handler run: ${(err as Error).message}; the next start completes it`);
      }
    }
    this.pump();
  }

  /** Stage the events that end a run; returns what to do once they are committed. */
  private decide(run: Run, result: HandlerResult): { then: AfterRun; events: BusEvent[] } {
    const state = this.bus.state();
    const { attempt, failures, tempfails } = state.runtime.runs.get(runKey(run.agent, run.id))!;
    const { events, then } = decideRunEnd({
      run: { ...run, attempt, failures, tempfails },
      result,
      limits: this.bus.config().agents[run.agent],
      sender: state.threads.info(run.id)?.from,
      now: this.bus.now().getTime(),
      random: Math.random(),
    });
    const staged = events.map((e) => this.bus.emit(e));
    const ended = staged.find((e) => e.type === 'handler.succeeded' || e.type === 'handler.failed');
    const usage =
      ended && (ended.type === 'handler.succeeded' || ended.type === 'handler.failed') ? ended.usage : undefined;
    const s = this.bus.state();
    const mail = afterUsage(
      s.board,
      this.bus.config(),
      { agent: run.agent, id: run.id, attempt: attempt + 1 },
      usage,
      this.bus.now().toISOString(),
      (id) => s.threads.has(id),
    );
    for (const m of mail) this.notes.push(this.bus.emit(m) as MessageAccepted);
    return { then, events: staged };
  }

  private follow(then: AfterRun, events: BusEvent[]): void {
    if (then.do === 'move-to-done') moveToDone(this.bus, then.agent, then.file);
    if (then.do !== 'dead-letter') return;
    keepHandlerFailure(this.bus.layout.root, this.bus.layout.inbox(then.run.agent), then);
    const bounce = events.find((e): e is MessageAccepted => e.type === 'message.accepted' && e.id === then.bounce);
    if (bounce) this.bus.deliver(bounce);
  }

  /** Daemon stopping: stop the handlers (SIGTERM, then SIGKILL); they are run again after the restart. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const handles = [...this.running.values()];
    for (const h of handles) h.terminate();
    await Promise.all(handles.map((h) => h.result));
  }
}
