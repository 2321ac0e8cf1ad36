/** The descriptor rules of workspaces/hostile-fs.ts, each shown by the swap an attacker would make. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dir, Refused, openInside, readRegular } from '../../../workspaces/hostile-fs.js';
import { copyFromFd, createExclusive, linkOrCopy } from '../../../workspaces/hostile-write.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-')));
  fs.mkdirSync(path.join(tmp, 'ws', 'outbox'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'secrets'));
  fs.writeFileSync(path.join(tmp, 'secrets', 'TOKEN'), 'SECRET-VALUE');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const kindOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (err) {
    if (err instanceof Refused) return err.kind;
    throw err;
  }
};

describe('Dir', () => {
  it('refuses a directory that is a link, and one that leads elsewhere', () => {
    fs.symlinkSync(path.join(tmp, 'secrets'), path.join(tmp, 'ws', 'inbox'));
    expect(kindOf(() => Dir.open(path.join(tmp, 'ws', 'inbox')))).toBe('link');
    fs.symlinkSync(tmp, path.join(tmp, 'alias'));
    expect(kindOf(() => Dir.open(path.join(tmp, 'alias', 'ws', 'outbox'), path.join(tmp, 'ws', 'outbox')))).toBe('ok');
    fs.renameSync(path.join(tmp, 'ws'), path.join(tmp, 'ws-real'));
    fs.symlinkSync(path.join(tmp, 'ws-real'), path.join(tmp, 'ws'));
    expect(kindOf(() => Dir.open(path.join(tmp, 'ws', 'outbox'), path.join(tmp, 'ws', 'outbox')))).toBe('outside');
  });

  it('keeps using the directory it opened when the path is swapped for a link afterwards', () => {
    const outbox = path.join(tmp, 'ws', 'outbox');
    fs.writeFileSync(path.join(outbox, 'm.md'), 'mine');
    const d = Dir.open(outbox, outbox);
    fs.renameSync(outbox, path.join(tmp, 'ws', 'moved'));
    fs.symlinkSync(path.join(tmp, 'secrets'), outbox);
    expect(d.list()).toEqual(['m.md']);
    fs.renameSync(d.at('m.md'), path.join(tmp, 'taken.md'));
    expect(fs.readdirSync(path.join(tmp, 'secrets'))).toEqual(['TOKEN']);
    expect(fs.readFileSync(path.join(tmp, 'taken.md'), 'utf8')).toBe('mine');
    d.close();
  });

  it('sub() refuses a link planted where a subdirectory belongs', () => {
    fs.symlinkSync(path.join(tmp, 'secrets'), path.join(tmp, 'ws', 'outbox', 'attachments'));
    const d = Dir.open(path.join(tmp, 'ws', 'outbox'));
    expect(kindOf(() => d.sub('attachments'))).toBe('link');
    d.close();
  });

  it('at() refuses names that are paths', () => {
    Dir.with(tmp, undefined, (d) => {
      expect(kindOf(() => d.at('../x'))).toBe('outside');
      expect(kindOf(() => d.at('..'))).toBe('outside');
    });
  });
});

describe('readRegular', () => {
  it('reads a file, refuses a link, a directory, a fifo (without blocking) and a file over the limit', () => {
    const ob = path.join(tmp, 'ws', 'outbox');
    fs.writeFileSync(path.join(ob, 'a.md'), 'hello');
    fs.symlinkSync(path.join(tmp, 'secrets', 'TOKEN'), path.join(ob, 'l.md'));
    fs.mkdirSync(path.join(ob, 'd.md'));
    execFileSync('mkfifo', [path.join(ob, 'f.md')]);
    expect(readRegular(path.join(ob, 'a.md'), 100).bytes.toString()).toBe('hello');
    expect(kindOf(() => readRegular(path.join(ob, 'l.md'), 100))).toBe('link');
    expect(kindOf(() => readRegular(path.join(ob, 'd.md'), 100))).toBe('not-a-file');
    expect(kindOf(() => readRegular(path.join(ob, 'f.md'), 100))).toBe('not-a-file');
    expect(kindOf(() => readRegular(path.join(ob, 'a.md'), 4))).toBe('too-large');
    const ino = fs.statSync(path.join(ob, 'a.md')).ino;
    expect(kindOf(() => readRegular(path.join(ob, 'a.md'), 100, ino + 1))).toBe('not-a-file');
  });
});

describe('openInside', () => {
  it('follows links that stay inside the root and refuses any that leave it', () => {
    const ws = path.join(tmp, 'ws');
    fs.mkdirSync(path.join(ws, 'docs'));
    fs.writeFileSync(path.join(ws, 'docs', 'a.pdf'), 'pdf');
    fs.symlinkSync(path.join(ws, 'docs'), path.join(ws, 'inside'));
    fs.symlinkSync(path.join(tmp, 'secrets'), path.join(ws, 'escape'));
    const ok = openInside(ws, 'inside/a.pdf');
    expect(ok.real).toBe(path.join(ws, 'docs', 'a.pdf'));
    fs.closeSync(ok.fd);
    expect(kindOf(() => openInside(ws, 'escape/TOKEN'))).toBe('outside');
    expect(kindOf(() => openInside(ws, '../secrets/TOKEN'))).toBe('outside');
    expect(kindOf(() => openInside(ws, 'docs/missing'))).toBe('missing');
  });
});

describe('createExclusive and copyFromFd', () => {
  it('never write through an existing entry or a link', () => {
    const ob = path.join(tmp, 'ws', 'outbox');
    fs.symlinkSync(path.join(tmp, 'secrets', 'TOKEN'), path.join(ob, 'x'));
    Dir.with(ob, undefined, (d) => {
      expect(() => createExclusive(d, 'x', 'overwrite')).toThrow(/EEXIST/);
      createExclusive(d, 'y', 'new');
    });
    expect(fs.readFileSync(path.join(tmp, 'secrets', 'TOKEN'), 'utf8')).toBe('SECRET-VALUE');
    expect(fs.readFileSync(path.join(ob, 'y'), 'utf8')).toBe('new');
  });

  it('copy counts the bytes it really reads and stops past the limit, leaving nothing behind', () => {
    const src = path.join(tmp, 'ws', 'big');
    fs.writeFileSync(src, Buffer.alloc(3000, 1));
    const fd = fs.openSync(src, 'r');
    Dir.with(path.join(tmp, 'ws', 'outbox'), undefined, (d) => {
      expect(copyFromFd(fd, d, 'ok', 5000)).toBe(3000);
      expect(kindOf(() => copyFromFd(fd, d, 'no', 1000))).toBe('too-large');
      expect(d.list().sort()).toEqual(['ok']);
    });
    fs.closeSync(fd);
  });
});

describe('copyFromFd on a sparse file, and linkOrCopy', () => {
  it('a sparse 64 MiB file is counted by the bytes read and its copy stays sparse', () => {
    const src = path.join(tmp, 'ws', 'sparse');
    fs.writeFileSync(src, '');
    fs.truncateSync(src, 64 << 20);
    const fd = fs.openSync(src, 'r');
    Dir.with(path.join(tmp, 'ws', 'outbox'), undefined, (d) => {
      expect(kindOf(() => copyFromFd(fd, d, 'small-limit', (64 << 20) - 1))).toBe('too-large');
      expect(copyFromFd(fd, d, 'copy', 64 << 20, 0o444)).toBe(64 << 20);
    });
    fs.closeSync(fd);
    const st = fs.statSync(path.join(tmp, 'ws', 'outbox', 'copy'));
    expect(st.size).toBe(64 << 20);
    expect(st.blocks * 512).toBeLessThan(1 << 20);
    expect(st.mode & 0o777).toBe(0o444);
  });

  it('links one kept file into a folder, never through an entry planted there', () => {
    fs.mkdirSync(path.join(tmp, 'kept'));
    fs.writeFileSync(path.join(tmp, 'kept', 'a.pdf'), 'pdf', { mode: 0o444 });
    fs.symlinkSync(path.join(tmp, 'secrets', 'TOKEN'), path.join(tmp, 'ws', 'outbox', 'b.pdf'));
    fs.writeFileSync(path.join(tmp, 'kept', 'b.pdf'), 'other');
    Dir.with(path.join(tmp, 'kept'), undefined, (from) =>
      Dir.with(path.join(tmp, 'ws', 'outbox'), undefined, (to) => {
        expect(linkOrCopy(from, to, 'a.pdf')).toBe(true);
        expect(linkOrCopy(from, to, 'a.pdf')).toBe(false); // a repeat
        expect(linkOrCopy(from, to, 'b.pdf')).toBe(false); // the planted link stays a link to nothing of ours
      }),
    );
    expect(fs.statSync(path.join(tmp, 'ws', 'outbox', 'a.pdf')).ino).toBe(
      fs.statSync(path.join(tmp, 'kept', 'a.pdf')).ino,
    );
    expect(fs.readFileSync(path.join(tmp, 'secrets', 'TOKEN'), 'utf8')).toBe('SECRET-VALUE');
  });
});
