/**
 * Archiving a segment: bus/events/<n>.jsonl -> bus/archive/<n>.jsonl.gz, crash-safe at every
 * step, so a kill -9 loses and duplicates nothing:
 *   1. gzip into a dotfile in bus/archive/ (readers ignore it; the next compaction removes it);
 *   2. fsync it, rename it to its name, fsync the folder;
 *   3. read it back (gunzip) and compare length and sha256 with the live segment;
 *   4. only then unlink the live segment and fsync bus/events/.
 * Between 2 and 4 the segment exists twice: readers take the live one (log-read.ts), and the
 * next compaction verifies the archived copy and removes the live one.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { archiveDir, archivedName } from './log-read.js';

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

async function digest(stream: NodeJS.ReadableStream): Promise<{ sha: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    h.update(c);
    bytes += c.length;
  }
  return { sha: h.digest('hex'), bytes };
}

/** Archive one live segment (name like 000001.jsonl). Returns the archived size in bytes. */
export async function archiveSegment(eventsDir: string, segment: string): Promise<{ bytes: number; gz: number }> {
  const dir = archiveDir(eventsDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const live = path.join(eventsDir, segment);
  const final = path.join(dir, archivedName(segment));
  if (!fs.existsSync(final)) {
    const tmp = path.join(dir, `.${archivedName(segment)}.${process.pid}.tmp`);
    await pipeline(fs.createReadStream(live), createGzip({ level: 6 }), fs.createWriteStream(tmp, { mode: 0o600 }));
    const fd = fs.openSync(tmp, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, final);
    fsyncDir(dir);
  }
  const [a, b] = await Promise.all([
    digest(fs.createReadStream(live)),
    digest(fs.createReadStream(final).pipe(createGunzip())),
  ]);
  if (a.sha !== b.sha || a.bytes !== b.bytes) {
    fs.rmSync(final, { force: true });
    throw new Error(
      `bus/archive/${archivedName(segment)} does not hold what bus/events/${segment} holds (${b.bytes} vs ${a.bytes} bytes); removed it, the live segment stays. Run \`mailroom compact\` again`,
    );
  }
  const gz = fs.statSync(final).size;
  fs.unlinkSync(live);
  fsyncDir(eventsDir);
  return { bytes: a.bytes, gz };
}

/** Temp files a compaction cut short left in bus/archive/. */
export function removeArchiveDebris(eventsDir: string): void {
  const dir = archiveDir(eventsDir);
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (n.startsWith('.') && n.endsWith('.tmp')) fs.rmSync(path.join(dir, n), { force: true });
}
