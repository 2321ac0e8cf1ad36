/**
 * Snapshots on disk: .mailroom/snapshots/<seq>.snap, written atomically (a dotfile, fsync,
 * rename, fsync of the folder), the newest KEEP kept. Loading takes the newest snapshot that
 * parses, whose log position exists and whose next event follows it; a damaged or stale one is
 * skipped with a warning (then the one before it, and finally a full replay), so a crash in the
 * middle of writing one loses nothing: the log is the record, a snapshot only a shortcut.
 * Used by the daemon at start-up and by every read command of the CLI (status, board, why, ...).
 */
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { BusEvent } from '../../bus/events.js';
import { allSegments, readEvents, type ReadResult } from '../../bus/store/log-read.js';
import { parseLines } from '../../bus/store/log-lines.js';
import { LargeGarbage } from './large-garbage.js';
import {
  parseSnapshot,
  snapshotHeader,
  snapshotBytes,
  SnapshotCorrupt,
  type LogPosition,
  type SnapshotHeader,
} from '../state/snapshot.js';
import { applyToState, emptyState, type BusState } from '../state/state.js';
import type { ColdThreads } from '../state/cold-threads.js';

const NAME_RE = /^(\d{12})\.snap$/;
export const KEEP = 3;

/**
 * A snapshot file parsed; without the threads, only its first three lines are read (the threads'
 * columns are the larger part of a large snapshot), and its size and last byte.
 */
function readSnapshot(file: string, threads: boolean): ReturnType<typeof parseSnapshot> {
  if (threads) return parseSnapshot(fs.readFileSync(file), { threads });
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    // Never filled past the third line: the pages not read into are never touched.
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    let lines = 0;
    while (got < size && lines < 3) {
      const n = fs.readSync(fd, buf, got, Math.min(1 << 20, size - got), got);
      if (n === 0) break;
      const read = buf.subarray(got, got + n);
      for (let i = read.indexOf(10); i !== -1 && lines < 3; i = read.indexOf(10, i + 1)) lines++;
      got += n;
    }
    const last = Buffer.alloc(1);
    const tail = { size, last: size > 0 && fs.readSync(fd, last, 0, 1, size - 1) === 1 ? last[0] : undefined };
    return parseSnapshot(buf.subarray(0, got), { threads, tail });
  } finally {
    fs.closeSync(fd);
  }
}

export function snapshotName(seq: number): string {
  return `${String(seq).padStart(12, '0')}.snap`;
}

/** The snapshot files, newest first. */
export function listSnapshots(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((n) => NAME_RE.test(n))
      .sort()
      .reverse();
  } catch {
    return [];
  }
}

/** Write a snapshot atomically and durably; remove all but the newest KEEP (and stale temp files). */
export function writeSnapshot(dir: string, state: BusState, position: LogPosition): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = snapshotName(state.lastSeq);
  const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, snapshotBytes(state, position));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, name));
  const dfd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
  for (const old of listSnapshots(dir).slice(KEEP)) fs.rmSync(path.join(dir, old), { force: true });
  for (const n of fs.readdirSync(dir))
    if (n.startsWith('.') && n.endsWith('.tmp')) fs.rmSync(path.join(dir, n), { force: true });
  return name;
}

/** The newest snapshot's header (cheap: only its first line is parsed), or null. */
export function newestHeader(dir: string): SnapshotHeader | null {
  for (const name of listSnapshots(dir)) {
    try {
      const fd = fs.openSync(path.join(dir, name), 'r');
      const buf = Buffer.alloc(4096);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      fs.closeSync(fd);
      return snapshotHeader(buf.toString('utf8', 0, n));
    } catch {
      /* an older one */
    }
  }
  return null;
}

export interface Folded {
  state: BusState;
  read: ReadResult;
  /** The snapshot the fold started from (null: a full replay). */
  from: SnapshotHeader | null;
  /** Events replayed after it. */
  replayed: number;
}

class NotFollowing extends Error {}

/** How a reader folds: whether it needs the threads (only the daemon does), and a look at each replayed event. */
export interface FoldOptions {
  threads?: boolean;
  replayed?: (e: BusEvent) => void;
  /** The thread index's second tier (the daemon's, on disk), attached before the tail is folded. */
  cold?: ColdThreads;
}

/** `state` with the second tier attached (if any). */
function withCold(state: BusState, cold: ColdThreads | undefined): BusState {
  if (cold) state.threads.cold = cold;
  return state;
}

async function replayFrom(
  eventsDir: string,
  state: BusState,
  from: SnapshotHeader | null,
  replayedHook?: (e: BusEvent) => void,
): Promise<Folded> {
  let replayed = 0;
  const garbage = new LargeGarbage(); // a tail of 1 MB messages is garbage as it is folded
  const read = await readEvents(eventsDir, {
    from: from?.position ?? null,
    onEvent: (e) => {
      if (replayed === 0 && from && e.seq !== from.seq + 1)
        throw new NotFollowing(
          `the log at ${from.position.segment}:${from.position.offset} holds seq ${e.seq}, not ${from.seq + 1}`,
        );
      replayed++;
      if (e.type === 'message.accepted') {
        garbage.collectIfDue();
        garbage.add(e.text.length);
      }
      applyToState(state, e);
      replayedHook?.(e);
    },
  });
  return { state, read, from, replayed };
}

