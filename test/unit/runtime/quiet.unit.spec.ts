import type fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QuietFiles } from '../../../runtime/daemon/quiet.js';

const stat = (ino: number, size: number, mtimeMs = 1000) => ({ ino, size, mtimeMs }) as fs.Stats;
const turn = (q: QuietFiles, p: string) => new Promise<void>((r) => q.confirmSoon(p, r));

describe('QuietFiles: which files skip the /proc sweep', () => {
  it('a file that appeared by rename and saw no write is ready after one confirmed look', async () => {
    const q = new QuietFiles();
    q.track('/o/a.md');
    expect(q.check('/o/a.md', stat(1, 10))).toBe('confirm');
    expect(q.check('/o/a.md', stat(1, 10))).toBe('pending');
    await turn(q, '/o/a.md');
    expect(q.check('/o/a.md', stat(1, 10))).toBe('ready');
  });

  it('a write event, an empty file, a changed file or no event at all means the sweep', async () => {
    const q = new QuietFiles();
    expect(q.check('/o/scanned.md', stat(1, 10))).toBe('sweep'); // found by a scan
    q.track('/o/empty.md');
    expect(q.check('/o/empty.md', stat(2, 0))).toBe('sweep');
    q.track('/o/w.md');
    expect(q.check('/o/w.md', stat(3, 10))).toBe('confirm');
    q.written('/o/w.md'); // IN_MODIFY arrived during the turn
    await turn(q, '/o/w.md');
    expect(q.check('/o/w.md', stat(3, 10))).toBe('sweep');
    q.track('/o/grew.md');
    expect(q.check('/o/grew.md', stat(4, 10))).toBe('confirm');
    await turn(q, '/o/grew.md');
    expect(q.check('/o/grew.md', stat(4, 20))).toBe('sweep');
  });

  it('forgets a path once taken, so a new file under the same name starts over', async () => {
    const q = new QuietFiles();
    q.track('/o/a.md');
    q.check('/o/a.md', stat(1, 10));
    await turn(q, '/o/a.md');
    q.forget('/o/a.md');
    expect(q.check('/o/a.md', stat(5, 10))).toBe('sweep');
  });
});
