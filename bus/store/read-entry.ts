/**
 * Read a message file without ever following a link: open once with O_NOFOLLOW|O_NONBLOCK,
 * fstat the descriptor (it must be a regular file, the same inode as looked at before), read at
 * most `limit + 1` bytes. Anything else is a Rejection that names what was found and the fix.
 */
import fs from 'node:fs';
import { Rejection } from '../rejection.js';

function notAFile(st: fs.Stats): Rejection {
  const what = st.isSymbolicLink()
    ? 'a symbolic link'
    : st.isDirectory()
      ? 'a directory'
      : st.isFIFO()
        ? 'a named pipe (fifo)'
        : st.isSocket()
          ? 'a socket'
          : 'a device or special file';
  return new Rejection(
    `${what} is where a message file belongs; mailroom never follows or reads through it`,
    'Put a regular markdown file there (cp the content, do not link it).',
  );
}

function openNoFollow(p: fs.PathLike): number | Rejection {
  try {
    return fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return notAFile(fs.lstatSync(p)); // swapped for a link meanwhile
    if (code === 'EACCES' || code === 'EPERM') {
      return new Rejection(
        `the file cannot be read by the daemon (${code}: permission denied)`,
        'Make it readable (chmod u+r) and move it back into the outbox.',
      );
    }
    throw err;
  }
}

/**
 * `known`: the lstat of the same entry before it was taken (a rename keeps the inode), so only a
 * regular file is ever opened; the fstat proves it is still that file. `limit`: max_message_bytes.
 */
export function readEntry(p: fs.PathLike, limit: number, known?: fs.Stats): { bytes: Buffer } | Rejection {
  const st = known ?? fs.lstatSync(p);
  if (!st.isFile()) return notAFile(st);
  const fd = openNoFollow(p);
  if (fd instanceof Rejection) return fd;
  try {
    const opened = fs.fstatSync(fd);
    if (!opened.isFile()) return notAFile(opened);
    if (opened.ino !== st.ino) {
      return new Rejection(
        'the file was replaced while mailroom was taking it',
        'Write the file elsewhere and move it into the outbox when it is complete (mv is atomic).',
      );
    }
    const size = opened.size;
    const buf = Buffer.alloc(Math.min(size, limit + 1));
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    if (size > limit) {
      return new Rejection(
        `the file is ${size} bytes, over the limit of ${limit} bytes (max_message_bytes)`,
        'Split it, or raise max_message_bytes in mailroom.yaml.',
      );
    }
    return { bytes: buf.subarray(0, got) };
  } finally {
    fs.closeSync(fd);
  }
}
