/**
 * The `bridge:` section of mailroom.yaml: this org's place on a NATS JetStream server and the
 * orgs it may write to (runtime/bridge/). Checked like every other section: each problem names
 * its key, what was found and what to write. Pure.
 */
import { SECRET_NAME_RE } from '../../workspaces/secrets.js';
import { checkKeys, isMap, readOptions, show, type Problems } from './primitives.js';
import {
  BRIDGE_KEYS,
  BRIDGE_NATS_KEYS,
  BRIDGE_NATS_OPTIONS,
  BRIDGE_OPTIONS,
  NAME_RE,
  type BridgeConfig,
} from './schema.js';

const EXAMPLE = 'bridge: { nats: { url: nats://127.0.0.1:4222, org: beta }, peers: [acme] }';
const URL_RE = /^(nats|tls|ws|wss):\/\/[^\s/]+$/;

export function validateBridge(p: Problems, raw: unknown): BridgeConfig | null {
  if (raw === undefined || raw === null) return null;
  if (!isMap(raw)) {
    p.push(`bridge: must be a map like ${EXAMPLE}, got ${show(raw)}`);
    return null;
  }
  checkKeys(p, raw, BRIDGE_KEYS, 'bridge');
  const o = readOptions(p, raw, BRIDGE_OPTIONS, 'bridge');
  const nats = raw.nats;
  if (!isMap(nats)) {
    p.push(`bridge.nats: must be a map like { url: nats://127.0.0.1:4222, org: beta }, got ${show(nats)}`);
    return null;
  }
  checkKeys(p, nats, BRIDGE_NATS_KEYS, 'bridge.nats');
  const n = readOptions(p, nats, BRIDGE_NATS_OPTIONS, 'bridge.nats');
  if (n.url !== undefined && !URL_RE.test(n.url.trim()))
    p.push(`bridge.nats.url: ${show(n.url)} is not a NATS server URL; write e.g. nats://127.0.0.1:4222`);
  if (n.org === undefined) p.push(`bridge.nats.org: this org's name on the bridge is missing; write e.g. ${EXAMPLE}`);
  else if (!NAME_RE.test(n.org))
    p.push(
      `bridge.nats.org: ${show(n.org)} is not a name; an org name is lowercase letters, digits, - and _, starting with a letter (at most 40)`,
    );
  if (n.creds !== undefined && !SECRET_NAME_RE.test(n.creds))
    p.push(
      `bridge.nats.creds: ${show(n.creds)} is not a secret name (capital letters, digits and _); store the file with \`mailroom secret set NATS_CREDS < user.creds\` and write creds: NATS_CREDS`,
    );
  const peers = validatePeers(p, raw.peers ?? [], n.org);
  if (n.org === undefined || !NAME_RE.test(n.org)) return null;
  return Object.freeze({
    url: n.url.trim(),
    org: n.org,
    ...(n.creds !== undefined ? { creds: n.creds } : {}),
    peers,
    ackWait: o.ack_wait,
  });
}

function validatePeers(p: Problems, raw: unknown, own: string | undefined): readonly string[] {
  if (!Array.isArray(raw)) {
    p.push(`bridge.peers: must be a list of org names (peers: [acme, gamma]), got ${show(raw)}`);
    return [];
  }
  const out: string[] = [];
  for (const peer of raw) {
    if (typeof peer !== 'string' || !NAME_RE.test(peer))
      p.push(`bridge.peers: ${show(peer)} is not an org name (lowercase letters, digits, - and _)`);
    else if (peer === own)
      p.push(`bridge.peers: ${show(peer)} is this org itself (bridge.nats.org); list only the other orgs`);
    else if (!out.includes(peer)) out.push(peer);
  }
  return Object.freeze(out);
}
