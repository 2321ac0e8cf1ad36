/**
 * A file compared with a text made in pieces, byte for byte, without holding either whole
 * (`mailroom doctor` checks a BOARD.md and a board.json of megabytes against a rebuild).
 */
import fs from 'node:fs';

/** Whether `file` holds exactly the UTF-8 bytes of the pieces joined; null when there is no such file. Stops at the first difference. */
export function sameAsFile(file: string, pieces: Iterable<string>): boolean | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    let pos = 0;
    let want = Buffer.alloc(256 * 1024);
    let scratch = Buffer.alloc(want.length);
    for (const piece of pieces) {
      const length = Buffer.byteLength(piece, 'utf8');
      if (want.length < length) [want, scratch] = [Buffer.alloc(length), Buffer.alloc(length)];
      want.write(piece, 0, 'utf8');
      const got = readFully(fd, scratch, length, pos);
      if (got !== length || !scratch.subarray(0, got).equals(want.subarray(0, length))) return false;
      pos += got;
    }
    return fs.readSync(fd, scratch, 0, 1, pos) === 0;
  } finally {
    fs.closeSync(fd);
  }
}

function readFully(fd: number, buf: Buffer, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}
