/**
 * Outgoing mail waiting for the bridge, folded from the log: a message accepted with
 * recipients at other orgs waits until a `message.forwarded` event says the server has it, one
 * per org. After a crash the fold alone says what is still to publish (and a publish repeated
 * because the crash came between the server's ack and the event is de-duplicated by the server
 * by the message id). Pure.
 */
import { remoteByOrg } from '../../bus/address.js';
import type { BusEvent, MessageAccepted } from '../../bus/events.js';

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
