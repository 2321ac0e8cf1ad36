/**
 * Read commands load a snapshot without its threads (runtime/daemon/snapshots.ts): only its first
 * three lines are read, with the file's size and last byte. The state is the same as from the whole
 * file, and a snapshot whose threads are torn (shorter, longer, no final newline) is still refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFolded, loadFoldedSync, writeSnapshot } from '../../../runtime/daemon/snapshots.js';
import { parseSnapshot, snapshotBytes, SnapshotCorrupt } from '../../../runtime/state/snapshot.js';
import { emptyState } from '../../../runtime/state/state.js';

const POS = { segment: '000001.jsonl', offset: 0 };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-snap-prefix-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function state() {
  const s = emptyState(60_000);
  s.lastSeq = 0;
  s.board.asOf = '2026-11-30T00:00:00.000Z';
  return s;
}

function prefix(buf: Buffer): Buffer {
  let at = -1;
  for (let i = 0; i < 3; i++) at = buf.indexOf(10, at + 1);
  return buf.subarray(0, at + 1);
}

describe('a snapshot read without its threads', () => {
  const whole = snapshotBytes(state(), POS);
  it('its first three lines and its tail give the state of the whole file', () => {
    const tail = { size: whole.length, last: whole[whole.length - 1] };
    const a = parseSnapshot(prefix(whole), { threads: false, tail });
    const b = parseSnapshot(whole, { threads: false });
    expect(a.header).toEqual(b.header);
    expect(JSON.stringify(a.state.board)).toBe(JSON.stringify(b.state.board));
    expect(a.state.lastSeq).toBe(b.state.lastSeq);
  });

  it.each([
    ['a byte short', { size: whole.length - 1, last: 10 }],
    ['a byte long', { size: whole.length + 1, last: 10 }],
    ['no final newline', { size: whole.length, last: 0x7d }],
    ['empty', { size: whole.length, last: undefined }],
  ])('torn threads (%s) are refused', (_what, tail) => {
    expect(() => parseSnapshot(prefix(whole), { threads: false, tail })).toThrow(SnapshotCorrupt);
  });

  it('loadFolded and loadFoldedSync read it from disk as from the whole file', async () => {
    const dir = path.join(tmp, 'snapshots');
    const events = path.join(tmp, 'events');
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(events, { recursive: true });
    fs.writeFileSync(path.join(events, '000001.jsonl'), '');
    writeSnapshot(dir, state(), POS);
    const warn = (t: string) => {
      throw new Error(t);
    };
    const lean = (await loadFolded(dir, events, 60_000, warn, { threads: false })).state;
    const full = (await loadFolded(dir, events, 60_000, warn)).state;
    expect(JSON.stringify(lean.board)).toBe(JSON.stringify(full.board));
    expect(JSON.stringify(loadFoldedSync(dir, events, 60_000, { threads: false }).board)).toBe(
      JSON.stringify(full.board),
    );
  });
});
