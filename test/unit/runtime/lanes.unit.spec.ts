import { describe, expect, it } from 'vitest';
import type { BusEvent, NewEvent } from '../../../bus/events.js';
import type { Priority } from '../../../bus/priority.js';
import { parseConfigText } from '../../../runtime/config/config.js';
import { nextWake, plan } from '../../../runtime/lanes/plan.js';
import { backoff, retryAfter } from '../../../runtime/lanes/retry.js';
import { applyRuntime, emptyRuntime, type Runtime } from '../../../runtime/state/runs.js';

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

const agents = Array.from({ length: 11 }, (_, i) => `a${i + 1}`);
const config = parseConfigText(
  `agents:\n${agents.map((a) => `  ${a}: { command: "true", lane: deepseek }`).join('\n')}\n  solo: { command: "true" }\nlanes:\n  deepseek: { concurrency: 2, per_minute: 4 }\n`,
  'mailroom.yaml',
);

class Sim {
  rt: Runtime = emptyRuntime();
  private seq = 0;
  ev(e: NewEvent): void {
    applyRuntime(this.rt, { ...e, seq: ++this.seq } as BusEvent);
  }
  queue(agent: string, id: string, priority: Priority = 'normal', at = T0, lane: string | null = 'deepseek'): void {
    this.ev({ time: iso(at), type: 'handler.queued', id, agent, priority, lane, file: `${id}.md` });
  }
  /** Plan at `now` and log handler.started for what it starts; returns the started ids. */
  step(now: number): string[] {
    const { start } = plan(this.rt, config, now);
    for (const r of start)
      this.ev({
        time: iso(now),
        type: 'handler.started',
        id: r.id,
        agent: r.agent,
        attempt: r.attempt + 1,
        lane: r.lane,
      });
    return start.map((r) => r.id);
  }
  succeed(agent: string, id: string, now: number): void {
    this.ev({ time: iso(now), type: 'handler.succeeded', id, agent, attempt: 1, duration_ms: 1 });
  }
}

