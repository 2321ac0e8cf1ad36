/**
 * The runtime side of handler agents: queue a run for each message delivered to an agent with
 * a `command:`, start runs as lanes.ts plans them, and turn each exit into events:
 *   exit 0   -> handler.succeeded; the message moves to done/
 *   exit 75  -> handler.failed (tempfail); the lane cools down (`retry-after: N` on stderr is
 *               honoured); retried, up to MAX_TEMPFAILS times
 *   other    -> handler.failed; retried with exponential back-off and jitter until
 *               max_attempts, then dead-lettered (with the stderr tail in .reason.md) and bounced
 * Every decision is logged before it is acted on; a run in flight when the daemon dies is
 * queued again at the next start (at least once); a finished run is never run again.
 */
import { MAILROOM, OPERATOR } from '../../bus/vocabulary.js';
import fs from 'node:fs';
import path from 'node:path';
import type { BusEvent, HandlerFailed, MessageAccepted, NewEvent } from '../../bus/events.js';
import { derivedId, parseInboxName } from '../../bus/names.js';
import { stampMessage } from '../../bus/message.js';
import { keptName } from '../../bus/store/deadletter.js';
import { mailboxProblem } from '../../workspaces/contain.js';
import { copyName } from '../../bus/store/spool.js';
import { type Layout } from '../../workspaces/layout.js';
import type { OrgConfig } from '../config/config.js';
import { handlerArgv } from '../../workspaces/jail.js';
import { readSecrets } from '../../workspaces/secrets.js';
import { formatDuration } from '../../bus/time.js';
import { handlerEnv, startHandler, type HandlerResult, type RunningHandler } from './handler.js';
import { DEFAULT_COOLDOWN_MS, MAX_TEMPFAILS, backoff, nextWake, plan, retryAfter, runKey, type Run } from '../lanes/lanes.js';
import type { Logger } from '../logger.js';
import type { BusState } from '../state/state.js';

/** What the runner needs from the daemon. */
export interface BusPort {
  layout: Layout;
  config: () => OrgConfig;
  state: () => BusState;
  logger: Logger;
  now: () => Date;
  emit: (e: NewEvent) => BusEvent;
  commit: () => void;
  /** Deliver an accepted message (a bounce) and log its delivery. */
  deliver: (e: MessageAccepted) => void;
}

export class Runner {
  private readonly running = new Map<string, RunningHandler>();
  private timer: NodeJS.Timeout | null = null;
  private readonly warned = new Set<string>();
  private stopping = false;
  private recovered = false;

  constructor(private readonly bus: BusPort) {}

  private isHandler(agent: string): boolean {
    return this.bus.config().agents[agent]?.command !== undefined;
  }

  /** Queued runs of an agent that was removed or lost its command: cancelled (the message stays in its inbox), never started. */
  private cancelOrphanedRuns(): void {
    const rt = this.bus.state().runtime;
    for (const key of [...rt.queued]) {
      const run = rt.runs.get(key)!;
      if (this.isHandler(run.agent)) continue;
      const why = run.agent in this.bus.config().agents ? `${run.agent} has no command: any more (an external agent now)` : `${run.agent} was removed from mailroom.yaml`;
      this.bus.emit({ time: this.bus.now().toISOString(), type: 'handler.cancelled', id: run.id, agent: run.agent, reason: `${why}; the message stays in workspaces/${run.agent}/inbox/` });
    }
  }

  /** Stage handler.queued for each handler agent among a delivered message's recipients. */
  queueDelivered(e: MessageAccepted): void {
    for (const agent of e.to) {
      if (!this.isHandler(agent)) continue;
      const cfg = this.bus.config().agents[agent]!;
      this.bus.emit({ time: this.bus.now().toISOString(), type: 'handler.queued', id: e.id, agent, priority: e.priority, lane: cfg.lane ?? null, file: copyName(e) });
    }
  }

