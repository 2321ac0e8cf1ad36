/**
 * The unread-mail check, run with the scans: list every agent's inbox (yielding between
 * inboxes), then decide (runtime/decide/unread.ts) and stage, in one synchronous step, one
 * alert per agent and priority whose backlog is new or has doubled (the mail to the operator
 * and its `alert.sent`, committed together, then delivered) and an `alert.cleared` for each
 * backlog that is gone. The same listings tell which kept attachments no inbox needs any more.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OPERATOR } from '../../bus/vocabulary.js';
import type { MessageAccepted } from '../../bus/events.js';
import { parseInboxName } from '../../bus/names.js';
import { unreadAlertMail } from '../../bus/system-mail.js';
import { Dir } from '../../workspaces/hostile-fs.js';
import type { Layout } from '../../workspaces/layout.js';
import type { OrgConfig } from '../config/config.js';
import { expiredAttachments, type Kept } from '../decide/attachment-ttl.js';
import { backlogs, unreadAlerts, unreadCheckEvery } from '../decide/unread.js';
import { alertKey } from '../state/state.js';
import type { Decision } from './intake.js';
import type { JournalPort } from './journal.js';

export interface UnreadCheckDeps {
  layout: Layout;
  journal: JournalPort;
  clock: () => Date;
  config: () => OrgConfig;
  stopping: () => boolean;
  deliver: (d: Decision[]) => void;
  warn: (text: string) => void;
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

  private async check(): Promise<void> {
    const { layout, journal, clock } = this.deps;
    const inboxes: Array<[string, string[]]> = [];
    for (const agent of [...Object.keys(this.deps.config().agents), OPERATOR]) {
      let box: Dir | null = null;
      try {
        box = Dir.open(layout.inbox(agent), layout.inbox(agent)); // never listed through a link
        inboxes.push([agent, (await box.listRawAsync()).map((n) => n.toString('utf8'))]);
      } catch {
        /* no inbox (yet), or not a real folder (the guard says so): nothing unread */
      } finally {
        box?.close();
      }
    }
    if (this.deps.stopping()) return;
    const decisions: Decision[] = [];
    for (const d of unreadAlerts(
      backlogs(inboxes, this.deps.config().stuckAfter, clock().getTime()),
      journal.state.alerts,
      alertKey,
    )) {
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
    await this.sweepAttachments(inboxes);
  }

  private async sweepAttachments(inboxes: Array<[string, string[]]>): Promise<void> {
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
    const inInbox = new Set<string>();
    for (const [, list] of inboxes)
      for (const n of list) {
        const p = parseInboxName(n);
        if (p) inInbox.add(p.id);
      }
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
