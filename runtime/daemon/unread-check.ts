/**
 * The unread-mail check, run with the scans: from the daemon's index of what lies in each inbox
 * (unread-index.ts; no inbox is listed for it), decide (runtime/decide/unread.ts) one alert per
 * agent and priority whose backlog is new or has doubled, and an `alert.cleared` for each backlog
 * that is gone. Before it alerts, it lists the inboxes of the agents it would alert about and
 * decides again on what they really hold, so an alert never rests on a copy that left
 * meanwhile. Then it stages, in one synchronous step, the mail to the operator and its
 * `alert.sent` (committed together, then delivered). The same index (with the
 * operator's inbox listed, which nothing watches) tells which kept attachments no inbox needs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OPERATOR } from '../../bus/vocabulary.js';
import type { MessageAccepted } from '../../bus/events.js';
import { unreadAlertMail } from '../../bus/system-mail.js';
import { Dir } from '../../workspaces/hostile-fs.js';
import type { Layout } from '../../workspaces/layout.js';
import { agentNames } from '../config/agent-names.js';
import type { OrgConfig } from '../config/config.js';
import { expiredAttachments, type Kept } from '../decide/attachment-ttl.js';
import { unreadAlerts, unreadCheckEvery, type UnreadDecision } from '../decide/unread.js';
import { alertKey } from '../state/state.js';
import type { Decision } from './intake.js';
import type { JournalPort } from './journal.js';
import type { UnreadIndex } from './unread-index.js';

export interface UnreadCheckDeps {
  layout: Layout;
  journal: JournalPort;
  index: UnreadIndex;
  clock: () => Date;
  config: () => OrgConfig;
  stopping: () => boolean;
  deliver: (d: Decision[]) => void;
  warn: (text: string) => void;
}

/** List `agent`'s inbox into the index, through its descriptor; one that cannot be listed (missing, a link, unreadable) holds nothing unread. */
export async function listInbox(layout: Layout, index: UnreadIndex, agent: string): Promise<void> {
  let box: Dir | null = null;
  index.listing(agent);
  try {
    box = Dir.open(layout.inbox(agent), layout.inbox(agent)); // never listed through a link
    index.listed(agent, (await box.listEntriesAsync()).text);
  } catch {
    index.listed(agent, []);
  } finally {
    box?.close();
  }
}

export class UnreadCheck {
  private checkedAt = 0;

  constructor(private readonly deps: UnreadCheckDeps) {}

  /** Check if it is time to (a tenth of the shortest stuck_after, between scan_interval and 30 s). */
  async maybe(): Promise<void> {
    const now = this.deps.clock().getTime();
    const config = this.deps.config();
    if (now - this.checkedAt < unreadCheckEvery(config.scanInterval, config.stuckAfter)) return;
    this.checkedAt = now;
    await this.check();
  }

  private decide(): UnreadDecision[] {
    const { index, journal, clock } = this.deps;
    const agents = [...agentNames(this.deps.config()), OPERATOR];
    return unreadAlerts(
      index.backlogs(agents, this.deps.config().stuckAfter, clock().getTime()),
      journal.state.alerts,
      alertKey,
    );
  }

  private async check(): Promise<void> {
    const { layout, journal, clock, index } = this.deps;
    const alerting = new Set(this.decide().flatMap((d) => (d.kind === 'alert' ? [d.backlog.agent] : [])));
    for (const agent of alerting) await listInbox(layout, index, agent);
    if (this.deps.stopping()) return;
    const decisions: Decision[] = [];
    for (const d of this.decide()) {
      const time = clock().toISOString();
      if (d.kind === 'clear') {
        journal.stage({ time, type: 'alert.cleared', agent: d.agent, priority: d.priority });
        continue;
      }
      const b = d.backlog;
      const event = journal.stage(unreadAlertMail({ ...b, time })) as MessageAccepted;
      journal.stage({
        time,
        type: 'alert.sent',
        id: event.id,
        message: b.id,
        agent: b.agent,
        age: b.ageMs,
        priority: b.priority,
        count: b.count,
      });
      decisions.push({ kind: 'deliver', event });
    }
    journal.commit();
    if (decisions.length) this.deps.deliver(decisions);
    await this.sweepAttachments();
  }

  private async sweepAttachments(): Promise<void> {
    const dir = this.deps.layout.attachments;
    let names: string[];
    try {
      names = await fs.promises.readdir(dir);
    } catch {
      return;
    }
    const kept: Kept[] = [];
    for (const id of names) {
      const st = await fs.promises.lstat(path.join(dir, id)).catch(() => null);
      if (st?.isDirectory()) kept.push({ id, keptAt: st.mtimeMs });
    }
    if (kept.length === 0) return;
    await listInbox(this.deps.layout, this.deps.index, OPERATOR); // never watched: its copies leave unseen otherwise
    const inInbox = this.deps.index.ids();
    const gone = expiredAttachments(
      kept,
      inInbox,
      this.deps.journal.state.undelivered,
      this.deps.config().attachmentTtl,
      this.deps.clock().getTime(),
    );
    for (const id of gone) {
      try {
        fs.rmSync(path.join(dir, id), { recursive: true, force: true });
      } catch (err) {
        this.deps.warn(
          `could not remove bus/attachments/${id}/ (${(err as Error).message}); tried again at the next check`,
        );
      }
    }
  }
}
