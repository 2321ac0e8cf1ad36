/**
 * What an edit of mailroom.yaml means to the running daemon:
 *   unchanged        the text is the one running (a refusal said before is forgotten, so the
 *                    same bad edit made again is said again), or a bad edit already refused
 *   refuse(problems) the edit is not valid: the daemon keeps running the last good version
 *   apply(config)    a valid edit: run on it; `record` says how to version it (its summary and
 *                    what it removed: agents, lanes, groups, grants) unless it is recorded already
 * Pure: the caller reads the file, parses it and reads the latest recorded version.
 */
import type { OrgConfig } from '../config/config.js';
import { diffConfigs } from '../config/diff.js';
import { toJS } from '../config/edit.js';

export interface ConfigSeen {
  text: string;
  sha: string;
  /** The parsed config, or why it is not valid. */
  parsed: OrgConfig | { problems: string[] };
}

export interface ConfigKnown {
  /** The text the daemon runs on (null at start-up: nothing runs yet). */
  running: string | null;
  /** The sha256 of the last edit refused and said, if the file still holds it. */
  refusedSha: string | null;
  /** The newest recorded version, with its text (null if it cannot be read). */
  latest: { version: number; sha256: string; text: string | null } | null;
}

export interface VersionRecord {
  summary: string;
  /** What the edit removed, compared to the latest version; each a sentence. */
  removals: string[];
  /** The version before it (the way back), null for the first. */
  previous: number | null;
}

export type ConfigChange =
  | { kind: 'unchanged'; refusedSha: string | null }
  | { kind: 'refuse'; problems: string[]; refusedSha: string }
  | { kind: 'apply'; config: OrgConfig; record: VersionRecord | null };

export function configChange(seen: ConfigSeen, known: ConfigKnown): ConfigChange {
  if (seen.text === known.running) return { kind: 'unchanged', refusedSha: null };
  if ('problems' in seen.parsed) {
    if (known.refusedSha === seen.sha) return { kind: 'unchanged', refusedSha: seen.sha };
    return { kind: 'refuse', problems: seen.parsed.problems, refusedSha: seen.sha };
  }
  return { kind: 'apply', config: seen.parsed, record: versionRecord(seen, known.latest) };
}

function versionRecord(seen: ConfigSeen, latest: ConfigKnown['latest']): VersionRecord | null {
  if (latest && latest.sha256 === seen.sha) return null;
  if (!latest || latest.text === null)
    return { summary: 'the config as first seen by the daemon', removals: [], previous: latest?.version ?? null };
  const diff = diffConfigs(toJS(latest.text), toJS(seen.text));
  return { summary: diff.summary, removals: diff.removals, previous: latest.version };
}

/**
 * Whether the version recorded is this edit's own: the next number, by this author. If another
 * writer (a `mailroom config` command) recorded the text meanwhile, its removals are theirs to
 * have said, not a hand edit's.
 */
export function recordedAsOwn(
  recorded: { version: number; author: string },
  record: VersionRecord,
  author: string,
): boolean {
  return recorded.author === author && recorded.version === (record.previous ?? 0) + 1;
}
