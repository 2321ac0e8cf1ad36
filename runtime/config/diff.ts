/**
 * What a config change does, in words: the diff of two parsed mailroom.yaml documents, and the
 * destructive part of it (agents, lanes or groups removed, secret grants taken away, lists
 * emptied), which `config set/apply/rollback` refuse without --yes. Pure.
 */

export interface ConfigDiff {
  /** One line per change, e.g. `agents.cfo.lane: (none) -> deepseek`. */
  changes: string[];
  /** Destructive changes, each a sentence naming every one that goes, e.g. `removes 29 of 30 agents: a02, a03, ..., a30`. */
  removals: string[];
  /** One line for history: `adds agents x; removes 29 of 30 agents: ...; changes 2 settings`. */
  summary: string;
}

type Doc = Record<string, unknown>;

function isMap(v: unknown): v is Doc {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** An own key's value: `constructor` in a document is a key like any other, never Object's. */
function own(doc: Doc, key: string): unknown {
  return Object.hasOwn(doc, key) ? doc[key] : undefined;
}

function show(v: unknown): string {
  if (v === undefined) return '(none)';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function keysOf(doc: Doc, key: string): string[] {
  const v = own(doc, key);
  return isMap(v) ? Object.keys(v) : [];
}

function list(names: string[], max = 12): string {
  return names.length > max ? `${names.slice(0, max).join(', ')}, ... (${names.length - max} more)` : names.join(', ');
}

function walk(a: unknown, b: unknown, at: string, out: string[]): void {
  if (isMap(a) && isMap(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      walk(own(a, k), own(b, k), at ? `${at}.${k}` : k, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${at}: ${show(a)} -> ${show(b)}`);
}

/** The secrets an agent's entry grants: `secrets:` and a model's `secret:`. */
function secretGrants(agent: Doc): string[] {
  const list = Array.isArray(agent.secrets) ? (agent.secrets as unknown[]).map(String) : [];
  const model = own(agent, 'model');
  if (isMap(model) && typeof model.secret === 'string') list.push(model.secret);
  return list;
}

export function diffConfigs(before: unknown, after: unknown): ConfigDiff {
  const a = isMap(before) ? before : {};
  const b = isMap(after) ? after : {};
  const changes: string[] = [];
  walk(a, b, '', changes);
  const removals: string[] = [];
  /** The same, with long lists cut, for the one-line summary (a refusal names every one). */
  const removalsShort: string[] = [];
  const added: string[] = [];
  for (const section of ['agents', 'lanes', 'groups'] as const) {
    const was = keysOf(a, section);
    const now = new Set(keysOf(b, section));
    const gone = was.filter((k) => !now.has(k));
    if (gone.length) {
      removals.push(`removes ${gone.length} of ${was.length} ${section}: ${gone.join(', ')}`);
      removalsShort.push(`removes ${gone.length} of ${was.length} ${section}: ${list(gone)}`);
    }
    const fresh = [...now].filter((k) => !was.includes(k));
    if (fresh.length) added.push(`adds ${section} ${list(fresh)}`);
  }
  const agentsA = isMap(own(a, 'agents')) ? (a.agents as Doc) : {};
  const agentsB = isMap(own(b, 'agents')) ? (b.agents as Doc) : {};
  for (const [name, cfg] of Object.entries(agentsA)) {
    const after = own(agentsB, name);
    if (!isMap(after)) continue;
    const had = isMap(cfg) ? secretGrants(cfg) : [];
    const has = secretGrants(after);
    const lost = had.filter((s) => !has.includes(s));
    if (lost.length) {
      removals.push(`takes secret grant(s) ${lost.join(', ')} away from agent ${name}`);
      removalsShort.push(removals.at(-1)!);
    }
  }
  // Lists emptied anywhere (groups' members, secrets, ...).
  const emptied: string[] = [];
  const findEmptied = (x: unknown, y: unknown, at: string) => {
    if (Array.isArray(x) && x.length > 0 && Array.isArray(y) && y.length === 0) emptied.push(at);
    else if (isMap(x) && isMap(y)) for (const k of Object.keys(x)) findEmptied(x[k], own(y, k), at ? `${at}.${k}` : k);
  };
  findEmptied(a, b, '');
  for (const e of emptied) {
    if (removals.some((r) => r.includes(e))) continue;
    removals.push(`empties the list ${e}`);
    removalsShort.push(`empties the list ${e}`);
  }
  const other = changes.filter((c) => !/^(agents|lanes|groups)\.[^.:]+: (\(none\) -> .+|.+ -> \(none\))$/.test(c));
  const parts = [...added, ...removalsShort];
  if (other.length) parts.push(other.length <= 2 ? `changes ${other.join('; ')}` : `changes ${other.length} settings`);
  return { changes, removals, summary: parts.join('; ') || 'no change' };
}
