/**
 * The key tables of mailroom.yaml: one per section, saying what every key holds, its default
 * (from DEFAULTS) and what an editor shows on hover. The validator and the JSON Schema read them.
 */
import type { Priority } from '../../bus/priority.js';
import { NETWORKS, SANDBOXES, type Network, type Sandbox } from '../../workspaces/jail.js';
import { GOVERNANCE_AGENT_OPTIONS, GOVERNANCE_DEFAULTS, GOVERNANCE_OPTIONS } from './keys-governance.js';

/** Every default, as it would be written in mailroom.yaml. */
export const DEFAULTS = Object.freeze({
  stuck_after: Object.freeze({ critical: '5m', high: '30m', normal: '4h', low: '1d' } as Record<Priority, string>),
  max_message_bytes: 1_048_576,
  max_attachment_bytes: 64 * 1_048_576,
  scan_interval: '2s',
  write_grace: '10m',
  settle: '1s',
  watch: true,
  wait_warning: '2m',
  startup_stagger: '250ms',
  kill_grace: '5s',
  sandbox: 'auto' as Sandbox | 'auto',
  network: 'host' as Network,
  agent: Object.freeze({ timeout: '10m', max_attempts: 3, retry_backoff: '5s' }),
  lane: Object.freeze({ concurrency: 1 }),
  ...GOVERNANCE_DEFAULTS,
  bridge: Object.freeze({ url: 'nats://127.0.0.1:4222', ack_wait: '30s' }),
  snapshot_every: 10_000,
  segment_bytes: 64 * 1_048_576,
  thread_ttl: '7d',
  attachment_ttl: '7d',
  board_done_after: '7d',
  board_done_max: 1000,
});

/** What one key holds. `doc` is what an editor shows on hover. */
export type Rule =
  | { readonly kind: 'duration'; readonly min: number; readonly default?: string; readonly doc: string }
  | {
      readonly kind: 'whole';
      readonly min: number;
      readonly max?: number;
      readonly unit?: string;
      readonly default?: number;
      readonly doc: string;
      /** Said after the error for a bad value: what to write instead. */
      readonly hint?: string;
    }
  | { readonly kind: 'amount'; readonly unit: string; readonly default?: number; readonly doc: string }
  | { readonly kind: 'number'; readonly min: number; readonly default?: number; readonly doc: string }
  | {
      readonly kind: 'oneOf';
      readonly values: readonly string[];
      readonly noun: string;
      readonly default?: string;
      readonly doc: string;
    }
  | { readonly kind: 'boolean'; readonly default?: boolean; readonly doc: string }
  | {
      readonly kind: 'text';
      readonly what: string;
      readonly nonEmpty?: boolean;
      readonly default?: string;
      readonly doc: string;
    };

const SANDBOX_DOC =
  'bwrap: always jailed (a run fails if bwrap cannot run); none: never jailed. Unset: jailed when bwrap works here.';
const NETWORK_DOC =
  'host: a jailed handler shares the host network (model APIs need it); none: it gets no network at all.';

