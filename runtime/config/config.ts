/**
 * mailroom.yaml: load, validate, defaults. Every option is checked in one place before any
 * work starts; defaults live in one frozen object; every problem names the file, the key,
 * what was found, and the allowed values.
 */
import { RESERVED_NAMES } from '../../bus/vocabulary.js';
import { SANDBOXES, type Sandbox } from '../../workspaces/jail.js';
import fs from 'node:fs';
import YAML from 'yaml';
import { PRIORITIES, isPriority, priorityProblem, type Priority } from '../../bus/priority.js';

import { parseDuration } from '../../bus/time.js';

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
}

export { SANDBOXES, type Sandbox } from '../../workspaces/jail.js';

export interface LaneConfig {
  readonly name: string;
  /** At most this many runs at once. */
  readonly concurrency: number;
  /** At most this many starts in any 60 seconds (null: no limit). */
  readonly perMinute: number | null;
}

export interface OrgConfig {
  readonly agents: Readonly<Record<string, AgentConfig>>;
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** Unread mail older than this (by priority) is reported and alerted. */
  readonly stuckAfter: Readonly<Record<Priority, number>>;
  readonly maxMessageBytes: number;
  /** Reconciliation scan interval. */
  readonly scanInterval: number;
  /** A file still held open for writing this long is dead-lettered. */
  readonly writeGrace: number;
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
  /** A snapshot of the folded state every this many events (and at a clean stop). */
  readonly snapshotEvery: number;
  /** A log segment is closed and a new one started past this many bytes. */
  readonly segmentBytes: number;
  /** A thread idle this long is forgotten: a reply_to naming one of its messages is refused. */
  readonly threadTtl: number;
  /** Attachments of a message no inbox holds any more are removed this long after delivery. */
  readonly attachmentTtl: number;
  /** Done and cancelled tasks older than this leave BOARD.md for board/archive/<YYYY-MM>.md. */
  readonly boardDoneAfter: number;
}

export const DEFAULTS = Object.freeze({
  stuck_after: Object.freeze({ critical: '5m', high: '30m', normal: '4h', low: '1d' } as Record<Priority, string>),
  max_message_bytes: 1_048_576,
  scan_interval: '2s',
  write_grace: '10m',
  watch: true,
  wait_warning: '2m',
  startup_stagger: '250ms',
  kill_grace: '5s',
  agent: Object.freeze({ timeout: '10m', max_attempts: 3, retry_backoff: '5s' }),
  sandbox: 'auto' as Sandbox | 'auto',
  max_attachment_bytes: 64 * 1_048_576,
  snapshot_every: 10_000,
  segment_bytes: 64 * 1_048_576,
  thread_ttl: '7d',
  attachment_ttl: '7d',
  board_done_after: '7d',
});

/** An `env:` grant whose name says it is a secret belongs in `mailroom secret set` instead. */
const SECRET_LIKE = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)/;

