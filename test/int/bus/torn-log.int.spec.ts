/**
 * A torn last line in the event log (a write cut short by a crash): `doctor` reports it,
 * `start` cuts it off, logs `log.repaired`, and the bus goes on: a new message is delivered and
 * seq continues with no gap and no repeat.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeOrg, message, type Org } from '../../support/org.js';
import { doctor } from '../../support/cli.js';
import { stopClean } from '../../support/daemon.js';
import { seqProblem, strictEvents, waitFor, type Event } from '../../support/events.js';
import { readMail } from '../../support/mail.js';

let org: Org | undefined;

function lastSegment(o: Org): string {
  const segs = fs
    .readdirSync(o.p('bus', 'events'))
    .filter((n) => /^\d{6}\.jsonl$/.test(n))
    .sort();
  return path.join(o.p('bus', 'events'), segs.at(-1)!);
}

async function deliveredTo(o: Org, agent: string, marker: string): Promise<void> {
  await waitFor(() => readMail(o, agent).some((m) => m.text.includes(marker)), `${marker} in ${agent}'s inbox`);
}

/** An org with some history, stopped; returns the log's events and the last segment's bytes. */
async function orgWithHistory(): Promise<{ o: Org; events: Event[]; seg: string; bytes: Buffer }> {
  const o = (org = makeOrg());
  await o.start();
  o.drop('maya', 'first.md', message({ to: 'legal', subject: 'First' }, 'first-marker\n'));
  o.drop('oliver', 'task.md', message({ to: 'legal', kind: 'task', subject: 'A task' }, 'task-marker\n'));
  await deliveredTo(o, 'legal', 'first-marker');
  await deliveredTo(o, 'legal', 'task-marker');
  expect(await stopClean(o)).toBe(0);
  const events = strictEvents(o);
  expect(seqProblem(events)).toBeNull();
  const seg = lastSegment(o);
  return { o, events, seg, bytes: fs.readFileSync(seg) };
}

// The end-to-end case; the variants of a torn tail (a whole event without its newline, a cut
// inside a UTF-8 character, damage before the last line) are a table in
// test/unit/bus/log-lines.unit.spec.ts.
const tornTail = (next: number) => Buffer.from(`{"seq":${next},"time":"2026-11-24T00:00:00.000Z","type":"message.acce`);

describe('a torn last line in the event log', () => {
  it('is reported by doctor, cut off by start with a log.repaired event, and the bus goes on (half a JSON line)', async () => {
    const { o, events, seg, bytes } = await orgWithHistory();
    const lastSeq = events.at(-1)!.seq;
    const torn = tornTail(lastSeq + 1);
    fs.appendFileSync(seg, torn);

    // doctor names the torn line (besides "no daemon is running", which is true and expected here).
    const before = doctor(o);
    expect(before.code).toBe(1);
    const logProblem = before.problems.find((p) => p.check === 'event log');
    expect(logProblem, before.raw).toBeDefined();
    expect(logProblem!.detail).toMatch(/torn/);
    expect(logProblem!.detail).toContain(path.basename(seg));
    expect(before.problems.map((p) => p.check).sort()).toEqual(['daemon', 'event log']);

    // start repairs it.
    await o.start();
    const afterStart = fs.readFileSync(seg);
    expect(
      afterStart.subarray(0, bytes.length).equals(bytes),
      'the good part of the segment is kept byte for byte',
    ).toBe(true);
    expect(afterStart.subarray(bytes.length).includes(torn), 'the torn bytes are gone').toBe(false);
    const repaired = strictEvents(o).filter((e) => e.type === 'log.repaired');
    expect(repaired).toHaveLength(1);
    expect(repaired[0]).toMatchObject({ seq: lastSeq + 1, segment: path.basename(seg), droppedBytes: torn.length });

    // Everything still works: a new message is delivered, a task update too.
    o.drop('maya', 'after.md', message({ to: 'oliver', subject: 'After the repair' }, 'after-marker\n'));
    o.drop('legal', 'claim.md', message({ task: 'T-1', status: 'in_progress' }, 'claim-marker\n'));
    await deliveredTo(o, 'oliver', 'after-marker');
    await deliveredTo(o, 'oliver', 'claim-marker');
    const d = doctor(o);
    expect(d.problems, d.raw).toEqual([]);
    expect(d.code).toBe(0);
    expect(await stopClean(o)).toBe(0);

    // seq continues with no gap and no repeat; the repair is logged exactly once.
    const all = strictEvents(o);
    expect(seqProblem(all)).toBeNull();
    expect(all.slice(0, events.length)).toEqual(events);
    expect(all.filter((e) => e.type === 'log.repaired')).toHaveLength(1);
    const accepted = all.filter((e) => e.type === 'message.accepted' && e.seq > lastSeq);
    expect(accepted.map((e) => e.subject ?? null)).toEqual(expect.arrayContaining(['After the repair']));
    for (const e of accepted)
      expect(all.some((x) => x.type === 'message.delivered' && x.id === e.id && x.seq > e.seq)).toBe(true);

    // A second start finds nothing to repair.
    await o.start();
    expect(await stopClean(o)).toBe(0);
    expect(strictEvents(o).filter((e) => e.type === 'log.repaired')).toHaveLength(1);
  });
});