/** The org-wide settings with one value each (the sections are below). */
export const TOP_OPTIONS = {
  max_message_bytes: {
    kind: 'whole',
    min: 64,
    unit: 'bytes',
    default: DEFAULTS.max_message_bytes,
    doc: 'The largest message file taken, in bytes.',
  },
  max_attachment_bytes: {
    kind: 'whole',
    min: 1,
    unit: 'bytes',
    default: DEFAULTS.max_attachment_bytes,
    doc: 'The largest attachment, in bytes (real, dense bytes).',
  },
  scan_interval: {
    kind: 'duration',
    min: 100,
    default: DEFAULTS.scan_interval,
    doc: 'The reconciliation scan, and the unread-mail check, run this often.',
  },
  write_grace: {
    kind: 'duration',
    min: 1000,
    default: DEFAULTS.write_grace,
    doc: 'A file held open for writing (or still changing) longer than this is dead-lettered.',
  },
  settle: {
    kind: 'duration',
    min: 0,
    default: DEFAULTS.settle,
    doc: 'A file written in place in an outbox is taken once closed and unchanged this long: the price of writing in place (a file renamed in is taken at once).',
  },
  watch: {
    kind: 'boolean',
    default: DEFAULTS.watch,
    doc: 'false: no file watchers, scans only (network filesystems, few inotify watches).',
  },
  wait_warning: {
    kind: 'duration',
    min: 1,
    default: DEFAULTS.wait_warning,
    doc: 'A handler run waiting longer than this is a warning.',
  },
  startup_stagger: {
    kind: 'duration',
    min: 0,
    default: DEFAULTS.startup_stagger,
    doc: 'After a restart, queued runs start this far apart.',
  },
  kill_grace: {
    kind: 'duration',
    min: 1,
    default: DEFAULTS.kill_grace,
    doc: "At a handler's timeout: SIGTERM, then SIGKILL this much later.",
  },
  sandbox: {
    kind: 'oneOf',
    values: SANDBOXES,
    noun: 'sandbox',
    doc: `The default jail of every handler. ${SANDBOX_DOC}`,
  },
  network: {
    kind: 'oneOf',
    values: NETWORKS,
    noun: 'network',
    default: DEFAULTS.network,
    doc: `The default network of every jailed handler. ${NETWORK_DOC}`,
  },
  snapshot_every: {
    kind: 'whole',
    min: 100,
    unit: 'events',
    default: DEFAULTS.snapshot_every,
    doc: 'A snapshot of the folded state every this many events or 32 MB of log (and at a clean stop); start-up replays only what follows the newest.',
  },
  segment_bytes: {
    kind: 'whole',
    min: 4096,
    unit: 'bytes',
    default: DEFAULTS.segment_bytes,
    doc: 'A log segment is closed and a new one started past this many bytes (`mailroom compact` archives old ones).',
  },
  thread_ttl: {
    kind: 'duration',
    min: 60_000,
    default: DEFAULTS.thread_ttl,
    doc: 'A thread idle this long is forgotten: a reply_to naming one of its messages is refused.',
  },
  attachment_ttl: {
    kind: 'duration',
    min: 0,
    default: DEFAULTS.attachment_ttl,
    doc: 'Attachments of a message no inbox holds any more are removed from bus/attachments/ this long after.',
  },
  board_done_after: {
    kind: 'duration',
    min: 0,
    default: DEFAULTS.board_done_after,
    doc: 'Done and cancelled tasks older than this leave BOARD.md for board/archive/<YYYY-MM>.md (board --all shows them).',
  },
  board_done_max: {
    kind: 'whole',
    min: 0,
    unit: 'finished tasks',
    default: DEFAULTS.board_done_max,
    doc: 'At most this many done and cancelled tasks stay on BOARD.md, the newest by last update; the others leave it for board/archive/<YYYY-MM>.md as those older than board_done_after do (board --all shows them). 0: none stays.',
    hint: 'for no limit but board_done_after, write a large number such as 1000000 (each finished task kept costs the daemon about 1 KB)',
  },
  ...GOVERNANCE_OPTIONS,
} as const satisfies Readonly<Record<string, Rule>>;

/** The sections of the file, each checked by its own validator. */
export const SECTION_DOCS = {
  agents: 'The agents, a map keyed by name (never a list): { legal: {}, cfo: { command: ... } }.',
  groups: 'Group name -> list of agents; `to: <group>` reaches them all (never the sender).',
  lanes: 'Shared limits that handler runs queue on: { deepseek: { concurrency: 2, per_minute: 30 } }.',
  stuck_after: 'Unread mail older than this, per priority, is alerted to the operator and shown in status and doctor.',
  approval_required:
    'Kinds of message held in bus/held/ until the operator or an agent with a grant approves: [commitment, payment, signature].',
  bridge:
    'Mail to and from other orgs over NATS JetStream: { nats: { url: nats://host:4222, org: beta, creds: NATS_CREDS }, peers: [acme] }.',
} as const;

export const TOP_KEYS: readonly string[] = [...Object.keys(SECTION_DOCS), ...Object.keys(TOP_OPTIONS)];

