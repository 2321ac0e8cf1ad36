/**
 * One line per event on stderr: human by default, JSON lines with `--log-format json`.
 * Observers never crash the loop: a failing write is swallowed. Every line is escaped
 * (bus/escape.ts): a subject or a file name can neither drive the terminal nor forge a line.
 */
import { escapeJson, escapeLine } from '../bus/escape.js';
import type { BusEvent } from '../bus/events.js';

export const LOG_FORMATS = ['human', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function describeEvent(e: BusEvent): string {
  switch (e.type) {
    case 'message.accepted': {
      const what = e.kind === 'task' ? `task ${e.task}` : e.task ? `${e.task} ${e.status ?? 'note'}` : 'message';
      return `accepted  ${e.id} ${e.from} -> ${e.to.join(',')} [${e.priority}] ${what}${e.subject ? ` "${e.subject}"` : ''}`;
    }
    case 'message.delivered':
      return `delivered ${e.id} to ${e.to.join(',')}`;
    case 'message.forwarded':
      return `forwarded ${e.id} to ${e.to.join(',')} (stream seq ${e.stream_seq}${e.duplicate ? ', a repeat the server already had' : ''})`;
    case 'message.rejected':
      return `rejected  ${e.id} ${e.origin} from ${e.from}: ${e.reason} (kept as ${e.kept}, bounce ${e.bounce})`;
    case 'alert.sent':
      return e.count === undefined
        ? `alert     ${e.message} unread by ${e.agent} for ${Math.round(e.age / 1000)}s (alert ${e.id} to operator)`
        : `alert     ${e.count} ${e.priority} message(s) unread by ${e.agent}, oldest ${e.message} for ${Math.round(e.age / 1000)}s (alert ${e.id} to operator)`;
    case 'alert.cleared':
      return `cleared   the unread ${e.priority} mail of ${e.agent} is read (a new backlog is alerted afresh)`;
    case 'daemon.started':
      return `started   pid ${e.pid} (mailroom ${e.version})`;
    case 'daemon.stopped':
      return `stopped   pid ${e.pid}: ${e.reason}`;
    case 'log.repaired':
      return `repaired  ${e.segment}: ${e.note}`;
    case 'handler.queued':
      return `queued    ${e.id} for ${e.agent}${e.lane ? ` in lane ${e.lane}` : ''} [${e.priority}]${e.not_before ? ` not before ${e.not_before}` : ''}${e.note ? ` (${e.note})` : ''}`;
    case 'handler.started':
      return `run       ${e.id} by ${e.agent}, attempt ${e.attempt}${e.lane ? ` (lane ${e.lane})` : ''}`;
    case 'handler.succeeded':
      return `handled   ${e.id} by ${e.agent} in ${e.duration_ms}ms${e.usage ? ` ($${e.usage.cost_usd}, ${e.usage.input_tokens}+${e.usage.output_tokens} tokens)` : ''}`;
    case 'handler.failed':
      return `${e.final ? 'gave up  ' : 'failed   '} ${e.id} by ${e.agent}, attempt ${e.attempt}: ${e.reason}${e.retry_at ? `; retry at ${e.retry_at}` : ''}${e.lane_cooling_until ? `; lane cools down until ${e.lane_cooling_until}` : ''}${e.final ? `; dead-lettered as ${e.kept}, bounce ${e.bounce}` : ''}`;
    case 'config.changed':
      return `config    version ${e.version} by ${e.author}: ${e.summary}`;
    case 'config.refused':
      return `config    edit REFUSED, still running version ${e.running}: ${e.problems.join('; ')}`;
    case 'handler.cancelled':
      return `cancelled ${e.id} for ${e.agent}: ${e.reason}`;
    case 'board.archived':
      return `archived  ${e.tasks.length} done or cancelled task(s) to board/archive/ (${e.tasks[0]?.id ?? ''}${e.tasks.length > 1 ? ` ... ${e.tasks.at(-1)!.id}` : ''})`;
    case 'approval.requested':
      return `held      ${e.id} ${e.kind} from ${e.from}${e.amount !== undefined ? ` (${e.amount}${e.currency ? ` ${e.currency}` : ''})` : ''}: ${e.detail}; asked ${e.approvers.join(', ')}`;
    case 'approval.granted':
      return `approved  ${e.id} by ${e.by} (decision ${e.decision})`;
    case 'approval.refused':
      return `${e.final ? 'refused  ' : 'not valid'} ${e.id} by ${e.by} (decision ${e.decision}): ${e.reason}`;
    case 'agent.paused':
      return `paused    ${e.agent}: ${e.detail}`;
    case 'agent.resumed':
      return `resumed   ${e.agent} by ${e.by}`;
  }
}

export class Logger {
  constructor(private readonly format: LogFormat = 'human') {}
  event(e: BusEvent) {
    this.write(this.line(e));
  }
  /** A batch of events in one write (one syscall, not one per event). */
  events(es: readonly BusEvent[]) {
    if (es.length) this.write(es.map((e) => this.line(e)).join('\n'));
  }
  private line(e: BusEvent): string {
    return this.format === 'json'
      ? escapeJson(JSON.stringify(e))
      : escapeLine(`${e.time.slice(11, 23)} ${describeEvent(e)}`);
  }
  info(msg: string) {
    this.write(
      this.format === 'json'
        ? escapeJson(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg }))
        : escapeLine(`mailroom: ${msg}`),
    );
  }
  warn(msg: string) {
    this.write(
      this.format === 'json'
        ? escapeJson(JSON.stringify({ time: new Date().toISOString(), level: 'warn', msg }))
        : escapeLine(`mailroom: warning: ${msg}`),
    );
  }
  private write(line: string) {
    try {
      process.stderr.write(line + '\n');
    } catch {
      /* never crash on logging */
    }
  }
}
