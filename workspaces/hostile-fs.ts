/**
 * File operations on trees a handler can write. Every caller that reads, lists, takes from or
 * writes into such a tree goes through this module.
 *
 * Hostile trees: every `workspaces/<agent>/` (its outbox, its scratch space, and, for an agent
 * that runs unjailed or external, all its mailbox folders), because a handler can turn anything
 * it can write into a symbolic link, a fifo, a directory or a file between any two system calls
 * of the daemon. Trusted trees: `bus/`, `board/`, `.mailroom/`, `mailroom.yaml` (only the
 * daemon and the people write them).
 *
 * The rules, from PITFALLS.md "Sandboxes":
 * - A path in a hostile tree is resolved once. A directory is opened (`O_DIRECTORY|O_NOFOLLOW`),
 *   where it really is is read from `/proc/self/fd/N`, and every later use goes through
 *   `/proc/self/fd/N/<name>`, which the kernel resolves through the open descriptor: a swap of
 *   the directory for a link after the check redirects nothing.
 * - A file is opened once (`O_NOFOLLOW|O_NONBLOCK`: a fifo never blocks the daemon), `fstat`ed,
 *   checked, and read from the descriptor.
 * - Outputs are created with `O_CREAT|O_EXCL|O_NOFOLLOW` (never through an existing entry).
 */
import fs from 'node:fs';
import path from 'node:path';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = fs.constants;

/** Why a hostile entry was refused; `kind` says what it was, `detail` says it for people. */
export class Refused extends Error {
  override name = 'Refused';
  constructor(readonly kind: 'link' | 'not-a-file' | 'not-a-directory' | 'outside' | 'missing' | 'unreadable' | 'too-large', message: string) {
    super(message);
  }
}

