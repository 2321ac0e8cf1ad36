/**
 * The event log as tests read it, and polling with a deadline (never a bare sleep).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Org } from './org.js';

/** Poll `cond` every 20 ms until it returns a truthy value; fail with `what` after `ms`. */
export async function waitFor<T>(cond: () => T | Promise<T>, what: string, ms = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A pause that proves nothing by itself (traffic pacing, "nothing happens meanwhile" windows). */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type Event = Record<string, any> & { seq: number; type: string; time: string };

/** Every event of the log, tolerant of a torn tail (skipped), as a reader sees it. */
export function readEvents(o: Org): Array<Record<string, any>> {
  const dir = o.p('bus', 'events');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .sort()
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'))
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
}

/** Every event of the log; every line must be a whole JSON line (no torn tail tolerated). */
export function strictEvents(o: Org): Event[] {
  const dir = o.p('bus', 'events');
  const out: Event[] = [];
  for (const seg of fs
    .readdirSync(dir)
    .filter((n) => /^\d{6}\.jsonl$/.test(n))
    .sort()) {
    const text = fs.readFileSync(path.join(dir, seg), 'utf8');
    if (text.length && !text.endsWith('\n')) throw new Error(`bus/events/${seg} ends with a torn line`);
    for (const line of text.split('\n')) {
      if (line === '') continue;
      out.push(JSON.parse(line) as Event);
    }
  }
  return out;
}

/** seq numbers are 1, 2, 3, ... with no gap and no repeat. Returns a description of the first problem, or null. */
export function seqProblem(events: Event[]): string | null {
  for (let i = 0; i < events.length; i++) {
    if (events[i]!.seq !== i + 1)
      return `event #${i + 1} has seq ${events[i]!.seq} (previous ${events[i - 1]?.seq}): ${JSON.stringify(events[i]).slice(0, 200)}`;
  }
  return null;
}

/** Events of one type (and agent, if given). */
export function eventsOf(o: Org, type: string, agent?: string): Array<Record<string, any>> {
  return o.events().filter((e) => e.type === type && (agent === undefined || e.agent === agent));
}

/** Wait for the n-th (0-based) event of `type` matching `pred`. */
export async function waitEvent(
  o: Org,
  type: string,
  pred: (e: Record<string, any>) => boolean = () => true,
  what = type,
  ms = 15_000,
  nth = 0,
): Promise<Record<string, any>> {
  return waitFor(() => eventsOf(o, type).filter(pred)[nth], what, ms);
}
