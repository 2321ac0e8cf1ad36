/**
 * Intake's last step, for a message read and checked: accept it (its attachments kept first,
 * `message.accepted` staged, then what governance makes of it: held, delivered, or taken by the
 * daemon alone), or reject it (and alert the operator when the refusal asks for it). Staged in
 * the journal, not yet committed; the decisions returned are what delivery acts on.
 */
import type { MessageAccepted } from '../../bus/events.js';
import { Rejection } from '../../bus/rejection.js';
import { keepAttachments } from '../../workspaces/attachments.js';
import type { Layout } from '../../workspaces/layout.js';
import type { OrgConfig } from '../config/config.js';
import { decide, type Incoming } from '../decide/accept.js';
import { govern } from '../decide/govern.js';
import { AlertingRejection } from '../decide/rules.js';
import { threadLookup } from '../state/state.js';
import { type Decision, type Origin, stageRejection } from './intake-items.js';
import type { JournalPort } from './journal.js';

export const MAX_HOPS = 25;

/** What accepting needs of intake's dependencies. */
export interface AcceptDeps {
  config: () => OrgConfig;
  clock: () => Date;
  journal: JournalPort;
  layout: Layout;
}

/** Stage `message.accepted` (attachments kept first), or a rejection. `file`: where the message is now. */
export function accept(deps: AcceptDeps, input: Incoming, file: string, origin: Origin): Decision[] {
  const { config, journal, layout, clock } = deps;
  const { state } = journal;
  try {
    const fields = decide(
      input,
      {
        config: config(),
        board: state.board,
        threads: threadLookup(state, clock().getTime()),
        maxHops: MAX_HOPS,
        governance: state.governance,
      },
      origin.id,
      clock().toISOString(),
    );
    if (fields.attachments?.length)
      keepAttachments(layout, input.sender, origin.id, fields.attachments, config().maxAttachmentBytes);
    const event = journal.stage(fields) as MessageAccepted;
    return follow(deps, event, input.source === 'inbox' ? file : undefined);
  } catch (err) {
    if (!(err instanceof Rejection)) throw err;
    return [...stageRejection(deps, file, origin, err), ...alertOf(deps, err)];
  }
}

/** Stage what governance makes of an accepted message (decide/govern.ts); the decisions to act on. */
function follow(deps: AcceptDeps, event: MessageAccepted, dropped: string | undefined): Decision[] {
  const { journal, config } = deps;
  const g = govern(event, { config: config(), board: journal.state.board, governance: journal.state.governance });
  const out: Decision[] = [];
  if (g.held) out.push({ kind: 'hold', event });
  else if (g.deliver) out.push({ kind: 'deliver', event, dropped });
  else out.push({ kind: 'deliver', event: { ...event, to: [] }, dropped }); // for the daemon alone (pause, resume): done once logged
  for (const e of g.events) {
    const staged = journal.stage(e);
    if (staged.type === 'message.accepted') out.push({ kind: 'deliver', event: staged });
  }
  const released = g.release ? journal.state.undelivered.get(g.release) : undefined;
  if (released) out.push({ kind: 'deliver', event: released });
  if (g.decided) out.push({ kind: 'unhold', id: g.decided });
  return out;
}

/** A refusal that alerts the operator: the alert, staged once. */
function alertOf(deps: AcceptDeps, err: Rejection): Decision[] {
  if (!(err instanceof AlertingRejection) || deps.journal.state.threads.has(err.alert.id)) return [];
  return [{ kind: 'deliver', event: deps.journal.stage(err.alert) as MessageAccepted }];
}