const TOP_KEYS = ['agents', 'groups', 'lanes', 'stuck_after', 'max_message_bytes', 'max_attachment_bytes', 'scan_interval', 'write_grace', 'watch', 'wait_warning', 'startup_stagger', 'kill_grace', 'sandbox', 'snapshot_every', 'segment_bytes', 'thread_ttl', 'attachment_ttl', 'board_done_after'] as const;
const AGENT_KEYS = ['description', 'command', 'lane', 'timeout', 'max_attempts', 'retry_backoff', 'env', 'secrets', 'sandbox'] as const;
const LANE_KEYS = ['concurrency', 'per_minute'] as const;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Set by the runtime itself; a grant may not override them. */
const RESERVED_ENV = ['PATH', 'HOME', 'MAILROOM_MESSAGE', 'MAILROOM_AGENT', 'MAILROOM_ROOT'];

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  - ${problems.join('\n  - ')}`}`);
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Validate a parsed document. Pure. Returns the frozen config or throws ConfigError. */
export function validateConfig(doc: unknown, file: string): OrgConfig {
  const problems: string[] = [];
  const data = doc ?? {};
  if (!isMap(data)) throw new ConfigError(file, ['the file must be a YAML mapping with agents:, groups:, ...']);
  for (const key of Object.keys(data)) {
    if (!(TOP_KEYS as readonly string[]).includes(key)) problems.push(`unknown key ${JSON.stringify(key)}; allowed keys: ${TOP_KEYS.join(', ')}`);
  }

  const orgSandbox = data.sandbox ?? DEFAULTS.sandbox;
  if (data.sandbox !== undefined && !(SANDBOXES as readonly unknown[]).includes(orgSandbox)) problems.push(`sandbox: unknown sandbox ${JSON.stringify(orgSandbox)}; allowed values: ${SANDBOXES.join(', ')}`);
  const agents: Record<string, AgentConfig> = {};
  const rawAgents = data.agents ?? {};
  if (Array.isArray(rawAgents)) {
    problems.push('agents: must be a map keyed by agent name (agents: { legal: {}, cfo: {} }), not a list');
  } else if (!isMap(rawAgents)) {
    problems.push('agents: must be a map keyed by agent name');
  } else {
    for (const [name, raw] of Object.entries(rawAgents)) {
      if (!NAME_RE.test(name)) problems.push(`agents.${name}: an agent name is lowercase letters, digits, - and _, starting with a letter (at most 40)`);
      if ((RESERVED_NAMES as readonly string[]).includes(name)) problems.push(`agents.${name}: "${name}" is reserved; choose another name`);
      const a = raw ?? {};
      if (!isMap(a)) {
        problems.push(`agents.${name}: must be a map of settings (or {}), got ${JSON.stringify(a)}`);
        continue;
      }
      for (const key of Object.keys(a)) {
        if (!(AGENT_KEYS as readonly string[]).includes(key)) problems.push(`agents.${name}.${key}: unknown key; allowed keys: ${AGENT_KEYS.join(', ')}`);
      }
      if (a.description !== undefined && typeof a.description !== 'string') problems.push(`agents.${name}.description: must be text`);
      if (a.command !== undefined && (typeof a.command !== 'string' || a.command.trim() === '')) problems.push(`agents.${name}.command: must be a shell command (text)`);
      if (a.lane !== undefined && typeof a.lane !== 'string') problems.push(`agents.${name}.lane: must be a lane name from lanes:`);
      const agentDuration = (key: 'timeout' | 'retry_backoff', min: number): number => {
        const raw = a[key] ?? DEFAULTS.agent[key];
        const ms = parseDuration(raw);
        if (ms === null || ms < min) {
          problems.push(`agents.${name}.${key}: must be a duration of at least ${min}ms (e.g. ${DEFAULTS.agent[key]}), got ${JSON.stringify(raw)}`);
          return parseDuration(DEFAULTS.agent[key])!;
        }
        return ms;
      };
      const maxAttempts = a.max_attempts ?? DEFAULTS.agent.max_attempts;
      if (typeof maxAttempts !== 'number' || !Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) {
        problems.push(`agents.${name}.max_attempts: must be a whole number from 1 to 100, got ${JSON.stringify(maxAttempts)}`);
      }
      const env: Record<string, string> = {};
      if (a.env !== undefined) {
        if (!isMap(a.env)) problems.push(`agents.${name}.env: must be a map of NAME: value`);
        else
          for (const [k, v] of Object.entries(a.env)) {
            if (!ENV_NAME_RE.test(k)) problems.push(`agents.${name}.env.${k}: not a valid environment variable name`);
            else if (RESERVED_ENV.includes(k)) problems.push(`agents.${name}.env.${k}: set by mailroom itself; it cannot be granted`);
            else if (SECRET_LIKE.test(k.toUpperCase())) problems.push(`agents.${name}.env.${k}: looks like a secret, and secrets never go in mailroom.yaml; store it with \`mailroom secret set ${k.toUpperCase()}\` and grant it with secrets: [${k.toUpperCase()}]`);
            else if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') problems.push(`agents.${name}.env.${k}: must be text`);
            else env[k] = String(v);
          }
      }
      const secrets: string[] = [];
      if (a.secrets !== undefined) {
        if (!Array.isArray(a.secrets)) problems.push(`agents.${name}.secrets: must be a list of secret names, e.g. [ANTHROPIC_API_KEY]`);
        else
          for (const sname of a.secrets) {
            if (typeof sname !== 'string' || !/^[A-Z_][A-Z0-9_]{0,63}$/.test(sname)) problems.push(`agents.${name}.secrets: ${JSON.stringify(sname)} is not a secret name (capital letters, digits, _)`);
            else if (RESERVED_ENV.includes(sname)) problems.push(`agents.${name}.secrets: ${sname} is set by mailroom itself`);
            else secrets.push(sname);
          }
      }
      const sandbox = a.sandbox ?? orgSandbox;
      if (a.sandbox !== undefined && !(SANDBOXES as readonly unknown[]).includes(sandbox)) problems.push(`agents.${name}.sandbox: unknown sandbox ${JSON.stringify(sandbox)}; allowed values: ${SANDBOXES.join(', ')}`);
      agents[name] = Object.freeze({
        name,
        secrets: Object.freeze(secrets),
        sandbox: (SANDBOXES as readonly unknown[]).includes(sandbox) ? (sandbox as Sandbox) : 'auto',
        description: a.description as string | undefined,
        command: typeof a.command === 'string' ? a.command : undefined,
        lane: typeof a.lane === 'string' ? a.lane : undefined,
        timeout: agentDuration('timeout', 10),
        maxAttempts: typeof maxAttempts === 'number' ? maxAttempts : DEFAULTS.agent.max_attempts,
        retryBackoff: agentDuration('retry_backoff', 1),
        env: Object.freeze(env),
      });
    }
  }

  const groups: Record<string, string[]> = {};
  const rawGroups = data.groups ?? {};
  if (!isMap(rawGroups)) {
    problems.push('groups: must be a map from group name to a list of agents');
  } else {
    for (const [name, members] of Object.entries(rawGroups)) {
      if (!NAME_RE.test(name)) problems.push(`groups.${name}: a group name is lowercase letters, digits, - and _, starting with a letter`);
      if (name in agents) problems.push(`groups.${name}: an agent has the same name; a name in to: must mean one thing`);
      if ((RESERVED_NAMES as readonly string[]).includes(name)) problems.push(`groups.${name}: "${name}" is reserved`);
      if (!Array.isArray(members) || members.length === 0) {
        problems.push(`groups.${name}: must be a non-empty list of agent names`);
        continue;
      }
      for (const m of members) {
        if (typeof m !== 'string' || !(m in agents)) problems.push(`groups.${name}: ${JSON.stringify(m)} is not a configured agent; agents: ${Object.keys(agents).join(', ') || '(none)'}`);
      }
      groups[name] = Object.freeze([...new Set(members as string[])]) as string[];
    }
  }

  const lanes: Record<string, LaneConfig> = {};
  const rawLanes = data.lanes ?? {};
  if (!isMap(rawLanes)) {
    problems.push('lanes: must be a map from lane name to { concurrency: n, per_minute: n }');
  } else {
    for (const [name, raw] of Object.entries(rawLanes)) {
      if (!NAME_RE.test(name)) problems.push(`lanes.${name}: a lane name is lowercase letters, digits, - and _, starting with a letter`);
      if (!isMap(raw)) {
        problems.push(`lanes.${name}: must be a map like { concurrency: 2, per_minute: 30 }`);
        continue;
      }
      for (const key of Object.keys(raw)) {
        if (!(LANE_KEYS as readonly string[]).includes(key)) problems.push(`lanes.${name}.${key}: unknown key; allowed keys: ${LANE_KEYS.join(', ')}`);
      }
      const concurrency = raw.concurrency ?? 1;
      if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1) problems.push(`lanes.${name}.concurrency: must be a whole number from 1 up, got ${JSON.stringify(concurrency)}`);
      const perMinute = raw.per_minute ?? null;
      if (perMinute !== null && (typeof perMinute !== 'number' || !Number.isInteger(perMinute) || perMinute < 1)) problems.push(`lanes.${name}.per_minute: must be a whole number from 1 up, got ${JSON.stringify(perMinute)}`);
      lanes[name] = Object.freeze({ name, concurrency: typeof concurrency === 'number' ? concurrency : 1, perMinute: typeof perMinute === 'number' ? perMinute : null });
    }
  }
  for (const a of Object.values(agents)) {
    if (a.lane !== undefined && !(a.lane in lanes)) problems.push(`agents.${a.name}.lane: "${a.lane}" is not a lane; lanes: ${Object.keys(lanes).join(', ') || '(none: add lanes: { ' + a.lane + ': { concurrency: 2 } })'}`);
    if (a.lane !== undefined && a.command === undefined) problems.push(`agents.${a.name}.lane: only an agent with a command: runs in a lane`);
  }

  const stuckAfter = {} as Record<Priority, number>;
  const rawStuck = data.stuck_after ?? {};
  if (!isMap(rawStuck)) {
    problems.push(`stuck_after: must be a map from priority (${PRIORITIES.join(', ')}) to a duration such as 30m`);
  } else {
    for (const [key, value] of Object.entries(rawStuck)) {
      if (!isPriority(key)) {
        problems.push(priorityProblem(key, 'stuck_after'));
        continue;
      }
      const ms = parseDuration(value);
      if (ms === null || ms <= 0) problems.push(`stuck_after.${key}: ${JSON.stringify(value)} is not a duration; write e.g. 30s, 5m, 4h, 1d`);
      else stuckAfter[key] = ms;
    }
  }
  for (const p of PRIORITIES) stuckAfter[p] ??= parseDuration(DEFAULTS.stuck_after[p])!;

  let maxMessageBytes: number = DEFAULTS.max_message_bytes;
  if (data.max_message_bytes !== undefined) {
    const v = data.max_message_bytes;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 64) problems.push(`max_message_bytes: must be a whole number of bytes from 64 up, got ${JSON.stringify(v)}`);
    else maxMessageBytes = v;
  }
  let maxAttachmentBytes: number = DEFAULTS.max_attachment_bytes;
  if (data.max_attachment_bytes !== undefined) {
    const v = data.max_attachment_bytes;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) problems.push(`max_attachment_bytes: must be a whole number of bytes from 1 up, got ${JSON.stringify(v)}`);
    else maxAttachmentBytes = v;
  }
  const wholeOption = (key: 'snapshot_every' | 'segment_bytes', min: number): number => {
    const v = data[key] ?? DEFAULTS[key];
    if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
    problems.push(`${key}: must be a whole number from ${min} up (e.g. ${DEFAULTS[key]}), got ${JSON.stringify(v)}`);
    return DEFAULTS[key];
  };
  const snapshotEvery = wholeOption('snapshot_every', 100);
  const segmentBytes = wholeOption('segment_bytes', 4096);
  const durationOption = (key: 'scan_interval' | 'write_grace' | 'wait_warning' | 'startup_stagger' | 'kill_grace' | 'thread_ttl' | 'attachment_ttl' | 'board_done_after', min: number): number => {
    const raw = data[key] ?? DEFAULTS[key];
    const ms = parseDuration(raw);
    if (ms === null || ms < min) {
      problems.push(`${key}: must be a duration of at least ${min}ms (e.g. ${DEFAULTS[key]}), got ${JSON.stringify(raw)}`);
      return parseDuration(DEFAULTS[key])!;
    }
    return ms;
  };
  const scanInterval = durationOption('scan_interval', 100);
  const writeGrace = durationOption('write_grace', 1000);
  const waitWarning = durationOption('wait_warning', 1);
  const startupStagger = durationOption('startup_stagger', 0);
  const killGrace = durationOption('kill_grace', 1);
  const threadTtl = durationOption('thread_ttl', 60_000);
  const attachmentTtl = durationOption('attachment_ttl', 0);
  const boardDoneAfter = durationOption('board_done_after', 0);

  const watch = data.watch ?? DEFAULTS.watch;
  if (typeof watch !== 'boolean') problems.push(`watch: must be true or false, got ${JSON.stringify(watch)}`);

  if (problems.length) throw new ConfigError(file, problems);
  return Object.freeze({
    agents: Object.freeze(agents),
    groups: Object.freeze(groups),
    stuckAfter: Object.freeze(stuckAfter),
    maxMessageBytes,
    scanInterval,
    writeGrace,
    watch: watch === true,
    lanes: Object.freeze(lanes),
    waitWarning,
    startupStagger,
    killGrace,
    maxAttachmentBytes,
    snapshotEvery,
    segmentBytes,
    threadTtl,
    attachmentTtl,
    boardDoneAfter,
  });
}

