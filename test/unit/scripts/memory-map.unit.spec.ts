/** The steady benchmark's split of RSS by kind of mapping, from /proc/<pid>/smaps text. */
import { describe, expect, it } from 'vitest';
import { parseSmaps } from '../../../scripts/bench/memory-map.js';

/** One mapping of smaps: its header line and an Rss: line. */
const mapping = (from: number, sizeKb: number, name: string, rssKb: number) =>
  `${from.toString(16)}-${(from + sizeKb * 1024).toString(16)} rw-p 00000000 00:00 0          ${name}\nSize: ${sizeKb} kB\nRss: ${rssKb} kB\nPss: ${rssKb} kB\n`;

describe('parseSmaps', () => {
  const table: Array<{ name: string; text: string; want: ReturnType<typeof parseSmaps> }> = [
    { name: 'nothing', text: '', want: { glibcKb: 0, v8Kb: 0, codeKb: 0, otherKb: 0 } },
    {
      name: "glibc's main arena is [heap]",
      text: mapping(0x1000000, 8192, '[heap]', 5000),
      want: { glibcKb: 5000, v8Kb: 0, codeKb: 0, otherKb: 0 },
    },
    {
      name: 'V8 pages are anonymous 256 KiB mappings; other anonymous sizes are not',
      text:
        mapping(0x7f0000000000, 256, '', 256) +
        mapping(0x7f0000100000, 256, '', 100) +
        mapping(0x7f0000200000, 512, '', 512),
      want: { glibcKb: 0, v8Kb: 356, codeKb: 0, otherKb: 512 },
    },
    {
      name: "node's code, a file, a stack",
      text:
        mapping(0x400000, 40000, '/usr/bin/node', 39000) +
        mapping(0x7f1000000000, 256, '/usr/lib/x86_64-linux-gnu/libc.so.6', 200) +
        mapping(0x7ffc00000000, 132, '[stack]', 40),
      want: { glibcKb: 0, v8Kb: 0, codeKb: 39000, otherKb: 240 },
    },
  ];
  it.each(table)('$name', ({ text, want }) => expect(parseSmaps(text)).toEqual(want));
});