  /**
   * After a restart: runs that were queued or in flight are queued again, staggered; messages
   * in a handler's inbox with no run are queued; finished or dead runs whose file is still in
   * the inbox are completed. Kills handler process groups a killed daemon left behind.
   */
  recover(): void {
    this.recovered = true;
    killOrphans(this.bus.layout);
    const { runtime } = this.bus.state();
    const config = this.bus.config();
    const now = this.bus.now().getTime();
    let k = 0;
    const requeue = (run: Pick<Run, 'id' | 'agent' | 'priority' | 'file'>, note: string) => {
      const cfg = config.agents[run.agent]!;
      const notBefore = new Date(now + k++ * config.startupStagger).toISOString();
      this.bus.emit({ time: this.bus.now().toISOString(), type: 'handler.queued', id: run.id, agent: run.agent, priority: run.priority, lane: cfg.lane ?? null, file: run.file, not_before: notBefore, note });
    };
    const pending = [...runtime.runs.values()].filter((r) => (r.status === 'queued' || r.status === 'running') && this.isHandler(r.agent));
    pending.sort((a, b) => a.queuedAt - b.queuedAt);
    for (const run of pending) requeue(run, run.status === 'running' ? 'was running when the daemon stopped; run again' : 'queued again after a restart');
    for (const run of runtime.runs.values()) {
      const inInbox = path.join(this.bus.layout.inbox(run.agent), run.file);
      // Handled before the stop but not yet moved: move it now. A cancelled run was never handled: its mail stays.
      if (run.status === 'finished' && !run.cancelled && fs.existsSync(inInbox)) this.moveToDone(run.agent, run.file);
      if (run.status === 'dead' && run.lastFailure && fs.existsSync(inInbox)) this.keep(run, run.lastFailure);
    }
    for (const agent of Object.keys(config.agents)) {
      if (!this.isHandler(agent)) continue;
      let names: string[] = [];
      try {
        names = fs.readdirSync(this.bus.layout.inbox(agent));
      } catch {
        continue;
      }
      for (const name of names) {
        const parsed = parseInboxName(name);
        if (!parsed || runtime.runs.has(runKey(agent, parsed.id))) continue;
        requeue({ id: parsed.id, agent, priority: parsed.priority, file: name }, 'found in the inbox with no run');
      }
    }
    this.bus.commit();
  }

  /** Start what the lanes allow now; set a timer for the next time something may start. */
  pump(): void {
    // Nothing starts before recover() has killed what a dead daemon left running and re-queued its runs.
    if (this.stopping || !this.recovered) return;
    this.cancelOrphanedRuns();
    const now = this.bus.now().getTime();
    const { start, waiting } = plan(this.bus.state().runtime, this.bus.config(), now);
    const starts: Array<{ run: Run; file: string; text: string }> = [];
    for (const run of start) {
      const file = path.join(this.bus.layout.inbox(run.agent), run.file);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        this.bus.emit({ time: this.bus.now().toISOString(), type: 'handler.cancelled', id: run.id, agent: run.agent, reason: `the message left ${run.agent}'s inbox before its run (moved to done/ or deleted)` });
        continue;
      }
      this.bus.emit({ time: this.bus.now().toISOString(), type: 'handler.started', id: run.id, agent: run.agent, attempt: run.attempt + 1, lane: run.lane });
      starts.push({ run, file, text });
    }
    this.bus.commit();
    for (const s of starts) this.spawn(s.run, s.file, s.text);
    const config = this.bus.config();
    for (const w of waiting) {
      const key = runKey(w.run.agent, w.run.id);
      if (now - w.run.queuedAt > config.waitWarning && !this.warned.has(key)) {
        this.warned.add(key);
        this.bus.logger.warn(`${w.run.id} for ${w.run.agent} has waited ${formatDuration(now - w.run.queuedAt)} (over wait_warning ${formatDuration(config.waitWarning)}); \`mailroom why ${w.run.id}\` says why`);
      }
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // Wake for the next possible start, and for the next wait to pass wait_warning (so a stall is said while it lasts).
    let wake = nextWake(waiting);
    for (const w of waiting) {
      if (this.warned.has(runKey(w.run.agent, w.run.id))) continue;
      const warnAt = w.run.queuedAt + config.waitWarning + 1;
      if (wake === null || warnAt < wake) wake = warnAt;
    }
    if (wake !== null) this.timer = setTimeout(() => this.pump(), Math.max(1, wake - now + 1));
  }

