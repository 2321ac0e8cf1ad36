/**
 * Decided held messages leave the fold HELD_KEEP_MS after their decision (runtime/state/forget.ts
 * sweepHeld, once a UTC day): a held one stays however old; the fold from a snapshot (or from an
 * older snapshot without the sweep's fields) is byte-identical to the fold of the whole log;
 * `why` (recall) and `audit` (governanceForAudit) read a forgotten one back from the log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BusEvent, NewEvent } from '../../../bus/events.js';
import { HELD_KEEP_MS, sweepHeld } from '../../../runtime/state/forget.js';
import { applyGovernance, emptyGovernance, type HeldRecord } from '../../../runtime/state/governance.js';
import { parseSnapshot, snapshotBytes } from '../../../runtime/state/snapshot.js';
import { applyToState, foldState, type BusState } from '../../../runtime/state/state.js';
import { auditRows } from '../../../runtime/views/audit.js';
import { governanceForAudit, recall } from '../../../runtime/views/inspect.js';
import { Layout } from '../../../workspaces/layout.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-06-01T09:00:00Z');
const POS = { segment: '000001.jsonl', offset: 0 };

const record = (id: string, status: HeldRecord['status'], decided?: string): HeldRecord => ({
  ...{ id, kind: 'purchase', from: 'ann', to: ['bob'], cause: 'kind', detail: 'a purchase', approvers: ['operator'] },
  ...{ config_version: 1, requested: '2026-01-01T00:00:00.000Z', status, attempts: [] },
  ...(decided ? { decided, decided_by: 'operator', decision: `d-${id}` } : {}),
});

describe('sweepHeld', () => {
  // The first event of 2026-07-01: the cutoff is 2026-07-01T00:00Z minus 30 days = 2026-06-01T00:00Z.
  const table: Array<{ what: string; h: HeldRecord; kept: boolean }> = [
    { what: 'a held one, however old', h: record('a', 'held'), kept: true },
    { what: 'approved just before the cutoff', h: record('b', 'approved', '2026-05-31T23:59:59.999Z'), kept: false },
    { what: 'refused long before', h: record('c', 'refused', '2026-02-01T00:00:00.000Z'), kept: false },
    { what: 'approved at the cutoff', h: record('d', 'approved', '2026-06-01T00:00:00.000Z'), kept: true },
    { what: 'refused within the window', h: record('e', 'refused', '2026-06-20T00:00:00.000Z'), kept: true },
  ];
  it.each(table)('$what: kept $kept', ({ h, kept }) => {
    const g = emptyGovernance();
    g.held[h.id] = h;
    sweepHeld(g, '2026-07-01T08:00:00.000Z');
    expect(Object.hasOwn(g.held, h.id)).toBe(kept);
    expect(g.heldForgotten ?? 0).toBe(kept ? 0 : 1);
    expect(g.heldSwept).toBe('2026-07-01');
  });
  it('sweeps once a day, with the day start as its cutoff (later that day forgets nothing more)', () => {
    const g = emptyGovernance();
    g.held.x = record('x', 'approved', '2026-06-01T05:00:00.000Z');
    sweepHeld(g, '2026-07-01T00:00:01.000Z');
    expect(g.held.x).toBeDefined(); // decided after 2026-06-01T00:00: kept today
    sweepHeld(g, '2026-07-01T23:59:00.000Z');
    expect(g.held.x).toBeDefined();
    sweepHeld(g, '2026-07-02T00:00:00.000Z');
    expect(g.held.x).toBeUndefined();
  });
});

/** 120 days: a message held every day, approved or refused a day later, one never decided. */
function history(): BusEvent[] {
  const out: BusEvent[] = [];
  const add = (t: number, e: NewEvent) =>
    out.push({ ...e, seq: out.length + 1, time: new Date(t).toISOString() } as BusEvent);
  const base = { kind: 'purchase', from: 'ann', to: ['bob'], cause: 'kind' as const, approvers: ['operator'] };
  for (let d = 0; d < 120; d++) {
    const t = T0 + d * DAY;
    const id = `h${String(d).padStart(11, '0')}`;
    add(t, { type: 'approval.requested', id, ...base, detail: `day ${d}`, config_version: 1, time: '' });
    if (d === 5) continue; // never decided
    const decided = { id, by: 'operator', decision: `d${String(d).padStart(11, '0')}`, config_version: 1, time: '' };
    if (d % 3) add(t + DAY / 2, { type: 'approval.granted', ...decided, grant: { by: 'operator' } });
    else add(t + DAY / 2, { type: 'approval.refused', ...decided, rule: 'rejected', reason: 'no', final: true });
    add(t + DAY / 2 + 1000, { type: 'daemon.started', pid: 1, version: 'x', time: '' } as NewEvent);
  }
  return out;
}

