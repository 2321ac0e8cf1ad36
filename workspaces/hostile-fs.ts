/**
 * File operations on trees a handler can write. Every caller that reads, lists, takes from or
 * writes into such a tree goes through this module.
 *
 * Hostile trees: every `workspaces/<agent>/` (its outbox, its scratch space, and, for an agent
 * that runs unjailed or external, all its mailbox folders), because a handler can turn anything
 * it can write into a symbolic link, a fifo, a directory or a file between any two system calls
 * of the daemon. Trusted trees: `bus/`, `board/`, `.mailroom/`, `mailroom.yaml` (only the
 * daemon and the people write them). A mailbox folder is opened with `Dir.open(p, p)`: the
 * layout's paths are real (the daemon resolves the org root once), so a folder that is a link,
 * or lies under one, is refused.
 *
 * Callers: intake (outbox takes, a person's drop), delivery (inbox copies, sent/ copies,
 * attachments), recovery, the unread check, start-up's queued-name check, the scan (watch.ts),
 * the runner (inbox -> done/, dead letters).
 *
 * The rules, from PITFALLS.md "Sandboxes":
 * - A path in a hostile tree is resolved once. A directory is opened (`O_DIRECTORY|O_NOFOLLOW`),
 *   where it really is is read from `/proc/self/fd/N`, and every later use goes through
 *   `/proc/self/fd/N/<name>`, which the kernel resolves through the open descriptor: a swap of
 *   the directory for a link after the check redirects nothing.
 * - A file is opened once (`O_NOFOLLOW|O_NONBLOCK`: a fifo never blocks the daemon), `fstat`ed,
 *   checked, and read from the descriptor. A path that may cross links (an attachment) is
 *   resolved into an `O_PATH` descriptor first, which opens nothing, and opened only once it is
 *   known to be a regular file inside the workspace.
 * - Outputs are created with `O_CREAT|O_EXCL|O_NOFOLLOW` (never through an existing entry):
 *   workspaces/hostile-write.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { candidateBytes } from '../bus/names.js';
import { Entries, mangled } from './entries.js';

const DOT = Buffer.from('.');
const DOTDOT = Buffer.from('..');
const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY, O_DIRECTORY } = fs.constants;

/** Why a hostile entry was refused; `kind` says what it was, `detail` says it for people. */
export class Refused extends Error {
  override name = 'Refused';
  constructor(
    readonly kind: 'link' | 'not-a-file' | 'not-a-directory' | 'outside' | 'missing' | 'unreadable' | 'too-large',
    message: string,
  ) {
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

export function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Where an open descriptor really points. */
function fdPath(fd: number): string {
  return fs.readlinkSync(`/proc/self/fd/${fd}`);
}

/** An open directory: use `at(name)` for every entry in it, never the original path again. */
export class Dir {
  private constructor(
    readonly fd: number,
    readonly real: string,
  ) {}

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
      if (code === 'ELOOP')
        throw new Refused('link', `${dir} is a symbolic link; mailroom never reads or writes through it`);
      if (code === 'ENOTDIR') {
        // O_DIRECTORY is checked before O_NOFOLLOW: a link to anything says ENOTDIR too.
        const st = fs.lstatSync(dir, { throwIfNoEntry: false });
        if (st?.isSymbolicLink())
          throw new Refused('link', `${dir} is a symbolic link; mailroom never reads or writes through it`);
        throw new Refused('not-a-directory', `${dir} is not a directory (it is ${st ? describeEntry(st) : 'gone'})`);
      }
      if (code === 'EACCES' || code === 'EPERM') throw new Refused('unreadable', `${dir} cannot be opened (${code})`);
      throw err;
    }
    const real = fdPath(fd);
    if (expectReal !== undefined && real !== expectReal) {
      fs.closeSync(fd);
      throw new Refused(
        'outside',
        `${dir} leads to ${real}, not where it belongs (${expectReal}); mailroom never reads or writes through it`,
      );
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
    if (name.includes('/') || name === '..' || name === '.')
      throw new Refused('outside', `${JSON.stringify(name)} is not a plain file name`);
    return `/proc/self/fd/${this.fd}/${name}`;
  }

  /** The entry named by a candidate name: a plain name, or raw bytes that are not UTF-8 (bus/names.ts rawCandidate). */
  entry(name: string): string | Buffer {
    const raw = candidateBytes(name);
    return raw ? this.atRaw(raw) : this.at(name);
  }

  /** The entry `name` given by its raw bytes (a name that is not UTF-8), resolved through this descriptor. */
  atRaw(name: Buffer): Buffer {
    if (name.includes(0x2f) || name.includes(0) || name.equals(DOT) || name.equals(DOTDOT))
      throw new Refused('outside', `${JSON.stringify(name.toString('latin1'))} is not a plain file name`);
    return Buffer.concat([Buffer.from(`/proc/self/fd/${this.fd}/`), name]);
  }

  /** Entry names as strings (a name that is not UTF-8 comes back mangled: use listRaw where that matters). */
  list(): string[] {
    return fs.readdirSync(`/proc/self/fd/${this.fd}`);
  }

  /** Entry names by their raw bytes. */
  listRaw(): Buffer[] {
    return fs.readdirSync(`/proc/self/fd/${this.fd}`, { encoding: 'buffer' });
  }

  /** Entry names by their raw bytes, without blocking the event loop (a big inbox). */
  listRawAsync(): Promise<Buffer[]> {
    return fs.promises.readdir(`/proc/self/fd/${this.fd}`, { encoding: 'buffer' });
  }

  /** Entry names as text, by their raw bytes only when one is not UTF-8 (at 300,000 names, Buffers cost seconds of start-up). */
  listEntries(): Entries {
    const text = fs.readdirSync(`/proc/self/fd/${this.fd}`);
    return text.some(mangled) ? new Entries(this.listRaw()) : new Entries(null, text);
  }

  /** listEntries without blocking the event loop (a big inbox). */
  async listEntriesAsync(): Promise<Entries> {
    const text = await fs.promises.readdir(`/proc/self/fd/${this.fd}`);
    return text.some(mangled) ? new Entries(await this.listRawAsync()) : new Entries(null, text);
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
    if (expectIno !== undefined && stat.ino !== expectIno)
      throw new Refused('not-a-file', 'the file was replaced while mailroom was taking it');
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
    if (code === 'ELOOP')
      throw new Refused('link', 'a symbolic link is where a file belongs; mailroom never follows or reads through it');
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new Refused('missing', 'the file does not exist');
    if (code === 'EACCES' || code === 'EPERM')
      throw new Refused('unreadable', `the file cannot be read by the daemon (${code}: permission denied)`);
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

/** Linux's `O_PATH` (not in `fs.constants`): a descriptor that names a file without opening it. */
const O_PATH = 0o10000000;

/**
 * Open `rel` inside the directory `rootReal` (a real path) for reading: the file's real path
 * must lie inside `rootReal`, whatever links the path crossed on the way. The path is resolved
 * once, into an `O_PATH` descriptor, which opens nothing (no fifo's writer wakes, no tty becomes
 * the daemon's terminal, no device's driver runs); only once that descriptor is known to be a
 * regular file inside `rootReal` is the same file opened for reading, through it. A folder of
 * the path swapped for a link at any moment leads to a refusal, never to an open outside.
 */
export function openInside(rootReal: string, rel: string): { fd: number; real: string; stat: fs.Stats } {
  const outside = () => new Refused('outside', `${rel} resolves outside ${rootReal} (a symbolic link or ..)`);
  let found: number;
  try {
    found = fs.openSync(path.resolve(rootReal, rel), O_PATH);
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new Refused('missing', 'the file does not exist');
    if (code === 'ELOOP') throw new Refused('link', `${rel} goes through too many symbolic links`);
    if (code === 'EACCES' || code === 'EPERM')
      throw new Refused('unreadable', `the file cannot be read by the daemon (${code}: permission denied)`);
    throw err;
  }
  try {
    const real = fdPath(found);
    if (!real.startsWith(rootReal + path.sep)) throw outside();
    const stat = fs.fstatSync(found);
    if (!stat.isFile())
      throw new Refused(
        'not-a-file',
        `${describeEntry(stat)} is where a file belongs; mailroom never reads through it`,
      );
    const fd = fs.openSync(`/proc/self/fd/${found}`, O_RDONLY | O_NONBLOCK | O_NOCTTY); // the same file: a regular one, checked above
    const opened = fs.fstatSync(fd);
    if (opened.ino !== stat.ino || opened.dev !== stat.dev) {
      fs.closeSync(fd);
      throw outside();
    }
    return { fd, real, stat: opened };
  } finally {
    fs.closeSync(found);
  }
}