  private spawn(run: Run, file: string, text: string): void {
    const cfg = this.bus.config().agents[run.agent]!;
    const workspace = this.bus.layout.workspace(run.agent);
    const key = runKey(run.agent, run.id);
    const { values: secrets, missing } = readSecrets(this.bus.layout, cfg.secrets);
    if (missing.length) this.bus.logger.warn(`${run.agent} is granted secret(s) ${missing.join(', ')} that are not set; run \`mailroom secret set ${missing[0]}\``);
    const program = handlerArgv(cfg, { root: this.bus.layout.root, workspace }, cfg.command!);
    if ('refuse' in program) {
      const refusal: HandlerResult = { exitCode: null, signal: null, durationMs: 0, timedOut: false, stderrTail: '', spawnError: program.refuse };
      this.completed.push({ run, result: refusal });
      this.scheduleSettle();
      return;
    }
    fs.mkdirSync(`${workspace}/.tmp`, { recursive: true, mode: 0o700 });
    const handle = startHandler({
      argv: program.argv,
      cwd: workspace,
      env: { ...handlerEnv(process.env, workspace, run.agent, file, cfg.env), ...secrets },
      stdin: text,
      timeoutMs: cfg.timeout,
      killGraceMs: this.bus.config().killGrace,
    });
    this.running.set(key, handle);
    void handle.result.then((result) => {
      this.running.delete(key);
      if (this.stopping) return; // re-run after the restart
      this.completed.push({ run, result });
      this.scheduleSettle();
    });
  }

  private completed: Array<{ run: Run; result: HandlerResult }> = [];
  private settling = false;

  /** Runs that ended together are logged together: one commit, then their moves, then one pump. */
  private scheduleSettle(): void {
    if (this.settling) return;
    this.settling = true;
    setImmediate(() => {
      this.settling = false;
      const done = this.completed.splice(0);
      const after: Array<() => void> = [];
      for (const { run, result } of done) {
        try {
          const action = this.finish(run, result);
          if (action) after.push(action);
        } catch (err) {
          this.bus.logger.warn(`could not record the end of ${run.id}'s run by ${run.agent}: ${(err as Error).message}`);
        }
      }
      this.bus.commit();
      for (const action of after) {
        try {
          action();
        } catch (err) {
          this.bus.logger.warn(`after a handler run: ${(err as Error).message}; the next start completes it`);
        }
      }
      this.pump();
    });
  }

  /** Stage the events that end a run; returns what to do once they are committed. */
  private finish(run: Run, r: HandlerResult): (() => void) | null {
    // An agent removed from the config while its handler ran: no retries, so a failure is final (dead letter and bounce).
    const cfg = this.bus.config().agents[run.agent] ?? { timeout: r.durationMs, maxAttempts: 1, retryBackoff: 0 };
    const nowMs = this.bus.now().getTime();
    const time = new Date(nowMs).toISOString();
    const current = this.bus.state().runtime.runs.get(runKey(run.agent, run.id))!;
    const attempt = current.attempt;
    if (r.exitCode === 0 && !r.timedOut) {
      this.bus.emit({ time, type: 'handler.succeeded', id: run.id, agent: run.agent, attempt, duration_ms: r.durationMs, ...(r.usage ? { usage: r.usage } : {}), ...(r.stderrTail ? { stderr: r.stderrTail } : {}) });
      return () => this.moveToDone(run.agent, run.file);
    }
    const tempfail = r.exitCode === 75 && !r.timedOut;
    const reason = r.spawnError
      ? `could not start the handler: ${r.spawnError}`
      : r.timedOut
        ? `timeout after ${formatDuration(cfg.timeout)}`
        : tempfail
          ? 'exit 75 (temporary failure, e.g. rate-limited)'
          : r.signal
            ? `killed by ${r.signal}`
            : `exit ${r.exitCode}`;
    const failures = current.failures + (tempfail ? 0 : 1);
    const tempfails = current.tempfails + (tempfail ? 1 : 0);
    const final = tempfail ? tempfails > MAX_TEMPFAILS : failures >= cfg.maxAttempts;
    const failed: Omit<HandlerFailed, 'seq'> = {
      time,
      type: 'handler.failed',
      id: run.id,
      agent: run.agent,
      attempt,
      duration_ms: r.durationMs,
      exit_code: r.exitCode,
      signal: r.signal,
      reason,
      stderr: r.stderrTail,
      tempfail,
      final,
      ...(r.usage ? { usage: r.usage } : {}),
    };
    if (!final) {
      if (tempfail) {
        const cooldown = retryAfter(r.stderrTail) ?? DEFAULT_COOLDOWN_MS;
        const until = new Date(nowMs + cooldown).toISOString();
        failed.retry_at = until;
        if (run.lane) failed.lane_cooling_until = until;
      } else {
        failed.retry_at = new Date(nowMs + backoff(cfg.retryBackoff, failures, Math.random())).toISOString();
      }
      this.bus.emit(failed);
      return null;
    }
    // Out of attempts: dead-letter the message and bounce it to its sender.
    const kept = `bus/deadletter/${keptName(run.id, `${run.agent}-${run.file}`)}`;
    const bounceId = derivedId('handler-bounce', run.id, run.agent);
    failed.kept = kept;
    failed.bounce = bounceId;
    const sender = this.bus.state().threads.get(run.id)?.from;
    const to = sender && sender !== MAILROOM ? sender : OPERATOR;
    const tries = tempfail ? `${tempfails} temporary failures` : `${failures} of ${cfg.maxAttempts} attempts failed`;
    const body = [
      '',
      `${run.agent}'s handler could not handle message ${run.id} (\`${run.file}\`): ${tries}; the last: ${reason}.`,
      '',
      r.stderrTail ? `Its last lines on stderr:\n\n\`\`\`\n${r.stderrTail}\n\`\`\`\n` : 'It wrote nothing on stderr.',
      '',
      `The message is kept at \`${kept}\`, with the reason beside it. To try again, fix the cause and move it back: \`mv ${kept} workspaces/${run.agent}/inbox/\`.`,
      '',
    ].join('\n');
    const subject = `Bounced: ${run.agent} could not handle ${run.id}`;
    const text = stampMessage({ to: [to], priority: 'high', subject, kind: 'message', body }, { id: bounceId, from: MAILROOM, to: [to], sent: time, thread: run.id, hops: 0 });
    this.bus.emit(failed);
    const bounce = this.bus.emit({ time, type: 'message.accepted', id: bounceId, from: MAILROOM, to: [to], priority: 'high', subject, kind: 'message', thread: run.id, hops: 0, source: 'daemon', text }) as MessageAccepted;
    return () => {
      this.keep(run, failed as HandlerFailed);
      this.bus.deliver(bounce);
    };
  }