/** What an entry is, in words, from its stat. */
export function describeEntry(st: fs.Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (fifo)';
  if (st.isSocket()) return 'a socket';
  if (st.isFile()) return 'a regular file';
  return 'a device or special file';
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Where an open descriptor really points. */
function fdPath(fd: number): string {
  return fs.readlinkSync(`/proc/self/fd/${fd}`);
}

/** An open directory: use `at(name)` for every entry in it, never the original path again. */
export class Dir {
  private constructor(readonly fd: number, readonly real: string) {}

  /**
   * Open `dir` without following a link in its last component. With `expectReal`, the directory
   * must really be that path (a parent swapped for a link is refused too).
   */
  static open(dir: string, expectReal?: string): Dir {
    let fd: number;
    try {
      fd = fs.openSync(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK);
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT') throw new Refused('missing', `${dir} does not exist`);
      if (code === 'ELOOP') throw new Refused('link', `${dir} is a symbolic link; mailroom never reads or writes through it`);
      if (code === 'ENOTDIR') {
        // O_DIRECTORY is checked before O_NOFOLLOW: a link to anything says ENOTDIR too.
        const st = fs.lstatSync(dir, { throwIfNoEntry: false });
        if (st?.isSymbolicLink()) throw new Refused('link', `${dir} is a symbolic link; mailroom never reads or writes through it`);
        throw new Refused('not-a-directory', `${dir} is ${st ? describeEntry(st) : 'missing'}, not a directory`);
      }
      if (code === 'EACCES' || code === 'EPERM') throw new Refused('unreadable', `${dir} cannot be opened (${code})`);
      throw err;
    }
    const real = fdPath(fd);
    if (expectReal !== undefined && real !== expectReal) {
      fs.closeSync(fd);
      throw new Refused('outside', `${dir} leads to ${real}, not where it belongs (${expectReal}); mailroom never reads or writes through it`);
    }
    return new Dir(fd, real);
  }

  /** Open a directory, run `use`, close it. */
  static with<T>(dir: string, expectReal: string | undefined, use: (d: Dir) => T): T {
    const d = Dir.open(dir, expectReal);
    try {
      return use(d);
    } finally {
      d.close();
    }
  }

  /** The path of an entry, resolved through this descriptor. */
  at(name: string): string {
    if (name.includes('/') || name === '..' || name === '.') throw new Refused('outside', `${JSON.stringify(name)} is not a plain file name`);
    return `/proc/self/fd/${this.fd}/${name}`;
  }

  list(): string[] {
    return fs.readdirSync(`/proc/self/fd/${this.fd}`);
  }

  /** lstat of an entry, or null when it is gone. */
  lstat(name: string): fs.Stats | null {
    return fs.lstatSync(this.at(name), { throwIfNoEntry: false }) ?? null;
  }

  /** A subdirectory, created (0700) when missing; a link or a file in its place is refused. */
  sub(name: string, mode = 0o700): Dir {
    try {
      fs.mkdirSync(this.at(name), { mode });
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
    }
    return Dir.open(this.at(name), path.join(this.real, name));
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

export interface ReadFile {
  readonly bytes: Buffer;
  readonly stat: fs.Stats;
}

/**
 * Read a regular file at `p` (a path resolved once, usually `dir.at(name)`): never through a
 * link, never blocking on a fifo, at most `maxBytes` (a larger file is `too-large`). With
 * `expectIno`, the file must still be that inode.
 */
export function readRegular(p: string, maxBytes: number, expectIno?: number): ReadFile {
  const fd = openRegular(p);
  try {
    const stat = fs.fstatSync(fd);
    if (expectIno !== undefined && stat.ino !== expectIno) throw new Refused('not-a-file', 'the file was replaced while mailroom was taking it');
    const bytes = readAtMost(fd, maxBytes);
    if (bytes.length > maxBytes) throw new Refused('too-large', `the file is over the limit of ${maxBytes} bytes`);
    return { bytes, stat };
  } finally {
    fs.closeSync(fd);
  }
}

/** Open a regular file for reading without following a link or blocking; anything else is Refused. */
export function openRegular(p: string): number {
  let fd: number;
  try {
    fd = fs.openSync(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    const code = errCode(err);
    if (code === 'ELOOP') throw new Refused('link', 'a symbolic link is where a file belongs; mailroom never follows or reads through it');
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new Refused('missing', 'the file does not exist');
    if (code === 'EACCES' || code === 'EPERM') throw new Refused('unreadable', `the file cannot be read by the daemon (${code}: permission denied)`);
    throw err;
  }
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw new Refused('not-a-file', `${describeEntry(st)} is where a file belongs; mailroom never reads through it`);
  }
  return fd;
}

/** Up to `limit + 1` bytes from the start of `fd`: one byte more than allowed proves "too large" without reading it all. */
export function readAtMost(fd: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let got = 0;
  const chunk = Buffer.alloc(Math.min(limit + 1, 1 << 20));
  while (got <= limit) {
    const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, limit + 1 - got), got);
    if (n === 0) break;
    chunks.push(Buffer.from(chunk.subarray(0, n)));
    got += n;
  }
  return Buffer.concat(chunks, got);
}

/**
 * Open `rel` inside the directory `rootReal` (a real path) for reading: the descriptor's real
 * path must lie inside `rootReal`, whatever links the path crossed on the way.
 */
export function openInside(rootReal: string, rel: string): { fd: number; real: string; stat: fs.Stats } {
  const fd = openRegular(path.resolve(rootReal, rel));
  const real = fdPath(fd);
  if (!real.startsWith(rootReal + path.sep)) {
    fs.closeSync(fd);
    throw new Refused('outside', `${rel} resolves outside ${rootReal} (a symbolic link or ..)`);
  }
  return { fd, real, stat: fs.fstatSync(fd) };
}

/** Create `name` in `dir` with `bytes`; never through an existing entry (EEXIST is the caller's to judge). */
export function createExclusive(dir: Dir, name: string, bytes: Buffer | string, mode = 0o600): void {
  const fd = fs.openSync(dir.at(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  try {
    fs.writeFileSync(fd, bytes);
  } finally {
    fs.closeSync(fd);
  }
}

/** Copy at most `limit` bytes from an open descriptor into a new file `name` in `dir`; returns the bytes copied, or throws too-large. */
export function copyFromFd(fd: number, dir: Dir, name: string, limit: number, mode = 0o600): number {
  const out = fs.openSync(dir.at(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  let done = 0;
  try {
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, done);
      if (n === 0) break;
      done += n;
      if (done > limit) throw new Refused('too-large', `over the limit of ${limit} bytes`);
      fs.writeSync(out, buf, 0, n);
    }
  } catch (err) {
    fs.closeSync(out);
    fs.rmSync(dir.at(name), { force: true });
    throw err;
  }
  fs.closeSync(out);
  return done;
}
