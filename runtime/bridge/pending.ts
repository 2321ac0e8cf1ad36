/**
 * Outgoing mail waiting for the bridge, folded from the log: a message accepted with
 * recipients at other orgs waits until a `message.forwarded` event says the server has it, one
 * per org. After a crash the fold alone says what is still to publish (and a publish repeated
 * because the crash came between the server's ack and the event is de-duplicated by the server
 * by the message id). Pure.
 */
import { parseAddress, remoteByOrg } from '../../bus/address.js';
import type { BusEvent, MessageAccepted } from '../../bus/events.js';
import type { BusState } from '../state/state.js';

export interface Pending {
  event: MessageAccepted;
  /** The orgs still to be published to. */
  orgs: Set<string>;
}

/** Message id -> what is still to go over the bridge. */
export type Forwarding = Map<string, Pending>;

export function applyForwarding(f: Forwarding, e: BusEvent): void {
  if (e.type === 'message.accepted') {
    const orgs = remoteByOrg(e.to);
    if (orgs.size) f.set(e.id, { event: e, orgs: new Set(orgs.keys()) });
  } else if (e.type === 'message.forwarded') {
    const p = f.get(e.id);
    if (!p) return;
    p.orgs.delete(e.org);
    if (p.orgs.size === 0) f.delete(e.id);
  }
}

export interface Outgoing {
  /** Messages waiting for the bridge (accepted, not yet acknowledged by the server for every org). */
  waiting: number;
  oldest_ms: number | null;
  by_org: Record<string, number>;
}

export function outgoing(state: BusState, now: number): Outgoing {
  const by_org: Record<string, number> = {};
  let oldest: number | null = null;
  for (const p of state.forwarding.values()) {
    for (const org of p.orgs) by_org[org] = (by_org[org] ?? 0) + 1;
    const t = Date.parse(p.event.time);
    if (oldest === null || t < oldest) oldest = t;
  }
  return { waiting: state.forwarding.size, oldest_ms: oldest === null ? null : Math.max(0, now - oldest), by_org };
}

/** `why` for a recipient at another org. */
export function whyRemote(id: string, recipient: string, state: BusState, daemonRunning: boolean): string {
  const org = parseAddress(recipient)?.org ?? '?';
  if (state.forwarding.get(id)?.orgs.has(org)) {
    return `${id} for ${recipient}: waiting for the bridge: the NATS server has not acknowledged it for org ${org} yet${daemonRunning ? " (the daemon publishes it as soon as the server and that org's stream are there; `mailroom doctor` checks the connection)" : '; no daemon is running: start it and it will publish'}. It waits in bus/spool/.`;
  }
  return `${id} for ${recipient}: forwarded over the bridge to org ${org}; \`mailroom why ${id}\` there says what became of it.`;
}