const bytes = (s: BusState) => snapshotBytes(s, POS).toString('latin1');

describe('the fold with decided holds forgotten', () => {
  const events = history();
  const all = foldState(events);

  it('keeps the undecided one and the last 30 days of decisions, and counts the rest', () => {
    const held = Object.values(all.governance.held);
    expect(held.find((h) => h.status === 'held')?.id).toBe('h00000000005');
    const oldest = Math.min(...held.filter((h) => h.decided).map((h) => Date.parse(h.decided!)));
    expect(Date.parse(all.lastTime!) - oldest).toBeLessThan(HELD_KEEP_MS + 2 * DAY);
    expect(held.length).toBeLessThan(35);
    expect(all.governance.heldForgotten).toBe(119 - (held.length - 1));
  });
  it.each([1, 60, 150, 200, 239])('snapshot after %i events + the tail = the whole fold, byte for byte', (k) => {
    const { state } = parseSnapshot(snapshotBytes(foldState(events.slice(0, k)), POS));
    for (const e of events.slice(k)) applyToState(state, e);
    expect(bytes(state)).toBe(bytes(all));
  });
  it('a snapshot written before the rule (no sweep fields, nothing forgotten) + the tail = the whole fold', () => {
    const k = 150;
    const old = foldState(events.slice(0, k));
    // What the code before this rule folded: every hold kept (in the order they were held), no sweep fields.
    const before = foldState(events.slice(0, k));
    const kept = emptyGovernance();
    for (const e of events.slice(0, k)) applyGovernance(kept, e, new Map());
    before.governance.held = kept.held;
    delete before.governance.heldSwept;
    delete before.governance.heldForgotten;
    expect(bytes(before)).not.toBe(bytes(old));
    const { state } = parseSnapshot(snapshotBytes(before, POS));
    for (const e of events.slice(k)) applyToState(state, e);
    expect(bytes(state)).toBe(bytes(all));
  });
  it('why: recall puts a forgotten hold back from its events', () => {
    const id = 'h00000000003';
    expect(all.governance.held[id]).toBeUndefined();
    const about = events.filter((e) => 'id' in e && e.id === id);
    const state = recall(foldState(events), about);
    expect(state.governance.held[id]).toMatchObject({ status: 'refused', decided_by: 'operator' });
  });
  it('audit: reads the forgotten ones from the log; every hold is listed', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-held-'));
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const layout = new Layout(tmp);
    fs.mkdirSync(layout.events, { recursive: true });
    fs.writeFileSync(path.join(layout.events, '000001.jsonl'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    const rows = auditRows(await governanceForAudit(layout, all.governance), {});
    expect(rows).toHaveLength(120);
    expect(rows.map((r) => r.id)).toEqual(
      events.filter((e) => e.type === 'approval.requested').map((e) => (e as { id: string }).id),
    );
    expect(rows[3]).toMatchObject({ status: 'refused', decided_by: 'operator' });
    expect(auditRows(all.governance, {}).length).toBeLessThan(35); // the fold alone would not list them
  });
});
