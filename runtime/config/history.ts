/**
 * Every accepted version of mailroom.yaml, kept in .mailroom/config-history/: `000001.yaml`,
 * `000002.yaml`, ... and `index.jsonl` (version, time, author, summary, sha256). Written by
 * the CLI (`config set/apply/rollback`, `init`) and by the daemon for a hand edit; a version
 * whose bytes equal the latest is not recorded twice. Appends are serialised by a lock.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import type { Layout } from '../../workspaces/layout.js';

export interface ConfigVersion {
  version: number;
  time: string;
  author: string;
  summary: string;
  sha256: string;
}

export function historyDir(layout: Layout): string {
  return path.join(layout.private, 'config-history');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function cliAuthor(): string {
  let user = process.env.USER ?? '';
  try {
    user ||= os.userInfo().username;
  } catch {
    /* no passwd entry */
  }
  return `cli:${user || 'unknown'}`;
}

export function listVersions(layout: Layout): ConfigVersion[] {
  try {
    return fs
      .readFileSync(path.join(historyDir(layout), 'index.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as ConfigVersion];
        } catch {
          return [];
        }
      });
  } catch {
    return [];
  }
}

export function versionText(layout: Layout, version: number): string | null {
  try {
    return fs.readFileSync(path.join(historyDir(layout), `${String(version).padStart(6, '0')}.yaml`), 'utf8');
  } catch {
    return null;
  }
}

/** Record `text` as the newest version unless it already is. Returns the version it is. */
export function recordVersion(
  layout: Layout,
  text: string,
  author: string,
  summary: string,
  now = new Date(),
): ConfigVersion {
  const dir = historyDir(layout);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const release = lockfile.lockSync(dir, { realpath: false, stale: 10_000 });
  try {
    const versions = listVersions(layout);
    const sha = sha256(text);
    const latest = versions.at(-1);
    if (latest && latest.sha256 === sha) return latest;
    const entry: ConfigVersion = {
      version: (latest?.version ?? 0) + 1,
      time: now.toISOString(),
      author,
      summary,
      sha256: sha,
    };
    fs.writeFileSync(path.join(dir, `${String(entry.version).padStart(6, '0')}.yaml`), text, { mode: 0o600 });
    fs.appendFileSync(path.join(dir, 'index.jsonl'), JSON.stringify(entry) + '\n', { mode: 0o600 });
    return entry;
  } finally {
    release();
  }
}
