/**
 * The requeue plan after a restart, as a table over a folded runtime and inbox listings: what
 * is queued again (staggered, oldest first), what is completed, what is kept as a dead letter.
 */
import { describe, expect, it } from 'vitest';
import type { BusEvent, NewEvent } from '../../../bus/events.js';
import { inboxName } from '../../../bus/names.js';
import type { Priority } from '../../../bus/priority.js';
import { parseConfigText } from '../../../runtime/config/config.js';
import { inboxesToList, planRecovery } from '../../../runtime/decide/run-recovery.js';
import { applyRuntime, emptyRuntime, type Runtime } from '../../../runtime/state/runs.js';

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const NOW = T0 + 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const config = parseConfigText(
  'agents:\n  clerk: { command: "true", lane: llm }\n  solo: { command: "true" }\n  maya: {}\nlanes:\n  llm: { concurrency: 1 }\nstartup_stagger: 2s\n',
  'mailroom.yaml',
);
const name = (id: string, priority: Priority = 'normal') => inboxName({ priority, sent: iso(T0), id, subject: id });
const id = (n: number) => `id${String(n).padStart(10, '0')}`;

/** A runtime folded from events, as the daemon folds its log. */
function runtime(...events: NewEvent[]): Runtime {
  const rt = emptyRuntime();
  events.forEach((e, i) => applyRuntime(rt, { ...e, seq: i + 1 } as BusEvent));
  return rt;
}
const queued = (agent: string, n: number, at = T0): NewEvent => ({
  time: iso(at),
  type: 'handler.queued',
  id: id(n),
  agent,
  priority: 'normal',
  lane: null,
  file: name(id(n)),
});
const started = (agent: string, n: number): NewEvent => ({
  time: iso(T0 + 10),
  type: 'handler.started',
  id: id(n),
  agent,
  attempt: 1,
  lane: null,
});
const succeeded = (agent: string, n: number): NewEvent => ({
  time: iso(T0 + 20),
  type: 'handler.succeeded',
  id: id(n),
  agent,
  attempt: 1,
  duration_ms: 5,
});
const cancelled = (agent: string, n: number): NewEvent => ({
  time: iso(T0 + 20),
  type: 'handler.cancelled',
  id: id(n),
  agent,
  reason: 'gone',
});
const dead = (agent: string, n: number): NewEvent => ({
  time: iso(T0 + 20),
  type: 'handler.failed',
  id: id(n),
  agent,
  attempt: 1,
  duration_ms: 5,
  exit_code: 1,
  signal: null,
  reason: 'exit 1',
  stderr: '',
  tempfail: false,
  final: true,
  kept: `bus/deadletter/${id(n)}-x`,
  bounce: 'b',
});

describe('planRecovery', () => {
  it('queues runs that were queued or running again, oldest first, staggered by startup_stagger', () => {
    const rt = runtime(
      queued('clerk', 2, T0 + 5),
      queued('solo', 1, T0),
      started('solo', 1),
      queued('clerk', 3, T0 + 9),
    );
    const plan = planRecovery({ runtime: rt, config, inboxes: new Map(), now: NOW });
    expect(plan.queue.map((e) => [e.agent, e.id, e.not_before, e.note])).toEqual([
      ['solo', id(1), iso(NOW), 'was running when the daemon stopped; run again'],
      ['clerk', id(2), iso(NOW + 2000), 'queued again after a restart'],
      ['clerk', id(3), iso(NOW + 4000), 'queued again after a restart'],
    ]);
    // The lane as the config says now, the time of the plan, the file of the run.
    expect(plan.queue[1]).toMatchObject({
      time: iso(NOW),
      type: 'handler.queued',
      lane: 'llm',
      file: name(id(2)),
      priority: 'normal',
    });
    expect(plan.complete).toEqual([]);
    expect(plan.keep).toEqual([]);
  });

  it('does not queue runs of an agent that was removed or has no handler any more', () => {
    const rt = runtime(queued('maya', 1), queued('gone', 2), started('gone', 2));
    expect(planRecovery({ runtime: rt, config, inboxes: new Map(), now: NOW }).queue).toEqual([]);
  });

  it("queues what a handler's inbox holds with no run, after the runs, and skips names that are not ours", () => {
    const rt = runtime(queued('clerk', 1), succeeded('clerk', 1));
    const inboxes = new Map([
      ['clerk', ['notes.txt', name(id(1)), name(id(5), 'high'), '.hidden.md']],
      ['maya', [name(id(6))]],
    ]);
    const plan = planRecovery({ runtime: rt, config, inboxes, now: NOW });
    expect(plan.queue).toEqual([
      {
        time: iso(NOW),
        type: 'handler.queued',
        id: id(5),
        agent: 'clerk',
        priority: 'high',
        lane: 'llm',
        file: name(id(5), 'high'),
        not_before: iso(NOW),
        note: 'found in the inbox with no run',
      },
    ]);
    expect(plan.complete).toEqual([{ agent: 'clerk', file: name(id(1)) }]);
  });

  it('queues a message found twice under one id once', () => {
    const inboxes = new Map([['solo', [name(id(7)), name(id(7), 'low')]]]);
    expect(planRecovery({ runtime: emptyRuntime(), config, inboxes, now: NOW }).queue).toHaveLength(1);
  });

  it('completes finished runs whose message is still in the inbox, but not cancelled ones (never handled)', () => {
    const rt = runtime(
      queued('clerk', 1),
      succeeded('clerk', 1),
      queued('solo', 2),
      cancelled('solo', 2),
      queued('maya', 3),
      started('maya', 3),
      succeeded('maya', 3),
      queued('solo', 4),
      succeeded('solo', 4),
    );
    const inboxes = new Map([
      ['clerk', [name(id(1))]],
      ['solo', [name(id(2))]],
      ['maya', [name(id(3))]],
    ]);
    const plan = planRecovery({ runtime: rt, config, inboxes, now: NOW });
    expect(plan.complete).toEqual([
      { agent: 'clerk', file: name(id(1)) },
      { agent: 'maya', file: name(id(3)) },
    ]);
    expect(plan.queue).toEqual([]);
  });

  it('keeps dead runs whose message is still in the inbox, with their last failure', () => {
    const rt = runtime(
      queued('clerk', 1),
      started('clerk', 1),
      dead('clerk', 1),
      queued('clerk', 2),
      started('clerk', 2),
      dead('clerk', 2),
    );
    const plan = planRecovery({ runtime: rt, config, inboxes: new Map([['clerk', [name(id(1))]]]), now: NOW });
    expect(plan.keep.map((k) => [k.run.id, k.failed.kept])).toEqual([[id(1), `bus/deadletter/${id(1)}-x`]]);
    expect(plan.complete).toEqual([]);
  });
});

describe('inboxesToList', () => {
  it('lists every handler agent, and the agents of runs that may need their message moved', () => {
    const rt = runtime(
      queued('maya', 1),
      succeeded('maya', 1),
      queued('gone', 2),
      started('gone', 2),
      dead('gone', 2),
      queued('old', 3),
      cancelled('old', 3),
    );
    expect(inboxesToList(rt, config).sort()).toEqual(['clerk', 'gone', 'maya', 'solo']);
  });
});
