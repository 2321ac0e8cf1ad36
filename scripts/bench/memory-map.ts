/**
 * Where a process's resident memory is, from `/proc/<pid>/smaps`: the steady-traffic benchmark
 * prints it beside VmRSS, because a rising RSS over a flat live heap is either V8 keeping heap
 * pages or glibc's malloc keeping its main arena (README, "Steady traffic").
 *   - glibc: the `[heap]` mapping, glibc's main arena (what the main thread mallocs: SQLite's
 *     page cache, Buffers, node's own structures);
 *   - v8: anonymous mappings of exactly 256 KiB, V8's heap pages (V8 11 on x86-64);
 *   - code: the node binary's own mappings;
 *   - other: everything else (other anonymous mappings, files, stacks).
 */
import fs from 'node:fs';

export interface MemoryMap {
  glibcKb: number;
  v8Kb: number;
  codeKb: number;
  otherKb: number;
}

const MAPPING = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/;
const V8_PAGE_KB = 256;

/** Sums the Rss: lines of an smaps text by kind of mapping. Pure. */
export function parseSmaps(text: string): MemoryMap {
  const map: MemoryMap = { glibcKb: 0, v8Kb: 0, codeKb: 0, otherKb: 0 };
  let kind: keyof MemoryMap = 'otherKb';
  for (const line of text.split('\n')) {
    const m = MAPPING.exec(line);
    if (m) {
      const sizeKb = (Number.parseInt(m[2]!, 16) - Number.parseInt(m[1]!, 16)) / 1024;
      const name = m[3]!;
      kind =
        name === '[heap]'
          ? 'glibcKb'
          : name === '' && sizeKb === V8_PAGE_KB
            ? 'v8Kb'
            : /\/node$/.test(name)
              ? 'codeKb'
              : 'otherKb';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) map[kind] += Number(rss[1]);
  }
  return map;
}

/** The memory map of a running process, or null when it is gone (or not Linux). */
export function memoryMap(pid: number): MemoryMap | null {
  try {
    return parseSmaps(fs.readFileSync(`/proc/${pid}/smaps`, 'utf8'));
  } catch {
    return null;
  }
}
