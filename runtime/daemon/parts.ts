/**
 * The daemon's parts, wired to each other once the journal is open: intake decides, the
 * journal commits, delivery acts, finishing removes what is done; config reload and the unread
 * check stage through the same journal and deliver through the same delivery. The host (the
 * daemon) owns the lifecycle, the loop and the running config.
 */
import type { MessageAccepted } from '../../bus/events.js';
import type { SystemMessage } from '../../bus/system-mail.js';
import type { Layout } from '../../workspaces/layout.js';
import type { OrgConfig } from '../config/config.js';
import type { Logger } from '../logger.js';
import { ConfigReload } from './config-reload.js';
import { Delivery, Finishing, type DeliveryDeps } from './delivery.js';
import { Intake, MAX_HOPS } from './intake.js';
import type { Journal } from './journal.js';
import type { MailboxGuard } from './mailbox-guard.js';
import type { QuietFiles } from './quiet.js';
import type { SyncFs } from './syncfs.js';
import { UnreadCheck } from './unread-check.js';
import type { UnreadIndex } from './unread-index.js';
import { Bridge } from '../bridge/bridge.js';

export interface PartsHost {
  layout: Layout;
  logger: Logger;
  clock: () => Date;
  journal: Journal;
  syncfs: SyncFs;
  guard: MailboxGuard;
  quiet: QuietFiles;
  runner: DeliveryDeps['runner'];
  /** What lies in each inbox (filled at start-up before the parts are wired). */
  index: UnreadIndex;
  config: () => OrgConfig;
  stopping: () => boolean;
  /** Watcher events are arriving (so QuietFiles may vouch for a file). */
  watching: () => boolean;
  /** Look at this path again soon. */
  again: (p: string) => void;
  render: () => void;
  rewatch: (dirs: string[]) => void;
  adopt: (next: OrgConfig) => void;
  applied: (next: OrgConfig) => void;
}

export interface Parts {
  intake: Intake;
  delivery: Delivery;
  finishing: Finishing;
  unread: UnreadCheck;
  configReload: ConfigReload;
  /** Stage, commit and deliver a message from mailroom (an operator alert). */
  send: (m: SystemMessage) => void;
  /** Mail to and from other orgs (bridge: in mailroom.yaml), or null. */
  bridge: Bridge | null;
}

export function wireParts(h: PartsHost): Parts {
  const { layout, logger, clock, journal, guard, quiet, config, index } = h;
  const now = () => clock().toISOString();
  const finishing = new Finishing(layout, h.syncfs, logger);
  let bridge: Bridge | null = null;
  const forward = () => bridge?.forward();
  const delivery = new Delivery({
    layout,
    journal,
    logger,
    now,
    guard,
    finishing,
    runner: h.runner,
    render: h.render,
    rewatch: h.rewatch,
    forward,
    copied: (agent, name) => index.add(agent, name),
  });
  const settings = config().bridge;
  if (settings) {
    const deliver = (d: Parameters<Delivery['act']>[0]) => delivery.act(d);
    bridge = new Bridge(settings, {
      config,
      layout,
      journal,
      logger,
      now,
      maxHops: MAX_HOPS,
      deliver,
      finished: (e) => finishing.add([e]),
    });
  }
  const send = (m: SystemMessage) => {
    const event = journal.stage(m) as MessageAccepted;
    journal.commit();
    delivery.act([{ kind: 'deliver', event }]);
  };
  return {
    intake: new Intake({ layout, journal, logger, config, clock, guard, quiet, watching: h.watching, again: h.again }),
    delivery,
    finishing,
    unread: new UnreadCheck({
      layout,
      journal,
      index,
      clock,
      config,
      stopping: h.stopping,
      deliver: (d) => delivery.act(d),
      warn: (t) => logger.warn(t),
    }),
    configReload: new ConfigReload({ layout, journal, logger, clock, send, adopt: h.adopt, applied: h.applied }),
    send,
    bridge,
  };
}