  /** Move a dead run's message to the dead-letter folder with the reason beside it. */
  keep(run: Pick<Run, 'agent' | 'file' | 'id'>, f: HandlerFailed): void {
    const target = path.join(this.bus.layout.root, f.kept!);
    try {
      fs.renameSync(path.join(this.bus.layout.inbox(run.agent), run.file), target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const reason = [
      `# Handler failed: ${run.file}`,
      '',
      `- agent: ${run.agent}`,
      `- message: ${run.id} (\`mailroom show ${run.id}\`)`,
      `- what: ${f.reason} (attempt ${f.attempt}; no attempts left)`,
      `- fix: look at the handler's stderr below, fix the cause, then move the file back into workspaces/${run.agent}/inbox/ to run it again`,
      `- at: ${f.time}`,
      `- bounce: ${f.bounce}`,
      '',
      '## The handler\'s last lines on stderr',
      '',
      '```',
      f.stderr || '(nothing)',
      '```',
      '',
    ].join('\n');
    fs.writeFileSync(`${target}.reason.md`, reason);
  }

  private moveToDone(agent: string, file: string): void {
    const from = path.join(this.bus.layout.inbox(agent), file);
    const problem = mailboxProblem(this.bus.layout.done(agent)) ?? mailboxProblem(this.bus.layout.inbox(agent));
    if (problem) {
      this.bus.logger.warn(`not moving ${file} to done/: ${problem}; mailroom never moves files through it`);
      return;
    }
    try {
      fs.renameSync(from, path.join(this.bus.layout.done(agent), file));
    } catch (err) {
      // ENOENT: the handler moved it itself.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Daemon stopping: stop the handlers (SIGTERM, then SIGKILL); they are run again after the restart. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const handles = [...this.running.values()];
    for (const h of handles) h.terminate();
    await Promise.all(handles.map((h) => h.result));
  }

  get inFlight(): number {
    return this.running.size;
  }
}

/** Handlers a killed daemon left behind (own process groups) are killed before anything is run again. */
export function killOrphans(layout: Layout): number {
  let killed = 0;
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return 0;
  }
  const prefix = layout.workspaces + path.sep;
  for (const pid of pids) {
    try {
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      if (!cwd.startsWith(prefix)) continue;
      const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (!env.includes('\0MAILROOM_AGENT=') && !env.startsWith('MAILROOM_AGENT=')) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      process.kill(pgid > 1 ? -pgid : Number(pid), 'SIGKILL');
      killed++;
    } catch {
      /* gone, or not ours to read */
    }
  }
  return killed;
}
