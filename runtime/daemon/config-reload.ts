/**
 * mailroom.yaml edits while the daemon runs: read the file when it changed (not while an
 * editor still holds it open for writing), decide what the edit means
 * (runtime/decide/config-change.ts), and act: version it (config.changed), apply it, or keep
 * the last good config and say why (config.refused, a warning, an operator alert). A valid
 * hand edit that removed agents, lanes, groups or grants is said loudly, with the way back.
 */
import fs from 'node:fs';
import { operatorAlert, type SystemMessage } from '../../bus/system-mail.js';
import type { Layout } from '../../workspaces/layout.js';
import { ConfigError, parseConfigText, type OrgConfig } from '../config/config.js';
import { listVersions, recordVersion, sha256, versionText } from '../config/history.js';
import { configChange, recordedAsOwn, type ConfigSeen } from '../decide/config-change.js';
import type { Logger } from '../logger.js';
import type { JournalPort } from './journal.js';
import { sweepWriters } from './writers.js';

const AUTHOR = 'hand-edit';

export interface ConfigReloadDeps {
  layout: Layout;
  journal: JournalPort;
  logger: Logger;
  clock: () => Date;
  /** Stage, commit and deliver a message from mailroom. */
  send: (m: SystemMessage) => void;
  /** Run on a new valid config from now on (before it is versioned: the board rendered at that commit sees it). */
  adopt: (next: OrgConfig) => void;
  /** After it is versioned: make its workspaces, watch its folders, start what it allows. */
  applied: (next: OrgConfig) => void;
}

export class ConfigReload {
  /** The text the daemon runs on. */
  private running = '';
  /** The error code of the last failed read, said once. */
  private unreadable: string | null = null;
  /** inode:size:mtime at the last read. */
  private seen: string | null = null;
  private refusedSha: string | null = null;

  constructor(private readonly deps: ConfigReloadDeps) {}

  /** At start-up: the config the daemon starts on, versioned if it is new. */
  start(text: string, config: OrgConfig): void {
    this.running = text;
    this.record({ text, sha: sha256(text), parsed: config });
  }

  /** mailroom.yaml may have changed on disk: take a valid edit; keep the last good config and say why for an invalid one. */
  reload(): void {
    const { layout } = this.deps;
    // Unchanged since the last read (every scan asks): no /proc sweep, no read.
    const st = fs.statSync(layout.config, { throwIfNoEntry: false });
    const seen = st ? `${st.ino}:${st.size}:${st.mtimeMs}` : null;
    // (A file changed within the last second is read anyway: two same-size writes can share one mtime tick.)
    if (st && seen === this.seen && this.deps.clock().getTime() - st.mtimeMs > 1000) return;
    // Being written right now (an editor saving in place): read it when the writer is done.
    if (sweepWriters(layout.config).open.has(layout.config)) return;
    this.seen = seen;
    const text = this.read();
    if (text === null) return;
    // The text running (the first scan's look, a touch): not parsed again (1.7 s at 10,000 agents).
    if (text === this.running) {
      this.refusedSha = null;
      return;
    }
    const change = configChange(parse(text, layout.config), {
      running: this.running,
      refusedSha: this.refusedSha,
      latest: null,
    });
    if (change.kind === 'unchanged') {
      this.refusedSha = change.refusedSha;
      return;
    }
    if (change.kind === 'refuse') {
      this.refusedSha = change.refusedSha;
      this.refuse(change.refusedSha, change.problems);
      return;
    }
    this.running = text;
    this.refusedSha = null;
    this.deps.adopt(change.config);
    this.record({ text, sha: sha256(text), parsed: change.config });
    this.deps.applied(change.config);
  }

