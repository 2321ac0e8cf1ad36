/** doctor's bridge check: the connection to the NATS server and this org's stream, and outgoing mail waiting. */
import type { Layout } from '../../workspaces/layout.js';
import { outgoing } from '../bridge/pending.js';
import { probe } from '../bridge/view.js';
import type { OrgConfig } from '../config/config.js';
import type { BusState } from '../state/state.js';
import type { OrgStatus } from '../views/inspect.js';
import { count } from './common.js';
import type { AddFinding } from './doctor-checks.js';

/** With bridge:, the connection to the NATS server and outgoing mail waiting. */
export async function checkBridge(
  layout: Layout,
  config: OrgConfig,
  state: BusState,
  status: OrgStatus,
  add: AddFinding,
): Promise<void> {
  if (!config.bridge) return;
  const p = await probe(layout, config.bridge);
  add(
    p.problem === null,
    'bridge',
    p.problem ?? `connected to ${config.bridge.url}; stream ${config.bridge.org} there, inbound lag ${p.lag}`,
  );
  const out = outgoing(state, Date.now());
  if (out.waiting)
    add(
      p.problem === null && status.daemon.running,
      'bridge',
      `${count(out.waiting, 'message')} waiting for the bridge (${Object.keys(out.by_org).join(', ')})${p.problem === null && status.daemon.running ? '; the daemon is sending them' : ': they go once the daemon runs and the server is reachable'}`,
    );
}