describe('lane planning', () => {
  it('never starts more than the lane concurrency, and says who waits behind whom', () => {
    const sim = new Sim();
    agents.forEach((a, i) => sim.queue(a, `m${i + 1}`, 'normal', T0 + i));
    expect(sim.step(T0 + 100)).toEqual(['m1', 'm2']);
    const { waiting } = plan(sim.rt, config, T0 + 100);
    expect(waiting).toHaveLength(9);
    expect(waiting[0]).toMatchObject({
      blocker: { kind: 'lane_full', lane: 'deepseek', running: ['m1', 'm2'] },
      ahead: 0,
    });
    expect(waiting[8]!.ahead).toBe(8);
  });

  it('orders waiting runs by priority, then age', () => {
    const sim = new Sim();
    sim.queue('a1', 'old-low', 'low', T0);
    sim.queue('a2', 'new-normal', 'normal', T0 + 5);
    sim.queue('a3', 'old-normal', 'normal', T0 + 1);
    sim.queue('a4', 'critical', 'critical', T0 + 9);
    expect(sim.step(T0 + 10)).toEqual(['critical', 'old-normal']);
  });

  it('runs one message at a time per agent, and is fair across agents', () => {
    const sim = new Sim();
    for (let i = 0; i < 5; i++) sim.queue('a1', `busy${i}`, 'normal', T0 + i);
    sim.queue('a2', 'other', 'normal', T0 + 10);
    expect(sim.step(T0 + 20)).toEqual(['busy0', 'other']);
    expect(plan(sim.rt, config, T0 + 20).waiting[0]!.blocker).toEqual({ kind: 'agent_busy', with: 'a1/busy0' });
  });

  it('keeps per_minute starts in any 60 s', () => {
    const sim = new Sim();
    agents.forEach((a, i) => sim.queue(a, `m${i + 1}`, 'normal', T0 + i));
    let started = sim.step(T0 + 100);
    for (const id of started) sim.succeed(`a${id.slice(1)}`, id, T0 + 200);
    started = sim.step(T0 + 300);
    for (const id of started) sim.succeed(`a${id.slice(1)}`, id, T0 + 400);
    expect(sim.step(T0 + 500)).toEqual([]); // 4 starts in this minute already
    const { waiting } = plan(sim.rt, config, T0 + 500);
    expect(waiting[0]!.blocker).toEqual({ kind: 'rate', lane: 'deepseek', until: T0 + 100 + 60_000 });
    expect(nextWake(waiting)).toBe(T0 + 60_100);
    expect(sim.step(T0 + 60_100)).toHaveLength(2);
  });

  it('pauses the whole lane while it cools down after an exit 75', () => {
    const sim = new Sim();
    sim.queue('a1', 'm1', 'normal', T0);
    sim.queue('a2', 'm2', 'normal', T0);
    expect(sim.step(T0)).toEqual(['m1', 'm2']);
    sim.ev({
      time: iso(T0 + 10),
      type: 'handler.failed',
      id: 'm1',
      agent: 'a1',
      attempt: 1,
      duration_ms: 10,
      exit_code: 75,
      signal: null,
      reason: 'exit 75',
      stderr: 'retry-after: 30',
      tempfail: true,
      retry_at: iso(T0 + 30_010),
      lane_cooling_until: iso(T0 + 30_010),
      final: false,
    });
    sim.succeed('a2', 'm2', T0 + 20);
    sim.queue('a3', 'm3', 'critical', T0 + 30);
    expect(sim.step(T0 + 1000)).toEqual([]);
    expect(plan(sim.rt, config, T0 + 1000).waiting.map((w) => w.blocker.kind)).toEqual(['cooling', 'not_before']);
    expect(sim.step(T0 + 30_010)).toEqual(['m3', 'm1']);
  });

  it('starts an agent without a lane at once', () => {
    const sim = new Sim();
    sim.queue('solo', 'x', 'normal', T0, null);
    expect(sim.step(T0)).toEqual(['x']);
  });
});

describe('retry arithmetic', () => {
  it('backs off exponentially with jitter, capped', () => {
    expect(backoff(1000, 1, 0.5)).toBe(1000);
    expect(backoff(1000, 3, 0.5)).toBe(4000);
    expect(backoff(1000, 3, 0)).toBe(2000);
    expect(backoff(1000, 40, 0.5)).toBe(10 * 60_000);
  });
  it('reads retry-after: N from stderr', () => {
    expect(retryAfter('429 Too Many Requests\nretry-after: 12\n')).toBe(12_000);
    expect(retryAfter('Retry-After: 0.5')).toBe(500);
    expect(retryAfter('no hint')).toBeNull();
  });
});

describe('an agent moved to another lane', () => {
  it('takes its waiting runs along: they wait for the new lane, not the old one', () => {
    const moved = parseConfigText(
      `agents:\n${agents.map((a) => `  ${a}: { command: "true", lane: ${a === 'a3' ? 'spare' : 'deepseek'} }`).join('\n')}\n  solo: { command: "true" }\nlanes:\n  deepseek: { concurrency: 2, per_minute: 4 }\n  spare: { concurrency: 1 }\n`,
      'mailroom.yaml',
    );
    const sim = new Sim();
    ['a1', 'a2', 'a3'].forEach((a, i) => sim.queue(a, `m${i + 1}`, 'normal', T0 + i));
    // Under the old config a3 waits behind the full deepseek lane ...
    expect(plan(sim.rt, config, T0 + 10).start.map((r) => r.id)).toEqual(['m1', 'm2']);
    // ... under the new one it starts in its own lane, and says so.
    const { start } = plan(sim.rt, moved, T0 + 10);
    expect(start.map((r) => [r.id, r.lane])).toEqual([
      ['m1', 'deepseek'],
      ['m2', 'deepseek'],
      ['m3', 'spare'],
    ]);
  });
});
