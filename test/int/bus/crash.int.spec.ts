/**
 * The crash test: 2,000 messages flow from 5 senders (to one agent, to two, to a group) while
 * the daemon is killed with SIGKILL at random points (some right after spawning, during
 * lock/replay/recovery; most while it delivers) and restarted. One recipient reads its mail
 * the way agents do, renaming each copy from inbox/ into done/, which exercises the rule that
 * a staging file with more than one link was delivered. At the end every message must have
 * arrived exactly once per recipient, and the bus must be clean and consistent.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { lsAll, makeOrg, message, writeConfig, type Org } from '../../support/org.js';
import { doctor } from '../../support/cli.js';
import { spawnDaemon, startDaemon, stopClean } from '../../support/daemon.js';
import { seqProblem, sleep, strictEvents, waitFor } from '../../support/events.js';
import { readMail } from '../../support/mail.js';
import { prng, seeded } from '../../support/random.js';

let org: Org | undefined;
/** Stops the test's writer and reader loops (also when the test failed half-way). */
let stopTraffic: () => Promise<void> = async () => undefined;
afterEach(async () => {
  await stopTraffic();
});

const SENDERS = ['ann', 'bob', 'cat', 'dan', 'eve'] as const;
const RECIPIENTS = ['xena', 'yuri', 'zoe'] as const;
const READER = 'xena';
const TOTAL = 2000;
const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
const MARKER_RE = /\bmarker-(\d+)-end\b/g;

