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
    let scratch = Buffer.alloc(64 * 1024);
    for (const piece of pieces) {
      const want = Buffer.from(piece, 'utf8');
      if (scratch.length < want.length) scratch = Buffer.alloc(want.length);
      const got = readFully(fd, scratch, want.length, pos);
      if (got !== want.length || !scratch.subarray(0, got).equals(want)) return false;
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
