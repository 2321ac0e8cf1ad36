/**
 * The connection to the NATS server, kept up for as long as the daemon runs:
 *   connecting --ok--> ready (this org's stream and durable consumer exist) --disconnect--> down
 *   down --the client reconnects (forever)--> ready again (stream and consumer checked again)
 *   connect refused at start-up (server down) --retry with backoff, up to 5 s apart--> connecting
 * Listeners (`onReady`) are told every time it becomes ready: the forwarder publishes what waited,
 * the receiver (re)starts its consumer. `problem` says in words why it is not ready.
 */
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { BridgeConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { DURABLE, streamOf, subjectOf } from './wire.js';

const nanos = (ms: number) => ms * 1_000_000;
/** How long the server remembers a Nats-Msg-Id (a publish repeated within it is not stored again). */
export const DUPLICATE_WINDOW_MS = 60 * 60 * 1000;
const MAX_BACKOFF_MS = 5000;

export interface LinkOptions {
  config: BridgeConfig;
  /** The credentials file's text (from the secret bridge.nats.creds names), or null. */
  creds: string | null;
  logger: Logger;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Make this org's stream and its durable consumer exist (both are idempotent). */
export async function ensureStream(jsm: JetStreamManager, c: Pick<BridgeConfig, 'org' | 'ackWait'>): Promise<void> {
  const stream = streamOf(c.org);
  try {
    await jsm.streams.info(stream);
  } catch {
    await jsm.streams.add({
      name: stream,
      subjects: [subjectOf(c.org)],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    });
  }
  try {
    const ci = await jsm.consumers.info(stream, DURABLE);
    if (ci.config.ack_wait !== nanos(c.ackWait))
      await jsm.consumers.update(stream, DURABLE, { ack_wait: nanos(c.ackWait) });
  } catch {
    await jsm.consumers.add(stream, {
      durable_name: DURABLE,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(c.ackWait),
      filter_subject: subjectOf(c.org),
      max_ack_pending: 4096,
    });
  }
}

/** Connection options for the bridge's config (credentials from the stored secret, if any). */
export function connectOptions(config: BridgeConfig, creds: string | null, name: string) {
  return {
    servers: config.url,
    name,
    timeout: 2000,
    ...(creds ? { authenticator: credsAuthenticator(new TextEncoder().encode(creds)) } : {}),
  };
}

export class Link {
  nc: NatsConnection | null = null;
  js: JetStreamClient | null = null;
  ready = false;
  problem: string | null = 'connecting';
  private stopped = false;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly o: LinkOptions) {}

  onReady(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** Connect in the background; never throws. */
  start(): void {
    void this.connectLoop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.ready = false;
    await this.nc?.close().catch(() => undefined);
  }

  private async connectLoop(): Promise<void> {
    let delay = 250;
    const { config, creds, logger } = this.o;
    while (!this.stopped) {
      try {
        const nc = await connect({
          ...connectOptions(config, creds, `mailroom ${config.org}`),
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
        });
        if (this.stopped) return void (await nc.close());
        this.nc = nc;
        this.js = jetstream(nc);
        void this.watch(nc);
        await this.becomeReady();
        logger.info(`bridge: connected to ${config.url} as org ${config.org}`);
        return;
      } catch (err) {
        this.down(`cannot reach the NATS server at ${config.url}: ${(err as Error).message}`);
        await sleep(delay);
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private async becomeReady(): Promise<void> {
    await ensureStream(await jetstreamManager(this.nc!), this.o.config);
    this.ready = true;
    this.problem = null;
    for (const fn of this.listeners) fn();
  }

  private down(problem: string): void {
    this.ready = false;
    if (problem !== this.problem)
      this.o.logger.warn(`bridge: ${problem}; outgoing mail waits in the spool, local mail is unaffected`);
    this.problem = problem;
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (this.stopped) return;
      if (s.type === 'disconnect') this.down(`disconnected from the NATS server at ${this.o.config.url}`);
      else if (s.type === 'reconnect') {
        let delay = 250;
        while (!this.stopped && !nc.isClosed()) {
          try {
            await this.becomeReady();
            this.o.logger.info(`bridge: reconnected to ${this.o.config.url}`);
            break;
          } catch (err) {
            this.down(`reconnected to ${this.o.config.url} but JetStream is not ready: ${(err as Error).message}`);
            await sleep(delay);
            delay = Math.min(delay * 2, MAX_BACKOFF_MS);
          }
        }
      }
    }
  }
}