describe('exactly once per recipient across kill -9', () => {
  it('delivers 2,000 messages exactly once per recipient while the daemon is killed -9 and restarted at random points', async () => {
    const rng = seeded('crash');
    const o = (org = makeOrg([...SENDERS, ...RECIPIENTS]));
    writeConfig(o, [...SENDERS, ...RECIPIENTS], { crew: RECIPIENTS });
    fs.appendFileSync(
      o.p('mailroom.yaml'),
      'messages_per_minute: 100000000 # delivery, not the circuit breaker, is under test\n',
    );

    // What each message is and whom it must reach.
    // About 2% are invalid (an unknown recipient): each must be dead-lettered once and bounced once.
    const expected = new Map<string, Set<number>>(RECIPIENTS.map((r) => [r, new Set<number>()]));
    const invalid = new Map<number, string>(); // n -> sender
    const plan = Array.from({ length: TOTAL }, (_, n) => {
      const sender = rng.pick(SENDERS);
      const roll = rng.next();
      let to: string | string[];
      let reach: string[];
      if (roll < 0.02) {
        to = [rng.pick(RECIPIENTS), 'nobody'];
        reach = [];
        invalid.set(n, sender);
      } else if (roll < 0.4) {
        to = rng.pick(RECIPIENTS);
        reach = [to];
      } else if (roll < 0.7) {
        const a = rng.pick(RECIPIENTS);
        const b = rng.pick(RECIPIENTS.filter((r) => r !== a));
        to = [a, b];
        reach = [a, b];
      } else {
        to = 'crew';
        reach = [...RECIPIENTS];
      }
      for (const r of reach) expected.get(r)!.add(n);
      const text = message(
        { to, priority: rng.pick(PRIORITIES), subject: `m ${n} from ${sender}` },
        `Body of message ${n}.\nmarker-${n}-end\n`,
      );
      return { n, sender, text };
    });
    const perSender = new Map<string, number>(
      SENDERS.map((s) => [s, plan.filter((p) => p.sender === s && !invalid.has(p.n)).length]),
    );
    const expectedCopies = [...expected.values()].reduce((a, s) => a + s.size, 0);

    await o.start();

    let reading = true;
    // The senders: a steady pace, independent of whether a daemon is running.
    let written = 0;
    let aborted = false;
    const writer = (async () => {
      for (const p of plan) {
        if (aborted) return;
        o.drop(p.sender, `msg-${p.n}.md`, p.text);
        written++;
        if (written % 8 === 0) await sleep(40); // ~200 msgs/s, about 10 s of traffic
      }
    })();

    // The reader: xena handles its mail by renaming each copy into done/ under another name.
    let moved = 0;
    const readerRng = prng(rng.seed ^ 0x5bd1e995); // its own stream, so the killer's draws do not depend on timing
    const reader = (async () => {
      const inbox = o.inbox(READER);
      const done = o.p('workspaces', READER, 'done');
      while (reading) {
        for (const name of o.ls('workspaces', READER, 'inbox')) {
          try {
            fs.renameSync(`${inbox}/${name}`, `${done}/handled-${moved}-${name}`);
            moved++;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          }
        }
        await sleep(1 + Math.floor(readerRng() * 15));
      }
    })();

    stopTraffic = async () => {
      aborted = true;
      reading = false;
      await Promise.allSettled([writer, reader]);
      stopTraffic = async () => undefined;
    };

    const sentCount = () => SENDERS.reduce((a, s) => a + o.ls('workspaces', s, 'sent').length, 0);
    const outboxCount = () => SENDERS.reduce((a, s) => a + o.ls('workspaces', s, 'outbox').length, 0);

    // The killer: 5 to 8 kill -9 at random points, with progress between them; after some of
    // them a second kill lands early in the next daemon's life (lock, replay, recovery).
    const kills = rng.int(5, 8);
    const log: string[] = [];
    let killed = 0;
    let recovered = 0;
    for (let k = 0; k < kills; k++) {
      const before = sentCount();
      await waitFor(
        () => sentCount() > before || (written === TOTAL && outboxCount() === 0),
        `progress before kill ${k + 1}`,
        20_000,
      );
      const delay = rng.int(0, 1200);
      await sleep(delay);
      log.push(
        `kill ${k + 1}: ${delay} ms after progress (pid ${o.daemon?.pid}, sent copies ${sentCount()}, written ${written})`,
      );
      await o.kill9();
      killed++;
      if (rng.next() < 0.35) {
        const early = rng.int(30, 400);
        spawnDaemon(o);
        await sleep(early);
        log.push(
          `  and ${early} ms after the next spawn (pid ${o.daemon?.pid}, ${o.stderr.includes('watching ') ? 'after' : 'before'} it was ready)`,
        );
        await o.kill9();
        killed++;
      }
      // Recovery after a kill may take a while on a loaded machine: a longer deadline, not a pause.
      await startDaemon(o, { readyMs: 60_000 });
      const rec = /recovered (\d+) message/.exec(o.stderr);
      if (rec) {
        recovered += Number(rec[1]);
        log.push(`  the next daemon recovered ${rec[1]} accepted but undelivered message(s)`);
      }
    }

    // The last daemon runs clean: wait until everything is through.
    await writer;
    const accounted = () => {
      if (outboxCount() > 0 || lsAll(o, 'bus', 'spool').length > 0 || lsAll(o, 'bus', 'staging').length > 0)
        return false;
      for (const r of RECIPIENTS) {
        const seen = new Set<number>();
        for (const m of readMail(o, r, ['inbox', 'done']))
          for (const x of m.text.matchAll(MARKER_RE)) seen.add(Number(x[1]));
        if (seen.size < expected.get(r)!.size) return false;
      }
      const bounced = SENDERS.reduce((a, s) => a + o.ls('workspaces', s, 'inbox').length, 0);
      return bounced >= invalid.size;
    };
    await waitFor(
      accounted,
      'every outbox, bus/spool and bus/staging empty, every marker delivered and every bounce back',
      40_000,
    );
    reading = false;
    await reader;

    // Exactly once per recipient, nothing lost, nothing misdelivered.
    let copies = 0;
    for (const r of RECIPIENTS) {
      const count = new Map<number, number>();
      for (const m of readMail(o, r, ['inbox', 'done'])) {
        for (const x of m.text.matchAll(MARKER_RE)) {
          count.set(Number(x[1]), (count.get(Number(x[1])) ?? 0) + 1);
          copies++;
        }
      }
      const dupes = [...count].filter(([, c]) => c > 1).map(([n, c]) => `marker-${n} x${c}`);
      const lost = [...expected.get(r)!].filter((n) => !count.has(n)).map((n) => `marker-${n}`);
      const stray = [...count.keys()].filter((n) => !expected.get(r)!.has(n)).map((n) => `marker-${n}`);
      expect(
        { recipient: r, dupes: dupes.slice(0, 20), lost: lost.slice(0, 20), stray: stray.slice(0, 20) },
        log.join('\n'),
      ).toEqual({ recipient: r, dupes: [], lost: [], stray: [] });
    }
    expect(copies).toBe(expectedCopies);
    expect(moved).toBeGreaterThan(0); // the reader really did move mail while the daemon crashed
    expect(o.ls('workspaces', READER, 'done').length + o.ls('workspaces', READER, 'inbox').length).toBe(
      expected.get(READER)!.size,
    );

    // Every sender has one stamped copy per message in sent/, and nothing left in its outbox.
    for (const s of SENDERS) {
      expect(o.ls('workspaces', s, 'outbox')).toEqual([]);
      expect(o.ls('workspaces', s, 'sent').length, `${s}'s sent/`).toBe(perSender.get(s));
    }

    // doctor is happy with a running daemon.
    const doc = doctor(o);
    expect(doc.problems, doc.raw).toEqual([]);
    expect(doc.code).toBe(0);

    expect(await stopClean(o)).toBe(0);
    expect(lsAll(o, 'bus', 'spool')).toEqual([]);
    expect(lsAll(o, 'bus', 'staging')).toEqual([]);
    // Each invalid message: kept once in bus/deadletter/ (with its reason), bounced once to its sender, delivered to nobody.
    const kept = lsAll(o, 'bus', 'deadletter').filter((n) => !n.endsWith('.reason.md'));
    expect(kept.map((n) => Number(/-msg-(\d+)\.md$/.exec(n)?.[1])).sort((a, b) => a - b)).toEqual(
      [...invalid.keys()].sort((a, b) => a - b),
    );
    expect(lsAll(o, 'bus', 'deadletter').filter((n) => n.endsWith('.reason.md'))).toHaveLength(invalid.size);
    for (const [n, sender] of invalid) {
      const bounces = readMail(o, sender).filter((m) => m.text.includes(`msg-${n}.md`));
      expect(bounces.length, `bounces of msg-${n}.md in ${sender}'s inbox`).toBe(1);
    }
    for (const s of SENDERS)
      expect(readMail(o, s).length, `${s}'s inbox holds only its bounces`).toBe(
        [...invalid.values()].filter((x) => x === s).length,
      );

    // The log: seq 1, 2, 3, ... with no gap; every accepted id once, each with one delivered event after it.
    const events = strictEvents(o);
    expect(seqProblem(events)).toBeNull();
    const accepted = new Map<string, number>();
    const delivered = new Map<string, number[]>();
    const markers = new Map<number, number>();
    const rejected = new Map<number, number>();
    for (const e of events) {
      if (e.type === 'message.accepted') {
        expect(accepted.has(e.id), `message ${e.id} accepted twice`).toBe(false);
        accepted.set(e.id, e.seq);
        if (e.source === 'outbox')
          for (const x of (e.text as string).matchAll(MARKER_RE))
            markers.set(Number(x[1]), (markers.get(Number(x[1])) ?? 0) + 1);
      }
      if (e.type === 'message.delivered') delivered.set(e.id, [...(delivered.get(e.id) ?? []), e.seq]);
      if (e.type === 'message.rejected') {
        const n = Number(/^msg-(\d+)\.md$/.exec(e.origin)?.[1]);
        expect(invalid.has(n), `only the invalid messages are rejected (${e.origin}: ${e.reason})`).toBe(true);
        rejected.set(n, (rejected.get(n) ?? 0) + 1);
      }
    }
    expect([...rejected.keys()].sort((a, b) => a - b)).toEqual([...invalid.keys()].sort((a, b) => a - b));
    expect(
      [...rejected.values()].every((c) => c === 1),
      'each invalid message rejected exactly once',
    ).toBe(true);
    expect(markers.size).toBe(TOTAL - invalid.size);
    expect(
      [...markers.values()].every((c) => c === 1),
      'each message accepted exactly once',
    ).toBe(true);
    const undelivered = [...accepted.keys()].filter((id) => !delivered.has(id));
    expect(undelivered).toEqual([]);
    const twice = [...delivered].filter(([, seqs]) => seqs.length > 1).map(([id]) => id);
    expect(twice, 'message.delivered logged more than once').toEqual([]);
    const early = [...delivered]
      .filter(([id, seqs]) => !accepted.has(id) || seqs[0]! < accepted.get(id)!)
      .map(([id]) => id);
    expect(early, 'delivered without (or before) accepted').toEqual([]);
    const starts = events.filter((e) => e.type === 'daemon.started').length;
    expect(starts).toBeGreaterThanOrEqual(kills + 1);

    console.log(
      `[crash] seed ${rng.seed}: ${killed} kills, ${starts} starts, ${recovered} recovered, ${events.filter((e) => e.type === 'log.repaired').length} torn lines repaired, ${copies} copies, ${invalid.size} bounced, ${moved} moved by the reader, ${events.length} events\n  ${log.join('\n  ')}`,
    );
  }, 120_000);
});
