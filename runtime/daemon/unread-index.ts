/**
 * What lies in each agent's inbox, as far as the unread check needs it: the delivered copies
 * (canonical names) and when each was sent. The daemon keeps it instead of listing every inbox at
 * every check (at 10,000 agents that listing was most of an idle daemon's CPU):
 *   - a copy the daemon delivers is added at once (delivery.ts);
 *   - every listing of an inbox says exactly what is there (`listing` before it starts, `listed`
 *     after): the one of every inbox at start-up (so a restart rebuilds the index), the scans'
 *     listings of the inboxes a watcher named or whose times moved (a copy moved to done/ or
 *     deleted, a file a person dropped), and the unread check's own listing of an inbox it is
 *     about to alert on. A copy added while a listing was under way is kept whatever it found.
 * No I/O here: the callers list, this keeps the result.
 */
import { parseInboxName } from '../../bus/names.js';
import { PRIORITIES } from '../../bus/priority.js';
import { type Backlog, isStuck, type StuckAfter } from '../decide/unread.js';

const NOTHING: ReadonlySet<string> = new Set();
/** `<rank>-<priority>-<20-character time>-<12-character id>-...`: where the id starts after the priority's dash. */
const TIME_AND_DASH = 21;
const ID_LENGTH = 12;
/** The priority's rank in a canonical inbox name: its first character. */
const rankOf = (name: string) => name.charCodeAt(0) - 48;

/** The message id in a canonical inbox name (bus/names.ts), without a regular expression. */
export function idOfCopy(name: string): string {
  const start = name.indexOf('-', 2) + 1 + TIME_AND_DASH;
  return name.slice(start, start + ID_LENGTH);
}

export class UnreadIndex {
  /** agent -> copy name -> sent (ms). Only agents with copies have an entry. */
  private readonly boxes = new Map<string, Map<string, number>>();
  /** agent -> the copies added since its listing started. */
  private readonly during = new Map<string, Set<string>>();
  /** agent -> by priority rank, when its oldest copy was sent (ms; Infinity for none): an agent with no stuck copy is passed over without looking at its copies. */
  private readonly oldest = new Map<string, number[]>();

  /** A copy the daemon has just put in `agent`'s inbox; a name that is not a delivered copy's is ignored. */
  add(agent: string, name: string): void {
    if (!this.put(agent, name)) return;
    this.during.get(agent)?.add(name);
  }

  /** A listing of `agent`'s inbox starts now. */
  listing(agent: string): void {
    this.during.set(agent, new Set());
  }

  /** The listing of `agent`'s inbox found exactly `names` (null: it failed, and says nothing). */
  listed(agent: string, names: readonly string[] | null): void {
    const added = this.during.get(agent) ?? NOTHING;
    this.during.delete(agent);
    if (names === null) return;
    const present = new Set<string>();
    for (const n of names) if (this.boxes.get(agent)?.has(n) || this.put(agent, n)) present.add(n);
    const box = this.boxes.get(agent);
    if (!box) return;
    for (const n of box.keys()) if (!present.has(n) && !added.has(n)) box.delete(n);
    if (box.size === 0) {
      this.boxes.delete(agent);
      this.oldest.delete(agent);
      return;
    }
    const oldest = PRIORITIES.map(() => Infinity);
    for (const [n, sent] of box) oldest[rankOf(n)] = Math.min(oldest[rankOf(n)]!, sent);
    this.oldest.set(agent, oldest);
  }

  /**
   * The stuck mail of each agent (in the order given) and priority (by rank), exactly as
   * `backlogs()` in runtime/decide/unread.ts finds it in listings of the same names: a message
   * counted once per inbox, the oldest the first met of the greatest age.
   */
  backlogs(agents: readonly string[], stuckAfter: StuckAfter, now: number): Backlog[] {
    const out: Backlog[] = [];
    for (const agent of agents) {
      const box = this.boxes.get(agent);
      if (!box) continue;
      // Nothing stuck when the oldest copy of each priority is not (at 300,000 copies, looking at every one took 20-140 ms, every check).
      const oldest = this.oldest.get(agent)!;
      if (!oldest.some((sent, rank) => isStuck(agent, PRIORITIES[rank]!, now - sent, stuckAfter))) continue;
      const byRank: Array<Backlog | undefined> = [];
      let seen: Set<string> | null = null;
      for (const [name, sent] of box) {
        const priority = PRIORITIES[rankOf(name)]!;
        const ageMs = now - sent;
        if (!isStuck(agent, priority, ageMs, stuckAfter)) continue;
        const id = idOfCopy(name);
        seen ??= new Set();
        if (seen.has(id)) continue;
        seen.add(id);
        const rank = rankOf(name);
        const b = byRank[rank];
        if (!b) byRank[rank] = { agent, priority, count: 1, name, id, ageMs, limitMs: stuckAfter[priority] };
        else {
          b.count++;
          if (ageMs > b.ageMs) Object.assign(b, { name, id, ageMs });
        }
      }
      for (const b of byRank) if (b) out.push(b);
    }
    return out;
  }

  /** The ids of every copy in every inbox (which kept attachments are still needed). */
  ids(): Set<string> {
    const out = new Set<string>();
    for (const box of this.boxes.values()) for (const name of box.keys()) out.add(idOfCopy(name));
    return out;
  }

  /** Whether `name` is a copy known in `agent`'s inbox. */
  has(agent: string, name: string): boolean {
    return this.boxes.get(agent)?.has(name) === true;
  }

  /** The copies known in `agent`'s inbox. */
  names(agent: string): string[] {
    return [...(this.boxes.get(agent)?.keys() ?? [])];
  }

  /** How many copies are known, in all inboxes. */
  get size(): number {
    let n = 0;
    for (const box of this.boxes.values()) n += box.size;
    return n;
  }

  private put(agent: string, name: string): boolean {
    const parsed = parseInboxName(name);
    if (!parsed) return false;
    let box = this.boxes.get(agent);
    if (!box) this.boxes.set(agent, (box = new Map()));
    const sent = Date.parse(parsed.sent);
    box.set(name, sent);
    let oldest = this.oldest.get(agent);
    if (!oldest) this.oldest.set(agent, (oldest = PRIORITIES.map(() => Infinity)));
    oldest[rankOf(name)] = Math.min(oldest[rankOf(name)]!, sent);
    return true;
  }
}
