/** The parts of lane planning beside plan() itself: wait warnings and runs that can never start. */
import { describe, expect, it } from 'vitest';
import type { BusEvent, NewEvent } from '../../../bus/events.js';
import { parseConfigText } from '../../../runtime/config/config.js';
import { cancellations, overdue, plan } from '../../../runtime/lanes/plan.js';
import { applyRuntime, emptyRuntime, type Runtime } from '../../../runtime/state/runs.js';

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const config = parseConfigText(
  'agents:\n  a: { command: "true", lane: one }\n  b: { command: "true", lane: one }\n  c: { command: "true", lane: one }\n  person: {}\nlanes:\n  one: { concurrency: 1 }\n',
  'mailroom.yaml',
);

function runtime(...queued: Array<[agent: string, id: string, at: number]>): Runtime {
  const rt = emptyRuntime();
  queued.forEach(([agent, id, at], i) => {
    const e: NewEvent = {
      time: iso(at),
      type: 'handler.queued',
      id,
      agent,
      priority: 'normal',
      lane: 'one',
      file: `${id}.md`,
    };
    applyRuntime(rt, { ...e, seq: i + 1 } as BusEvent);
  });
  return rt;
}

describe('overdue: wait warnings', () => {
  const rt = runtime(['a', 'm1', T0], ['b', 'm2', T0 + 100], ['c', 'm3', T0 + 300]);
  const { waiting } = plan(rt, config, T0 + 700);
  it('warns of runs waiting longer than wait_warning, once, and says when the next will have', () => {
    expect(waiting.map((w) => w.run.id)).toEqual(['m2', 'm3']); // m1 starts
    expect(overdue(waiting, new Set(), 500, T0 + 700)).toEqual({ warn: [waiting[0]], next: T0 + 300 + 500 + 1 });
    expect(overdue(waiting, new Set(['b/m2']), 500, T0 + 700)).toEqual({ warn: [], next: T0 + 801 });
    expect(overdue(waiting, new Set(['b/m2', 'c/m3']), 500, T0 + 700)).toEqual({ warn: [], next: null });
  });
});

describe('cancellations', () => {
  it('cancels queued runs of an agent removed from mailroom.yaml or without a command, and says why', () => {
    const rt = runtime(['a', 'm1', T0], ['person', 'm2', T0], ['gone', 'm3', T0]);
    expect(cancellations(rt, config, T0 + 5)).toEqual([
      {
        time: iso(T0 + 5),
        type: 'handler.cancelled',
        id: 'm2',
        agent: 'person',
        reason:
          'person has no command: any more (an external agent now); the message stays in workspaces/person/inbox/',
      },
      {
        time: iso(T0 + 5),
        type: 'handler.cancelled',
        id: 'm3',
        agent: 'gone',
        reason: 'gone was removed from mailroom.yaml; the message stays in workspaces/gone/inbox/',
      },
    ]);
  });
});