/**
 * The folded state: the newest usable snapshot plus the events after it, or a full replay.
 * `threadTtl` is the fold's setting (a snapshot keeps its own until the caller changes it).
 */
export async function loadFolded(
  snapshotsDir: string,
  eventsDir: string,
  threadTtl: number,
  warn: (text: string) => void,
  o: FoldOptions = {},
): Promise<Folded> {
  for (const name of listSnapshots(snapshotsDir)) {
    const file = path.join(snapshotsDir, name);
    try {
      const { header, state } = readSnapshot(file, o.threads ?? true);
      const seg = fs.statSync(path.join(eventsDir, header.position.segment), { throwIfNoEntry: false });
      if (!seg || seg.size < header.position.offset)
        throw new SnapshotCorrupt(
          `the log position it records (${header.position.segment} at byte ${header.position.offset}) is not in bus/events/`,
        );
      state.threadTtl = threadTtl;
      return await replayFrom(eventsDir, withCold(state, o.cold), header, o.replayed);
    } catch (err) {
      if (!(err instanceof SnapshotCorrupt || err instanceof NotFollowing || err instanceof SyntaxError)) throw err;
      warn(
        `skipped snapshot .mailroom/snapshots/${name}: ${err.message}; using an older one or replaying the whole log (nothing is lost: the log is the record)`,
      );
    }
  }
  return replayFrom(eventsDir, withCold(emptyState(threadTtl), o.cold), null, o.replayed);
}

/** The bytes of `file` from `offset` on (gunzipped when archived). */
function bytesFrom(file: string, archived: boolean, offset: number): Buffer {
  if (archived) return gunzipSync(fs.readFileSync(file)).subarray(offset);
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size < offset)
      throw new NotFollowing(`${file} is shorter (${size} bytes) than the snapshot's position (${offset})`);
    const buf = Buffer.alloc(size - offset);
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(fd, buf, got, buf.length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

function replaySync(
  eventsDir: string,
  state: BusState,
  from: Pick<SnapshotHeader, 'seq' | 'position'> | null,
): { state: BusState; position: LogPosition | null } {
  const all = allSegments(eventsDir);
  const lastLive = all.filter((s) => !s.archived).at(-1)?.name;
  let first = true;
  let position: LogPosition | null = from?.position ?? null;
  for (const ref of all) {
    if (from && ref.name < from.position.segment) continue;
    const offset = from && ref.name === from.position.segment ? from.position.offset : 0;
    const { events, goodBytes } = parseLines(
      bytesFrom(ref.file, ref.archived, offset).toString('utf8'),
      ref.file,
      ref.name === lastLive,
    );
    for (const e of events) {
      if (first && from && e.seq !== from.seq + 1)
        throw new NotFollowing(
          `the log at ${from.position.segment}:${from.position.offset} holds seq ${e.seq}, not ${from.seq + 1}`,
        );
      first = false;
      applyToState(state, e);
    }
    position = { segment: ref.name, offset: offset + goodBytes };
  }
  return { state, position };
}

/**
 * loadFolded, synchronously: the journal's undo after a failed write (the state is the log on
 * disk again), where the tail after the newest snapshot is short. Damaged snapshots are skipped
 * silently here (start-up and the CLI warn about them).
 */
export function loadFoldedSync(
  snapshotsDir: string,
  eventsDir: string,
  threadTtl: number,
  o: Pick<FoldOptions, 'threads' | 'cold'> = {},
): BusState {
  return loadFoldedSyncAt(snapshotsDir, eventsDir, threadTtl, o).state;
}

/** loadFoldedSync, and where its fold stopped (for foldOnSync; null: the log is empty). */
export function loadFoldedSyncAt(
  snapshotsDir: string,
  eventsDir: string,
  threadTtl: number,
  { threads = true, cold }: Pick<FoldOptions, 'threads' | 'cold'> = {},
): { state: BusState; position: LogPosition | null } {
  for (const name of listSnapshots(snapshotsDir)) {
    try {
      const { header, state } = readSnapshot(path.join(snapshotsDir, name), threads);
      state.threadTtl = threadTtl;
      return replaySync(eventsDir, withCold(state, cold), header);
    } catch (err) {
      if (!(err instanceof SnapshotCorrupt || err instanceof NotFollowing || err instanceof SyntaxError)) throw err;
    }
  }
  return replaySync(eventsDir, withCold(emptyState(threadTtl), cold), null);
}

/**
 * Fold into `state` (folded up to `position`) the events logged since, for a reader that stays
 * (the page): it reads only the new bytes. Throws when the log no longer continues there (the
 * segment archived by `mailroom compact`, or not the next seq): then load again.
 */
export function foldOnSync(eventsDir: string, state: BusState, position: LogPosition): LogPosition {
  const seg = allSegments(eventsDir).find((s) => s.name === position.segment);
  if (!seg || seg.archived) throw new NotFollowing(`${position.segment} is no longer in bus/events/`);
  return replaySync(eventsDir, state, { seq: state.lastSeq, position }).position ?? position;
}
