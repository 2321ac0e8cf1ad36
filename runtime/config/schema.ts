/**
 * mailroom.yaml, its shape: the types the rest of mailroom reads; the defaults (one frozen
 * object) and one table per section saying what every key holds are in keys.ts, re-exported. The validator
 * (validate.ts, agents.ts) and the JSON Schema for editors (json-schema.ts) both read these
 * tables, so the checks, the schema and the allowed-keys lists in messages cannot disagree.
 * (No schema library: zod or ajv would give every message its own wording, or need an error
 * map per check to keep ours; the cross-key checks and the duration -> ms reading would be
 * custom code beside them anyway; and the checked config is not the shape of the file.)
 */
import type { Priority } from '../../bus/priority.js';
import { NETWORKS, SANDBOXES, type Network, type Sandbox } from '../../workspaces/jail.js';
import type { DoneRule } from '../../board/done.js';
import type { AgentGovernance, OrgGovernance } from './governance.js';

export { NETWORKS, SANDBOXES, type Network, type Sandbox };

/** Agent, group and lane names. */
export const NAME_RE = /^[a-z][a-z0-9_-]{0,39}$/;

export interface AgentConfig {
  readonly name: string;
  readonly description?: string;
  /** The handler: a shell command run once per message in the agent's inbox. None: an external agent. */
  readonly command?: string;
  /** The lane (shared resource, e.g. one API key) its runs queue in. */
  readonly lane?: string;
  readonly timeout: number;
  readonly maxAttempts: number;
  /** First retry delay after a failure; doubles per failure (with jitter), capped at 10 minutes. */
  readonly retryBackoff: number;
  /** Extra environment variables granted to the handler. */
  readonly env: Readonly<Record<string, string>>;
  /** Names of secrets (.mailroom/secrets/<NAME>) the handler receives as environment variables. */
  readonly secrets: readonly string[];
  /** `bwrap`: the handler runs jailed (refused if bwrap cannot run); `none`: unjailed; `auto` (the default): bwrap when it works here, else unjailed, said loudly in status and doctor. */
  readonly sandbox: Sandbox | 'auto';
  /** `host` (the default): the jailed handler shares the host's network; `none`: it has none. */
  readonly network: Network;
  /** Host paths (absolute, outside the org) shown read-only inside the jail, e.g. a tool in ~/.local. */
  readonly readOnlyPaths: readonly string[];
  /** Grants, who it may write to, and its limits with the org-wide defaults filled in (config/governance.ts). */
  readonly governance: AgentGovernance;
  /** A model handler (model.ts): its `command` is then mailroom's own model client, runtime/model/run.ts. */
  readonly model?: ModelConfig;
}

/** What one million tokens cost, in US dollars. */
export interface ModelPrice {
  readonly inputPerMtok: number;
  readonly outputPerMtok: number;
}

/** An agent's `model:` settings, checked (runtime/config/model.ts). */
export interface ModelConfig {
  readonly provider: 'openai' | 'anthropic';
  readonly model: string;
  /** Without a trailing slash; `/chat/completions` or `/messages` is appended. */
  readonly baseUrl: string;
  /** The stored secret holding the API key (also in the agent's `secrets`). None: no key is sent (a local Ollama). */
  readonly secret?: string;
  readonly maxTokens: number;
  /** The system prompt's file, relative to the agent's workspace (the jailed handler sees only that). */
  readonly system?: string;
  readonly price?: ModelPrice;
  /** One HTTP request may take this long; always below the agent's `timeout`. */
  readonly requestTimeout: number;
  /** Earlier messages of the thread are kept, newest first, within about this many tokens (chars / 4). */
  readonly historyTokens: number;
}

export interface LaneConfig {
  readonly name: string;
  /** At most this many runs at once. */
  readonly concurrency: number;
  /** At most this many starts in any 60 seconds (null: no limit). */
  readonly perMinute: number | null;
  /** The lane's daily budget in US dollars (unset: none). */
  readonly budgetDailyUsd?: number;
}

/**
 * The checked config. `agents`, `groups` and `lanes` have no prototype: `name in config.agents`
 * and `config.agents[name]` never find `constructor` or `__proto__`, whatever a message names.
 */
export interface OrgConfig {
  readonly agents: Readonly<Record<string, AgentConfig>>;
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** Unread mail older than this (by priority) is reported and alerted. */
  readonly stuckAfter: Readonly<Record<Priority, number>>;
  readonly maxMessageBytes: number;
  /** Reconciliation scan interval. */
  readonly scanInterval: number;
  /** A file still held open for writing (or still changing) this long is dead-lettered. */
  readonly writeGrace: number;
  /** A file written in place is taken once it is closed and unchanged this long (a rename is taken at once). */
  readonly settle: number;
  /** false: no file watchers, reconciliation scans only (network filesystems, few inotify watches). */
  readonly watch: boolean;
  readonly lanes: Readonly<Record<string, LaneConfig>>;
  /** A run waiting longer than this is a warning in the log, `status` and `why`. */
  readonly waitWarning: number;
  /** After a restart, queued runs start this far apart. */
  readonly startupStagger: number;
  /** After SIGTERM at a timeout, wait this long before SIGKILL of the handler's process group. */
  readonly killGrace: number;
  readonly maxAttachmentBytes: number;
  /** A snapshot of the folded state every this many events or 32 MB of log (and at a clean stop). */
  readonly snapshotEvery: number;
  /** A log segment is closed and a new one started past this many bytes. */
  readonly segmentBytes: number;
  /** A thread idle this long is forgotten: a reply_to naming one of its messages is refused. */
  readonly threadTtl: number;
  /** Attachments of a message no inbox holds any more are removed this long after delivery. */
  readonly attachmentTtl: number;
  /** Done and cancelled tasks older than this leave BOARD.md for board/archive/<YYYY-MM>.md. */
  readonly boardDoneAfter: number;
  /** At most this many done and cancelled tasks stay on BOARD.md; the oldest beyond leave it as by boardDoneAfter. */
  readonly boardDoneMax: number;
  /** Approval kinds, circuit breakers, budgets (config/governance.ts). */
  readonly governance: OrgGovernance;
  /** The bridge to other orgs over NATS JetStream (runtime/bridge/); null: this org is alone. */
  readonly bridge: BridgeConfig | null;
}

export interface BridgeConfig {
  /** The NATS server, e.g. nats://127.0.0.1:4222. */
  readonly url: string;
  /** This org's name on the bridge: others write `agent@<org>`. */
  readonly org: string;
  /** The name of a stored secret holding a NATS credentials file (.creds); none: no credentials. */
  readonly creds?: string;
  /** The orgs this org may send to (`to: agent@<peer>`); mail to any other org is refused at send time. */
  readonly peers: readonly string[];
  /** A message taken from the stream but not acknowledged (a crash) is delivered again after this. */
  readonly ackWait: number;
}

/** Which finished tasks leave BOARD.md for the archive (board/done.ts): board_done_after and board_done_max. */
export function boardDone(c: Pick<OrgConfig, 'boardDoneAfter' | 'boardDoneMax'>): DoneRule {
  return { after: c.boardDoneAfter, max: c.boardDoneMax };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      `${file}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  - ${problems.join('\n  - ')}`}`,
    );
  }
}

export * from './keys.js';
