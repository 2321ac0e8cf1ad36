/**
 * A synthetic history: a plausible event sequence written by a generator, not by traffic, for
 * the property test of snapshots (fold(snapshot) + tail = fold(all)), the long-history test and
 * `npm run bench -- --history`. Pure and deterministic: the randomness and the start time come
 * in. Mostly mail (accepted + delivered, a third of them replies), with tasks and their updates,
 * handler runs (some failing, some dead), rejections with their bounces, unread alerts and
 * their clearing, daemon restarts and config changes.
 */
import type { BusEvent, NewEvent } from '../../bus/events.js';
import { PRIORITIES } from '../../bus/priority.js';

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

export function* syntheticEvents(o: SyntheticOptions): Generator<BusEvent> {
  const { rng, agents } = o;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const pad = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(o.textBytes / 27)).slice(0, o.textBytes);
  let seq = 0;
  let t = o.start;
  let n = 0;
  let tasks = 0;
  const recent: string[] = [];
  const openTasks: Array<{ task: string; owner: string; creator: string }> = [];
  const id = () => {
    let s = '';
    let x = n++;
    for (let i = 0; i < 12; i++) (s += ALPHABET[x % 32]), (x = Math.floor(x / 32));
    return s;
  };
  const ev = (e: NewEvent): BusEvent => {
    t += Math.floor(rng() * 2 * o.stepMs);
    const out = e as BusEvent;
    out.seq = ++seq;
    out.time = new Date(t).toISOString();
    return out;
  };
  for (;;) {
    const r = rng();
    const from = pick(agents);
    const fi = agents.indexOf(from);
    const to = agents[(fi + 1 + Math.floor(rng() * (agents.length - 1))) % agents.length]!;
    const mid = id();
    const priority = pick(PRIORITIES);
    if (r < 0.6) {
      const parent = recent.length && rng() < 0.35 ? pick(recent) : null;
      const thread = parent ?? mid;
      const text = `---\nid: ${mid}\nfrom: ${from}\nto: ${to}\npriority: ${priority}\nsubject: note ${n}\nthread: ${thread}\nhops: ${parent ? 1 : 0}\n---\n${pad}\n`;
      yield ev({
        time: '',
        type: 'message.accepted',
        id: mid,
        from,
        to: [to],
        priority,
        subject: `note ${n}`,
        kind: 'message',
        thread,
        hops: parent ? 1 : 0,
        source: 'outbox',
        origin: `m${n}.md`,
        text,
      });
      yield ev({ time: '', type: 'message.delivered', id: mid, to: [to] });
      recent.push(mid);
      if (recent.length > 50) recent.shift();
      if (rng() < 0.3) {
        const file = `2-${priority}-x-${mid}-note.md`;
        yield ev({ time: '', type: 'handler.queued', id: mid, agent: to, priority, lane: null, file });
        yield ev({ time: '', type: 'handler.started', id: mid, agent: to, attempt: 1, lane: null });
        if (rng() < 0.9)
          yield ev({
            time: '',
            type: 'handler.succeeded',
            id: mid,
            agent: to,
            attempt: 1,
            duration_ms: 900,
            usage: { input_tokens: 100, output_tokens: 20, cost_usd: 0.001 },
          });
        else
          yield ev({
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
            final: rng() < 0.5,
          });
      }
    } else if (r < 0.7) {
      const task = `T-${++tasks}`;
      yield ev({
        time: '',
        type: 'message.accepted',
        id: mid,
        from,
        to: [to],
        priority,
        subject: `task ${tasks}`,
        kind: 'task',
        task,
        owner: to,
        thread: mid,
        hops: 0,
        source: 'outbox',
        text: `---\nid: ${mid}\ntask: ${task}\n---\n${pad}\n`,
      });
      yield ev({ time: '', type: 'message.delivered', id: mid, to: [to] });
      openTasks.push({ task, owner: to, creator: from });
      if (openTasks.length > 200) openTasks.splice(Math.floor(rng() * openTasks.length), 1);
    } else if (r < 0.8 && openTasks.length) {
      const i = Math.floor(rng() * openTasks.length);
      const tk = openTasks[i]!;
      const status = pick(['in_progress', 'blocked', 'done', 'done', 'cancelled'] as const);
      if (status === 'done' || status === 'cancelled') openTasks.splice(i, 1);
      yield ev({
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
      yield ev({ time: '', type: 'message.delivered', id: mid, to: [tk.creator] });
    } else if (r < 0.85) {
      const bounce = id();
      yield ev({
        time: '',
        type: 'message.rejected',
        id: mid,
        from,
        source: 'outbox',
        origin: `bad${n}.md`,
        reason: 'priority: urgent is not a priority',
        fix: 'Use one of critical, high, normal, low.',
        kept: `bus/deadletter/${mid}.md`,
        bounce,
      });
      yield ev({
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
      if (rng() < 0.95) yield ev({ time: '', type: 'message.delivered', id: bounce, to: [from] });
    } else if (r < 0.9) {
      if (rng() < 0.5)
        yield ev({
          time: '',
          type: 'alert.sent',
          id: mid,
          message: pick(recent.length ? recent : [mid]),
          agent: to,
          age: 1000,
          priority,
          count: 1 + Math.floor(rng() * 8),
        });
      else yield ev({ time: '', type: 'alert.cleared', agent: to, priority });
    } else if (r < 0.905) {
      yield ev({ time: '', type: 'daemon.started', pid: 1000 + n, version: '0.1.0' });
    } else if (r < 0.907) {
      yield ev({ time: '', type: 'config.changed', version: n, author: 'operator', summary: 'edit', sha256: mid });
    } else {
      yield ev({
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
        text: `---\nid: ${mid}\n---\n${pad}\n`,
      });
      if (rng() < 0.98) yield ev({ time: '', type: 'message.delivered', id: mid, to: [to] });
    }
  }
}
