/**
 * The earlier messages of a thread, as the jailed model handler finds them in its own
 * workspace: what it received (`inbox/`, `done/`) and what it sent (`sent/`). That is exactly
 * the part of the thread this agent took part in, and all the jail lets it see. Only regular
 * files are read (never through a link), each file's head first: a file is read whole only
 * when its front matter names the thread.
 */
import fs from 'node:fs';
import path from 'node:path';
import { splitFrontMatter } from '../../bus/front-matter.js';
import { readStamped } from '../../bus/message.js';
import type { ThreadMessage } from './prompt.js';

const HEAD_BYTES = 4096;
const MAX_BYTES = 1_048_576;
const BOXES = ['inbox', 'done', 'sent'] as const;

function readRegular(file: string, max: number): string | null {
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return null;
    const buf = Buffer.alloc(Math.min(st.size, max));
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return null;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** A delivered or sent message's text as a thread entry; null when it is not one. */
export function threadEntry(text: string): (ThreadMessage & { thread: string }) | null {
  const fm = readStamped(text);
  if (typeof fm.id !== 'string' || typeof fm.thread !== 'string' || typeof fm.from !== 'string') return null;
  let body = '';
  try {
    body = splitFrontMatter(text).body;
  } catch {
    return null;
  }
  const to = Array.isArray(fm.to) ? fm.to.map(String) : typeof fm.to === 'string' ? [fm.to] : undefined;
  const sent = fm.sent instanceof Date ? fm.sent.toISOString() : String(fm.sent ?? '');
  return {
    id: fm.id,
    thread: fm.thread,
    from: fm.from,
    to,
    sent,
    subject: typeof fm.subject === 'string' ? fm.subject : undefined,
    body,
  };
}

/** The thread's messages in `workspace` other than `exclude`, oldest first. */
export function readThread(workspace: string, thread: string, exclude: string): ThreadMessage[] {
  const found = new Map<string, ThreadMessage>();
  for (const box of BOXES) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(path.join(workspace, box)).filter((n) => n.endsWith('.md') && !n.startsWith('.'));
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(workspace, box, name);
      const head = readRegular(file, HEAD_BYTES);
      if (head === null || !head.includes(thread)) continue;
      const entry = threadEntry(readRegular(file, MAX_BYTES) ?? '');
      if (entry && entry.thread === thread && entry.id !== exclude) found.set(entry.id, entry);
    }
  }
  return [...found.values()].sort((a, b) => (a.sent === b.sent ? a.id.localeCompare(b.id) : a.sent < b.sent ? -1 : 1));
}
