/**
 * A synthetic history: a plausible event sequence written by a generator, not by traffic, for
 * the property test of snapshots (fold(snapshot) + tail = fold(all)), the long-history test and
 * `npm run bench -- --history`. Pure and deterministic: the randomness and the start time come
 * in. Mostly mail (a third of it replies), tasks and updates, handler runs (some retried, some
 * dead), rejections and bounces, unread alerts, restarts, config changes. What is under way stays
 * bounded, as in a live org: at most 200 tasks open (the oldest beyond is cancelled), failed runs
 * retried, mail left undelivered delivered at the next restart.
 */
import type { BusEvent, NewEvent } from '../../bus/events.js';
import { PRIORITIES, type Priority } from '../../bus/priority.js';

export interface SyntheticOptions {
  /** Uniform [0, 1). */
  rng: () => number;
  agents: readonly string[];
  start: number;
  /** Average ms between events. */
  stepMs: number;
  /** Bytes of message text (the body is padded to about this). */
  textBytes: number;
}

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

interface Step {
  from: string;
  to: string;
  mid: string;
  priority: Priority;
}

/** The generator's state: the clock, the counters, recent messages and open tasks. */
class Synth {
  readonly rng: () => number;
  readonly pad: string;
  seq = 0;
  t: number;
  n = 0;
  tasks = 0;
  readonly recent: string[] = [];
  readonly openTasks: Array<{ task: string; owner: string; creator: string }> = [];
  /** Accepted but not delivered yet: delivered at the next restart, as recovery does. */
  undelivered: Array<{ id: string; to: string }> = [];

