/**
 * Handler runs as tests see them: the mock agent, the start/stop stamps it writes, handler
 * scripts, and how many ran at once (from the stamps or from the log).
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './cli.js';
import type { Org } from './org.js';

export const MOCK_JS = path.join(REPO, 'dist', 'scripts', 'mock-agent.js');
/** The mock agent's command line, as scripts/demo.ts writes it (quoted for YAML). */
export const MOCK = JSON.stringify(`node ${MOCK_JS}`);

export interface Stamp {
  what: 'start' | 'stop';
  agent: string;
  id: string;
  t: number;
}

/** The stamps the mock agent appended (`start|stop <agent> <id> <epoch ms>`), from one or more files. */
export function readStamps(...files: string[]): Stamp[] {
  const out: Stamp[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const [what, agent, id, t] = line.split(' ');
      if ((what !== 'start' && what !== 'stop') || !agent || !id || !Number.isFinite(Number(t)))
        throw new Error(`bad stamp line in ${file}: ${JSON.stringify(line)}`);
      out.push({ what, agent, id, t: Number(t) });
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

/**
 * The most handlers running at once according to their stamps: every start with no stop yet
 * counts. At equal times a stop is counted before a start (one ended, the next began).
 */
export function maxConcurrent(ss: readonly Stamp[]): number {
  let now = 0;
  let max = 0;
  for (const s of [...ss].sort((a, b) => a.t - b.t || (a.what === 'stop' ? -1 : 1))) {
    now += s.what === 'start' ? 1 : -1;
    max = Math.max(max, now);
  }
  return max;
}

/** The same measure from the event log: handler.started opens a run, succeeded/failed closes it. */
export function maxConcurrentFromEvents(events: ReadonlyArray<Record<string, any>>, lane?: string): number {
  let now = 0;
  let max = 0;
  const open = new Set<string>();
  for (const e of events) {
    const key = `${e.agent}/${e.id}`;
    if (e.type === 'handler.started' && (lane === undefined || e.lane === lane)) {
      open.add(key);
      now++;
      max = Math.max(max, now);
    } else if ((e.type === 'handler.succeeded' || e.type === 'handler.failed') && open.has(key)) {
      open.delete(key);
      now--;
    }
  }
  return max;
}

/** Write an executable handler script into the test's temp directory (outside the org, readable from the jail). */
export function script(o: Org, name: string, text: string): string {
  const p = path.join(o.tmp, name);
  fs.writeFileSync(p, text, { mode: 0o755 });
  return p;
}
