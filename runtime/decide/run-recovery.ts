/**
 * The plan after a restart, decided: what the runtime fold says was under way, set against what
 * the inboxes hold now. Pure: the inbox listings and the time are passed in.
 *   - runs that were queued or running (for an agent that still has a handler) are queued
 *     again, oldest first, staggered by startup_stagger (at least once: a run cut off mid-way
 *     runs again);
 *   - a message in a handler's inbox with no run at all is queued too;
 *   - a finished run whose message is still in the inbox is completed (moved to done/); a
 *     cancelled one never ran, so its message stays;
 *   - a dead run whose message is still in the inbox is kept in the dead-letter folder.
 */
import type { HandlerFailed, HandlerQueued } from '../../bus/events.js';
import { parseInboxName } from '../../bus/names.js';
import type { Priority } from '../../bus/priority.js';
import type { OrgConfig } from '../config/config.js';
import { runKey, type Run, type Runtime } from '../state/runs.js';

export interface RecoveryInput {
  runtime: Runtime;
  config: Pick<OrgConfig, 'agents' | 'startupStagger'>;
  /** The file names in each inbox that could be read, by agent (those `inboxesToList` names). */
  inboxes: ReadonlyMap<string, readonly string[]>;
  now: number;
}

export interface RecoveryPlan {
  /** handler.queued events, in the order to log them. */
  queue: Array<Omit<HandlerQueued, 'seq'>>;
  /** Handled before the stop but not yet moved: move to done/. */
  complete: Array<{ agent: string; file: string }>;
  /** Dead before the stop but not yet kept: dead-letter with its last failure as the reason. */
  keep: Array<{ run: Run; failed: HandlerFailed }>;
}

/** The note of handler.queued for a run that was queued before a restart (and still is). */
export const REQUEUED_NOTE = 'queued again after a restart';

const isHandler = (config: RecoveryInput['config'], agent: string) => config.agents[agent]?.command !== undefined;

function needsFile(run: Run): boolean {
  return (run.status === 'finished' && !run.cancelled) || (run.status === 'dead' && run.lastFailure !== undefined);
}

/** The agents whose inbox the plan needs listed: every handler agent, and the agents of runs that may need their file moved. */
export function inboxesToList(runtime: Runtime, config: RecoveryInput['config']): string[] {
  const agents = new Set(Object.keys(config.agents).filter((a) => isHandler(config, a)));
  for (const run of runtime.runs.values()) if (needsFile(run)) agents.add(run.agent);
  return [...agents];
}

export function planRecovery({ runtime, config, inboxes, now }: RecoveryInput): RecoveryPlan {
  const out: RecoveryPlan = { queue: [], complete: [], keep: [] };
  const time = new Date(now).toISOString();
  const queued = new Set<string>();
  const requeue = (run: { id: string; agent: string; priority: Priority; file: string }, note: string) => {
    const notBefore = new Date(now + out.queue.length * config.startupStagger).toISOString();
    const lane = config.agents[run.agent]!.lane ?? null;
    out.queue.push({
      time,
      type: 'handler.queued',
      id: run.id,
      agent: run.agent,
      priority: run.priority,
      lane,
      file: run.file,
      not_before: notBefore,
      note,
    });
    queued.add(runKey(run.agent, run.id));
  };
  const pending = [...runtime.runs.values()].filter(
    (r) => (r.status === 'queued' || r.status === 'running') && isHandler(config, r.agent),
  );
  pending.sort((a, b) => a.queuedAt - b.queuedAt);
  for (const run of pending)
    requeue(run, run.status === 'running' ? 'was running when the daemon stopped; run again' : REQUEUED_NOTE);
  const listed = new Map([...inboxes].map(([agent, names]) => [agent, new Set(names)]));
  for (const run of runtime.runs.values()) {
    if (!needsFile(run) || !listed.get(run.agent)?.has(run.file)) continue;
    if (run.status === 'finished') out.complete.push({ agent: run.agent, file: run.file });
    else out.keep.push({ run, failed: run.lastFailure! });
  }
  for (const agent of Object.keys(config.agents)) {
    if (!isHandler(config, agent)) continue;
    for (const name of inboxes.get(agent) ?? []) {
      const parsed = parseInboxName(name);
      if (!parsed || runtime.runs.has(runKey(agent, parsed.id)) || queued.has(runKey(agent, parsed.id))) continue;
      requeue({ id: parsed.id, agent, priority: parsed.priority, file: name }, 'found in the inbox with no run');
    }
  }
  return out;
}