export function parseConfigText(text: string, file: string): OrgConfig {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { schema: 'core', uniqueKeys: true, maxAliasCount: 20, prettyErrors: true });
  } catch (err) {
    throw new ConfigError(file, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  // An empty file is what an editor leaves for a moment while it saves in place: never "no agents".
  if (doc === null || doc === undefined) throw new ConfigError(file, ['the file is empty; an org needs at least `agents:` (a map keyed by agent name)']);
  if (typeof doc === 'object' && !Array.isArray(doc) && !('agents' in doc)) throw new ConfigError(file, ['agents: is missing; an org is a map of agents keyed by name (agents: { legal: {}, cfo: {} })']);
  return validateConfig(doc, file);
}

export function loadConfig(file: string): OrgConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [code === 'ENOENT' ? 'no such file; create an org with `mailroom init <dir> --agents a,b,c`' : `cannot read: ${(err as Error).message}`]);
  }
  return parseConfigText(text, file);
}

/** The text `mailroom init` writes. */
export function initialConfigText(agents: string[]): string {
  const doc = new YAML.Document({
    agents: Object.fromEntries(agents.map((a) => [a, {}])),
    groups: {},
    stuck_after: { ...DEFAULTS.stuck_after },
  });
  doc.commentBefore =
    ' mailroom org. Agents are a map keyed by name (never a list).\n' +
    ' groups: { leads: [maya, oliver] } lets `to: leads` reach several agents.\n' +
    ` stuck_after: unread mail older than this, per priority (${PRIORITIES.join(', ')}), is alerted.`;
  return doc.toString({ lineWidth: 0 });
}
