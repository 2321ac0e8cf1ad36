/**
 * The bridge to other orgs over NATS JetStream: the link (connection, this org's stream and
 * durable consumer), the forwarder (outgoing mail, from the log's `forwarding` fold) and the
 * receiver (incoming mail, into this org's log and inboxes). The daemon hands it remote
 * recipients through `forward` and stops it before it closes the log. Changes to `bridge:`
 * take effect at the next start.
 */
import type { MessageAccepted } from '../../bus/events.js';
import { readSecrets } from '../../workspaces/secrets.js';
import type { Layout } from '../../workspaces/layout.js';
import type { BridgeConfig, OrgConfig } from '../config/schema.js';
import type { Decision } from '../daemon/intake.js';
import type { JournalPort } from '../daemon/journal.js';
import type { Logger } from '../logger.js';
import { Forwarder } from './forwarder.js';
import { Link } from './link.js';
import { Receiver } from './receiver.js';

export interface BridgeDeps {
  config: () => OrgConfig;
  layout: Layout;
  journal: JournalPort;
  logger: Logger;
  now: () => string;
  maxHops: number;
  deliver: (decisions: Decision[]) => void;
  /** A message has gone to every org it was for. */
  finished: (e: MessageAccepted) => void;
}

/** The credentials file's text, or null; throws (refusing start-up) when the named secret is missing. */
export function bridgeCreds(layout: Layout, c: BridgeConfig): string | null {
  if (!c.creds) return null;
  const { values, missing } = readSecrets(layout, [c.creds]);
  if (missing.length)
    throw new Error(
      `bridge.nats.creds names the secret ${c.creds}, which is not set: \`mailroom secret set ${c.creds} < user.creds\``,
    );
  return values[c.creds]!;
}

export class Bridge {
  readonly link: Link;
  readonly forwarder: Forwarder;
  readonly receiver: Receiver;

  constructor(
    readonly settings: BridgeConfig,
    d: BridgeDeps,
  ) {
    const { journal, logger, now, layout } = d;
    this.link = new Link({ config: settings, creds: bridgeCreds(layout, settings), logger });
    this.forwarder = new Forwarder({ link: this.link, journal, own: settings.org, now, logger, finished: d.finished });
    this.receiver = new Receiver({
      link: this.link,
      journal,
      layout,
      logger,
      config: d.config,
      org: settings.org,
      now,
      maxHops: d.maxHops,
      deliver: d.deliver,
    });
    this.link.onReady(() => {
      this.forwarder.wake();
      this.receiver.wake();
    });
  }

  start(): void {
    this.link.start();
  }

  /** Delivery hands over a message with recipients at other orgs. */
  forward(): void {
    this.forwarder.wake();
  }

  /**
   * Each part gets a few seconds: a consumer or a publish waiting on a server that is gone must
   * never keep the daemon from stopping. Stopping mid-way loses nothing: a message is acked only
   * once its accepted event is durable, and a publish is repeated with the same id.
   */
  async stop(): Promise<void> {
    await bounded(this.receiver.stop());
    await bounded(this.forwarder.stop());
    await bounded(this.link.stop());
  }
}

const STOP_GRACE_MS = 3000;

function bounded(p: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, STOP_GRACE_MS);
  });
  return Promise.race([p.catch(() => undefined), grace]).finally(() => clearTimeout(timer));
}
