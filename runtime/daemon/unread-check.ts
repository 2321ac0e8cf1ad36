/**
 * The unread-mail check, run with the scans: list every agent's inbox (yielding between
 * inboxes), then decide (runtime/decide/unread.ts) and stage each alert in one synchronous
 * step: the alert to the operator and its `alert.sent`, committed together, then delivered.
 */
import type { MessageAccepted } from '../../bus/events.js';
import { unreadAlertMail } from '../../bus/system-mail.js';
import { Dir } from '../../workspaces/hostile-fs.js';
import type { Layout } from '../../workspaces/layout.js';
import type { OrgConfig } from '../config/config.js';
import { unreadAlerts, unreadCheckEvery } from '../decide/unread.js';
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
    for (const agent of Object.keys(this.deps.config().agents)) {
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
    const stuck = unreadAlerts(
      inboxes,
      this.deps.config().stuckAfter,
      (id, agent) => journal.state.alerted.has(alertKey(id, agent)),
      clock().getTime(),
    );
    const decisions: Decision[] = [];
    for (const s of stuck) {
      const time = clock().toISOString();
      const event = journal.stage(unreadAlertMail({ ...s, time })) as MessageAccepted;
      journal.stage({ time, type: 'alert.sent', id: event.id, message: s.id, agent: s.agent, age: s.ageMs });
      decisions.push({ kind: 'deliver', event });
    }
    if (decisions.length === 0) return;
    journal.commit();
    this.deps.deliver(decisions);
  }
}
