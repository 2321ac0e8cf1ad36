/**
 * Writing into trees a handler can write (workspaces/hostile-fs.ts says which and why): every
 * output is created with `O_CREAT|O_EXCL|O_NOFOLLOW` inside a directory opened as a `Dir`, so
 * nothing is ever written through an entry (a link, a fifo) the handler planted.
 */
import fs from 'node:fs';
import { type Dir, Refused, errCode, openRegular } from './hostile-fs.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

/** Create `name` in `dir` with `bytes`; never through an existing entry (EEXIST is the caller's to judge). */
export function createExclusive(dir: Dir, name: string, bytes: Buffer | string, mode = 0o600): void {
  const fd = fs.openSync(dir.at(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  try {
    fs.writeFileSync(fd, bytes);
  } finally {
    fs.closeSync(fd);
  }
}

const COPY_CHUNK = 1 << 16;
const ZEROS = Buffer.alloc(COPY_CHUNK);

/**
 * Copy at most `limit` bytes from an open descriptor into a new file `name` in `dir`; returns
 * the bytes copied, or throws too-large (leaving nothing behind). The bytes really read are
 * counted, never the size `fstat` claimed (a file still growing cannot slip past the limit), and
 * runs of zeros are not written (the copy of a sparse file stays sparse).
 */
export function copyFromFd(fd: number, dir: Dir, name: string, limit: number, mode = 0o600): number {
  const out = fs.openSync(dir.at(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  let done = 0;
  try {
    const buf = Buffer.alloc(COPY_CHUNK);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, done);
      if (n === 0) break;
      if (done + n > limit) throw new Refused('too-large', `over the limit of ${limit} bytes`);
      if (n !== COPY_CHUNK || !buf.equals(ZEROS)) fs.writeSync(out, buf, 0, n, done);
      done += n;
    }
    fs.ftruncateSync(out, done); // a trailing hole
  } catch (err) {
    fs.closeSync(out);
    fs.rmSync(dir.at(name), { force: true });
    throw err;
  }
  fs.closeSync(out);
  return done;
}

/**
 * Give `to/name` the file `from/name`: a hard link (one copy on disk, however many recipients),
 * or a copy when the two are on different filesystems (EXDEV). Never through an existing entry:
 * returns false when `name` is there already (a repeat after a crash).
 */
export function linkOrCopy(from: Dir, to: Dir, name: string, mode = 0o444): boolean {
  try {
    fs.linkSync(from.at(name), to.at(name));
    return true;
  } catch (err) {
    const code = errCode(err);
    if (code === 'EEXIST') return false;
    if (code !== 'EXDEV') throw err;
  }
  const fd = openRegular(from.at(name));
  try {
    copyFromFd(fd, to, name, Number.MAX_SAFE_INTEGER, mode);
  } catch (err) {
    if (errCode(err) === 'EEXIST') return false;
    throw err;
  } finally {
    fs.closeSync(fd);
  }
  return true;
}