  constructor(readonly o: SyntheticOptions) {
    this.rng = o.rng;
    this.t = o.start;
    this.pad = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(o.textBytes / 27)).slice(0, o.textBytes);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rng() * xs.length)]!;
  }

  id(): string {
    let s = '';
    let x = this.n++;
    for (let i = 0; i < 12; i++) (s += ALPHABET[x % 32]), (x = Math.floor(x / 32));
    return s;
  }

  private day: [number, string] = [Number.NaN, ''];

  /** toISOString, faster: the date part is formatted once a day. */
  iso(t: number): string {
    const day = Math.floor(t / 86_400_000);
    if (day !== this.day[0]) this.day = [day, new Date(day * 86_400_000).toISOString().slice(0, 11)];
    const ms = t - day * 86_400_000;
    const pad = (x: number, n: number) => String(x).padStart(n, '0');
    return `${this.day[1]}${pad(Math.floor(ms / 3_600_000), 2)}:${pad(Math.floor(ms / 60_000) % 60, 2)}:${pad(Math.floor(ms / 1000) % 60, 2)}.${pad(ms % 1000, 3)}Z`;
  }

  ev(e: NewEvent): BusEvent {
    this.t += Math.floor(this.rng() * 2 * this.o.stepMs);
    const out = e as BusEvent;
    out.seq = ++this.seq;
    out.time = this.iso(this.t);
    return out;
  }

  *mail(s: Step): Generator<BusEvent> {
    const { from, to, mid, priority } = s;
    const parent = this.recent.length && this.rng() < 0.35 ? this.pick(this.recent) : null;
    const thread = parent ?? mid;
    const text = `---\nid: ${mid}\nfrom: ${from}\nto: ${to}\npriority: ${priority}\nsubject: note ${this.n}\nthread: ${thread}\nhops: ${parent ? 1 : 0}\n---\n${this.pad}\n`;
    yield this.ev({
      time: '',
      type: 'message.accepted',
      id: mid,
      from,
      to: [to],
      priority,
      subject: `note ${this.n}`,
      kind: 'message',
      thread,
      hops: parent ? 1 : 0,
      source: 'outbox',
      origin: `m${this.n}.md`,
      text,
    });
    yield this.ev({ time: '', type: 'message.delivered', id: mid, to: [to] });
    this.recent.push(mid);
    if (this.recent.length > 50) this.recent.shift();
    if (this.rng() < 0.3) {
      const file = `2-${priority}-x-${mid}-note.md`;
      yield this.ev({ time: '', type: 'handler.queued', id: mid, agent: to, priority, lane: null, file });
      yield this.ev({ time: '', type: 'handler.started', id: mid, agent: to, attempt: 1, lane: null });
      if (this.rng() < 0.9)
        yield this.ev({
          time: '',
          type: 'handler.succeeded',
          id: mid,
          agent: to,
          attempt: 1,
          duration_ms: 900,
          usage: { input_tokens: 100, output_tokens: 20, cost_usd: 0.001 },
        });
      else yield* this.failed(mid, to);
    }
  }

  /** A failed run: dead (final) half the time, else retried and then successful. */
  *failed(mid: string, to: string): Generator<BusEvent> {
    const final = this.rng() < 0.5;
    yield this.ev({
      time: '',
      type: 'handler.failed',
      id: mid,
      agent: to,
      attempt: 1,
      duration_ms: 5,
      exit_code: 1,
      signal: null,
      reason: 'exit 1',
      stderr: '',
      tempfail: false,
      final,
    });
    if (final) return;
    yield this.ev({ time: '', type: 'handler.started', id: mid, agent: to, attempt: 2, lane: null });
    yield this.ev({ time: '', type: 'handler.succeeded', id: mid, agent: to, attempt: 2, duration_ms: 700 });
  }

  *newTask(s: Step): Generator<BusEvent> {
    const { from, to, mid, priority } = s;
    const task = `T-${++this.tasks}`;
    yield this.ev({
      time: '',
      type: 'message.accepted',
      id: mid,
      from,
      to: [to],
      priority,
      subject: `task ${this.tasks}`,
      kind: 'task',
      task,
      owner: to,
      thread: mid,
      hops: 0,
      source: 'outbox',
      text: `---\nid: ${mid}\ntask: ${task}\n---\n${this.pad}\n`,
    });
    yield this.ev({ time: '', type: 'message.delivered', id: mid, to: [to] });
    this.openTasks.push({ task, owner: to, creator: from });
    if (this.openTasks.length > 200) yield* this.update(0, 'cancelled', { ...s, mid: this.id() });
  }

  *taskUpdate(s: Step): Generator<BusEvent> {
    const i = Math.floor(this.rng() * this.openTasks.length);
    yield* this.update(i, this.pick(['in_progress', 'blocked', 'done', 'done', 'cancelled'] as const), s);
  }

  *update(i: number, status: 'in_progress' | 'blocked' | 'done' | 'cancelled', s: Step): Generator<BusEvent> {
    const { mid, priority } = s;
    const tk = this.openTasks[i]!;
    if (status === 'done' || status === 'cancelled') this.openTasks.splice(i, 1);
    yield this.ev({
      time: '',
      type: 'message.accepted',
      id: mid,
      from: tk.owner,
      to: [tk.creator],
      priority,
      kind: 'message',
      task: tk.task,
      status,
      thread: mid,
      hops: 0,
      source: 'outbox',
      text: `---\nid: ${mid}\ntask: ${tk.task}\nstatus: ${status}\n---\n`,
    });
    yield this.ev({ time: '', type: 'message.delivered', id: mid, to: [tk.creator] });
  }

  *rejection(s: Step): Generator<BusEvent> {
    const { from, mid } = s;
    const bounce = this.id();
    yield this.ev({
      time: '',
      type: 'message.rejected',
      id: mid,
      from,
      source: 'outbox',
      origin: `bad${this.n}.md`,
      reason: 'priority: urgent is not a priority',
      fix: 'Use one of critical, high, normal, low.',
      kept: `bus/deadletter/${mid}.md`,
      bounce,
    });
    yield this.ev({
      time: '',
      type: 'message.accepted',
      id: bounce,
      from: 'mailroom',
      to: [from],
      priority: 'high',
      subject: 'Bounced',
      kind: 'message',
      thread: bounce,
      hops: 0,
      source: 'daemon',
      text: `---\nid: ${bounce}\n---\nbounced\n`,
    });
    if (this.rng() < 0.95) yield this.ev({ time: '', type: 'message.delivered', id: bounce, to: [from] });
    else this.undelivered.push({ id: bounce, to: from });
  }

  *alert(s: Step): Generator<BusEvent> {
    const { to, mid, priority } = s;
    if (this.rng() < 0.5)
      yield this.ev({
        time: '',
        type: 'alert.sent',
        id: mid,
        message: this.pick(this.recent.length ? this.recent : [mid]),
        agent: to,
        age: 1000,
        priority,
        count: 1 + Math.floor(this.rng() * 8),
      });
    else yield this.ev({ time: '', type: 'alert.cleared', agent: to, priority });
  }

  *restart(): Generator<BusEvent> {
    yield this.ev({ time: '', type: 'daemon.started', pid: 1000 + this.n, version: '0.1.0' });
    for (const u of this.undelivered) yield this.ev({ time: '', type: 'message.delivered', id: u.id, to: [u.to] });
    this.undelivered = [];
  }

  *configChange(s: Step): Generator<BusEvent> {
    const { mid } = s;
    yield this.ev({
      time: '',
      type: 'config.changed',
      version: this.n,
      author: 'operator',
      summary: 'edit',
      sha256: mid,
    });
  }

  *plain(s: Step): Generator<BusEvent> {
    const { from, to, mid, priority } = s;
    yield this.ev({
      time: '',
      type: 'message.accepted',
      id: mid,
      from,
      to: [to],
      priority,
      kind: 'message',
      thread: mid,
      hops: 0,
      source: 'outbox',
      text: `---\nid: ${mid}\n---\n${this.pad}\n`,
    });
    if (this.rng() < 0.98) yield this.ev({ time: '', type: 'message.delivered', id: mid, to: [to] });
    else this.undelivered.push({ id: mid, to });
  }
}

export function* syntheticEvents(o: SyntheticOptions): Generator<BusEvent> {
  const g = new Synth(o);
  for (;;) {
    const r = g.rng();
    const from = g.pick(o.agents);
    const fi = o.agents.indexOf(from);
    const to = o.agents[(fi + 1 + Math.floor(g.rng() * (o.agents.length - 1))) % o.agents.length]!;
    const s: Step = { from, to, mid: g.id(), priority: g.pick(PRIORITIES) };
    if (r < 0.6) yield* g.mail(s);
    else if (r < 0.7) yield* g.newTask(s);
    else if (r < 0.8 && g.openTasks.length) yield* g.taskUpdate(s);
    else if (r < 0.85) yield* g.rejection(s);
    else if (r < 0.9) yield* g.alert(s);
    else if (r < 0.905) yield* g.restart();
    else if (r < 0.907) yield* g.configChange(s);
    else yield* g.plain(s);
  }
}