  private read(): string | null {
    try {
      const text = fs.readFileSync(this.deps.layout.config, 'utf8');
      this.unreadable = null;
      return text;
    } catch (err) {
      // Missing (an editor between delete and write, or removed by mistake) or unreadable: the last good config stays.
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (this.unreadable !== code) {
        const running = this.runningVersion();
        this.deps.logger.warn(
          `mailroom.yaml cannot be read (${code}); still running version ${running}. Put it back, e.g. \`mailroom config show ${running} > mailroom.yaml\``,
        );
      }
      this.unreadable = code;
      return null;
    }
  }

  private runningVersion(): number {
    return listVersions(this.deps.layout).at(-1)?.version ?? 0;
  }

  private refuse(sha: string, problems: string[]): void {
    const { journal, logger, clock } = this.deps;
    const running = this.runningVersion();
    logger.warn(
      `mailroom.yaml was edited, but the edit is not valid, so it is NOT applied; still running version ${running}:\n  - ${problems.join('\n  - ')}`,
    );
    journal.stage({ time: clock().toISOString(), type: 'config.refused', sha256: sha, problems, running });
    const body = [
      `An edit of mailroom.yaml is not valid, so the daemon did not apply it and keeps running on version ${running}:`,
      '',
      ...problems.map((p) => `- ${p}`),
      '',
      `Fix the file (the next valid edit is taken at once), or go back with \`mailroom config rollback ${running}\`.`,
    ].join('\n');
    this.deps.send(
      operatorAlert(
        'config-refused',
        [sha, String(journal.state.lastSeq)],
        `mailroom.yaml edit refused: still running version ${running}`,
        body,
        clock().toISOString(),
      ),
    );
  }

  /** Version the config if it is new; log config.changed; say what a hand edit removed. */
  private record(seen: ConfigSeen): void {
    const { layout, journal, clock } = this.deps;
    const latest = listVersions(layout).at(-1);
    const known = latest
      ? {
          version: latest.version,
          sha256: latest.sha256,
          text: latest.sha256 === seen.sha ? null : versionText(layout, latest.version),
        }
      : null;
    const change = configChange(seen, { running: null, refusedSha: null, latest: known });
    if (change.kind !== 'apply') return;
    let entry = latest;
    let removals: string[] = [];
    const plan = change.record;
    if (plan) {
      entry = recordVersion(layout, seen.text, plan.previous === null ? 'init' : AUTHOR, plan.summary, clock());
      if (recordedAsOwn(entry, plan, AUTHOR)) removals = plan.removals;
    }
    if (journal.state.configSha !== seen.sha) {
      journal.stage({
        time: clock().toISOString(),
        type: 'config.changed',
        version: entry!.version,
        author: entry!.author,
        summary: entry!.summary,
        sha256: seen.sha,
      });
      journal.commit();
    }
    if (removals.length && plan?.previous != null) this.sayRemovals(seen, removals, plan.previous);
  }

  private sayRemovals(seen: ConfigSeen, removals: string[], previous: number): void {
    const { journal, logger, clock } = this.deps;
    logger.warn(
      `mailroom.yaml was edited by hand and the edit ${removals.join('; ')}; \`mailroom config rollback ${previous}\` restores version ${previous}`,
    );
    const first = removals[0]!;
    const subject = `mailroom.yaml hand edit removed things: ${first.length > 100 ? `${first.slice(0, 97)}...` : first}`;
    const body = [
      'A hand edit of mailroom.yaml was valid, so the daemon now runs on it, and it:',
      '',
      ...removals.map((r) => `- ${r}`),
      '',
      `If that was not meant, \`mailroom config rollback ${previous}\` restores the version before it (every version is kept in .mailroom/config-history/).`,
    ].join('\n');
    this.deps.send(
      operatorAlert('config-removed', [seen.sha, String(journal.state.lastSeq)], subject, body, clock().toISOString()),
    );
  }
}

function parse(text: string, file: string): ConfigSeen {
  const sha = sha256(text);
  try {
    return { text, sha, parsed: parseConfigText(text, file) };
  } catch (err) {
    return { text, sha, parsed: { problems: err instanceof ConfigError ? err.problems : [(err as Error).message] } };
  }
}