/** An agent's settings with one value each. `sandbox` and `network` default to the org-wide value. */
export const AGENT_OPTIONS = {
  description: { kind: 'text', what: 'text', doc: 'What the agent does, for people.' },
  command: {
    kind: 'text',
    what: 'a shell command (text)',
    nonEmpty: true,
    doc: 'The handler: run by /bin/sh -c once per message delivered. None: an external agent.',
  },
  timeout: {
    kind: 'duration',
    min: 10,
    default: DEFAULTS.agent.timeout,
    doc: 'A run longer than this is stopped (SIGTERM, then SIGKILL after kill_grace) and fails.',
  },
  max_attempts: {
    kind: 'whole',
    min: 1,
    max: 100,
    default: DEFAULTS.agent.max_attempts,
    doc: 'Runs of one message before it is dead-lettered and its sender gets a bounce.',
  },
  retry_backoff: {
    kind: 'duration',
    min: 1,
    default: DEFAULTS.agent.retry_backoff,
    doc: 'First retry delay after a failure; doubles per failure (with jitter), capped at 10 minutes.',
  },
  sandbox: { kind: 'oneOf', values: SANDBOXES, noun: 'sandbox', doc: SANDBOX_DOC },
  network: { kind: 'oneOf', values: NETWORKS, noun: 'network', doc: NETWORK_DOC },
  ...GOVERNANCE_AGENT_OPTIONS,
} as const satisfies Readonly<Record<string, Rule>>;

/** An agent's settings that are references or lists, each with a validator of its own (agents.ts). */
export const AGENT_LIST_DOCS = {
  lane: 'The lane (from lanes:) its runs queue in; only for an agent with a command.',
  env: 'Environment variables granted to the handler: { MODEL: deepseek-v3 }. Never secrets, never variables that run code.',
  secrets: 'Names of stored secrets (mailroom secret set NAME) the handler receives as environment variables.',
  read_only_paths: 'Absolute host paths outside the org shown read-only inside the jail, e.g. [/home/me/.local/bin].',
  may_approve:
    'Approval grants by kind: { payment: { max_amount: 5000, until: 2026-12-31 } } (set with `mailroom grant`, removed with `mailroom revoke`).',
  may_send_to: 'Who this agent may write to: agents, groups, operator, or "*" (the default: anyone).',
  model:
    'A model handler instead of a command: { provider: openai | anthropic, model: deepseek-chat, secret: DEEPSEEK_API_KEY, ... }.',
} as const;

export const AGENT_KEYS: readonly string[] = [...Object.keys(AGENT_OPTIONS), ...Object.keys(AGENT_LIST_DOCS)];

export const LANE_OPTIONS = {
  concurrency: { kind: 'whole', min: 1, default: DEFAULTS.lane.concurrency, doc: 'At most this many runs at once.' },
  per_minute: { kind: 'whole', min: 1, doc: 'At most this many starts in any 60 seconds (unset: no limit).' },
  budget_daily_usd: {
    kind: 'amount',
    unit: 'US dollars',
    doc: "The lane's daily budget: at 100% the runs in it wait until 00:00 UTC or `mailroom resume`.",
  },
} as const satisfies Readonly<Record<string, Rule>>;

export const LANE_KEYS: readonly string[] = Object.keys(LANE_OPTIONS);

/** The bridge's settings (bridge: { nats: {...}, peers: [...], ack_wait }). */
export const BRIDGE_OPTIONS = {
  ack_wait: {
    kind: 'duration',
    min: 1000,
    default: DEFAULTS.bridge.ack_wait,
    doc: 'A message taken from the stream but not acknowledged (the daemon was killed) is delivered again after this.',
  },
} as const satisfies Readonly<Record<string, Rule>>;

export const BRIDGE_NATS_OPTIONS = {
  url: {
    kind: 'text',
    what: 'a NATS server URL such as nats://127.0.0.1:4222',
    nonEmpty: true,
    default: DEFAULTS.bridge.url,
    doc: 'The NATS server (or one of its cluster) with JetStream enabled (nats-server -js).',
  },
  org: {
    kind: 'text',
    what: "this org's name on the bridge (lowercase letters, digits, - and _)",
    nonEmpty: true,
    doc: "This org's name on the bridge: other orgs write to its agents as agent@<org>.",
  },
  creds: {
    kind: 'text',
    what: 'the name of a stored secret (mailroom secret set NAME < file.creds)',
    nonEmpty: true,
    doc: 'The name of a stored secret holding the NATS credentials file; unset: connect without credentials.',
  },
} as const satisfies Readonly<Record<string, Rule>>;

export const BRIDGE_KEYS: readonly string[] = ['nats', 'peers', ...Object.keys(BRIDGE_OPTIONS)];
export const BRIDGE_NATS_KEYS: readonly string[] = Object.keys(BRIDGE_NATS_OPTIONS);
