/**
 * The bridge as `status` and `doctor` see it, asked of the server itself: whether it can be reached, whether this org's
 * stream and consumer exist, and the consumer's lag (messages for this org not yet taken).
 * (Outgoing mail waiting, from the log alone, is in pending.ts.)
 */
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { formatDuration } from '../../bus/time.js';
import type { Layout } from '../../workspaces/layout.js';
import type { BridgeConfig } from '../config/schema.js';
import type { Outgoing } from './pending.js';
import { bridgeCreds } from './bridge.js';
import { connectOptions } from './link.js';
import { DURABLE, streamOf } from './wire.js';

export interface Probe {
  connected: boolean;
  stream: boolean;
  /** Messages for this org on the server not yet taken (pending + delivered unacknowledged); null when unknown. */
  lag: number | null;
  problem: string | null;
}

/** Ask the server (at most `timeoutMs`); never throws. */
export async function probe(layout: Layout, c: BridgeConfig, timeoutMs = 2000): Promise<Probe> {
  let nc;
  try {
    nc = await connect({
      ...connectOptions(c, bridgeCreds(layout, c), `mailroom ${c.org} (probe)`),
      timeout: timeoutMs,
      maxReconnectAttempts: 0,
    });
  } catch (err) {
    return {
      connected: false,
      stream: false,
      lag: null,
      problem: `cannot reach the NATS server at ${c.url}: ${(err as Error).message}; start it (\`nats-server -js\`) or fix bridge.nats.url`,
    };
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
    try {
      await jsm.streams.info(streamOf(c.org));
    } catch {
      return {
        connected: true,
        stream: false,
        lag: null,
        problem: `the server has no stream ${streamOf(c.org)} for this org yet; the daemon creates it when it starts with bridge: configured`,
      };
    }
    const ci = await jsm.consumers.info(streamOf(c.org), DURABLE);
    return { connected: true, stream: true, lag: ci.num_pending + ci.num_ack_pending, problem: null };
  } catch (err) {
    return {
      connected: true,
      stream: true,
      lag: null,
      problem: `JetStream on ${c.url} did not answer: ${(err as Error).message}; is it started with -js?`,
    };
  } finally {
    await nc.close().catch(() => undefined);
  }
}

export function renderBridge(c: BridgeConfig, out: Outgoing, p: Probe): string[] {
  const lines = [
    `bridge: org ${c.org} on ${c.url}, peers ${c.peers.join(', ') || '(none)'}: ${p.problem ? `PROBLEM: ${p.problem}` : `connected, inbound lag ${p.lag ?? '?'}`}`,
  ];
  if (out.waiting) {
    const orgs = Object.entries(out.by_org)
      .map(([o, n]) => `${o} ${n}`)
      .join(', ');
    lines.push(
      `  ${out.waiting} message(s) waiting for the bridge (${orgs}), the oldest for ${formatDuration(out.oldest_ms ?? 0)}`,
    );
  } else lines.push('  outgoing: nothing waiting');
  return lines;
}
