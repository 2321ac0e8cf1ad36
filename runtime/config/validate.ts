/**
 * mailroom.yaml, checked: every key in one pass before any work starts, every problem
 * collected (not just the first), each naming the key, what was found and what to write.
 * `validateConfig` reads the sections with one validator each (agents in agents.ts), built on
 * the primitives of primitives.ts and the tables of schema.ts. Pure.
 */
import { isPriority, PRIORITIES, priorityProblem, type Priority } from '../../bus/priority.js';
import { formatDuration, parseDuration } from '../../bus/time.js';
import { parseAddress } from '../../bus/address.js';
import { validateAgents } from './agents.js';
import { checkGovernanceRefs, validateApprovalRequired, type OrgGovernance } from './governance.js';
import { validateBridge } from './bridge.js';
import { checkKeys, duration, emptyMap, isMap, name, readOptions, show, type Problems } from './primitives.js';
import {
  ConfigError,
  DEFAULTS,
  LANE_KEYS,
  LANE_OPTIONS,
  TOP_KEYS,
  TOP_OPTIONS,
  type AgentConfig,
  type BridgeConfig,
  type LaneConfig,
  type OrgConfig,
} from './schema.js';

/** A group member at another org (`legal@acme`) must be at one of the bridge's peers. */
function remoteMember(p: Problems, m: string, where: string, bridge: BridgeConfig | null): boolean {
  const a = parseAddress(m);
  if (!a) return false;
  if (!bridge)
    p.push(
      `${where}: ${show(m)} is at another org, but this org has no bridge: configure bridge: (README, "Beyond one machine")`,
    );
  else if (!bridge.peers.includes(a.org))
    p.push(`${where}: ${show(m)}: org ${show(a.org)} is not in bridge.peers (${bridge.peers.join(', ') || 'none'})`);
  return true;
}

export function validateGroups(
  p: Problems,
  raw: unknown,
  agents: Readonly<Record<string, AgentConfig>>,
  bridge: BridgeConfig | null = null,
): Record<string, readonly string[]> {
  const groups: Record<string, readonly string[]> = emptyMap();
  if (!isMap(raw)) {
    p.push(
      `groups: must be a map from group name to a list of agents (groups: { leads: [maya, oliver] }), got ${show(raw)}`,
    );
    return groups;
  }
  const known = Object.keys(agents).join(', ') || '(none)';
  for (const [group, members] of Object.entries(raw)) {
    const where = `groups.${group}`;
    name(p, group, 'group', where);
    if (Object.hasOwn(agents, group)) p.push(`${where}: an agent has the same name; a name in to: must mean one thing`);
    if (!Array.isArray(members) || members.length === 0) {
      p.push(`${where}: must be a non-empty list of agent names, got ${show(members)}`);
      continue;
    }
    for (const m of members)
      if (typeof m !== 'string' || (!Object.hasOwn(agents, m) && !remoteMember(p, m, where, bridge)))
        p.push(`${where}: ${show(m)} is not a configured agent; agents: ${known}`);
    groups[group] = Object.freeze([...new Set(members.filter((m): m is string => typeof m === 'string'))]);
  }
  return groups;
}

export function validateLanes(p: Problems, raw: unknown): Record<string, LaneConfig> {
  const lanes: Record<string, LaneConfig> = emptyMap();
  if (!isMap(raw)) {
    p.push(`lanes: must be a map from lane name to { concurrency: n, per_minute: n }, got ${show(raw)}`);
    return lanes;
  }
  for (const [lane, settings] of Object.entries(raw)) {
    const where = `lanes.${lane}`;
    name(p, lane, 'lane', where);
    if (!isMap(settings)) {
      p.push(`${where}: must be a map like { concurrency: 2, per_minute: 30 }, got ${show(settings)}`);
      continue;
    }
    checkKeys(p, settings, LANE_KEYS, where);
    const o = readOptions(p, settings, LANE_OPTIONS, where);
    lanes[lane] = Object.freeze({
      name: lane,
      concurrency: o.concurrency,
      perMinute: o.per_minute ?? null,
      ...(o.budget_daily_usd !== undefined ? { budgetDailyUsd: o.budget_daily_usd } : {}),
    });
  }
  return lanes;
}

/** An agent's `lane:` names a lane, and only an agent with a handler runs in one. */
export function checkLaneRefs(
  p: Problems,
  agents: Readonly<Record<string, AgentConfig>>,
  lanes: Readonly<Record<string, LaneConfig>>,
): void {
  const names = Object.keys(lanes);
  for (const a of Object.values(agents)) {
    if (a.lane === undefined) continue;
    const where = `agents.${a.name}.lane`;
    if (!Object.hasOwn(lanes, a.lane))
      p.push(
        `${where}: ${show(a.lane)} is not a lane; lanes: ${names.join(', ') || `(none: add lanes: { ${a.lane}: { concurrency: 2 } })`}`,
      );
    if (a.command === undefined) p.push(`${where}: only an agent with a command: runs in a lane`);
  }
}

export function validateStuckAfter(p: Problems, raw: unknown): Record<Priority, number> {
  const out = {} as Record<Priority, number>;
  if (!isMap(raw))
    p.push(
      `stuck_after: must be a map from priority (${PRIORITIES.join(', ')}) to a duration such as 30m, got ${show(raw)}`,
    );
  else {
    for (const [key, value] of Object.entries(raw)) {
      if (!isPriority(key)) p.push(priorityProblem(key, 'stuck_after'));
      else {
        const ms = duration(p, value, 1, `stuck_after.${key}`);
        if (ms !== undefined) out[key] = ms;
      }
    }
  }
  for (const pr of PRIORITIES) out[pr] ??= parseDuration(DEFAULTS.stuck_after[pr])!;
  return out;
}

/**
 * Validate a parsed document. `root` is the org's folder (that of mailroom.yaml), which
 * `read_only_paths` may not show. Returns the frozen config or throws ConfigError.
 */
export function validateConfig(doc: unknown, file: string, root: string): OrgConfig {
  const data = doc ?? {};
  if (!isMap(data)) throw new ConfigError(file, ['the file must be a YAML mapping with agents:, groups:, ...']);
  const p: Problems = [];
  checkKeys(p, data, TOP_KEYS, null);
  const top = readOptions(p, data, TOP_OPTIONS, null);
  if (top.settle >= top.write_grace)
    p.push(
      `settle: ${formatDuration(top.settle)} must be shorter than write_grace (${formatDuration(top.write_grace)}), or every file written in place is dead-lettered before it settles`,
    );
  const governance: OrgGovernance = Object.freeze({
    approvalRequired: Object.freeze(validateApprovalRequired(p, data.approval_required)),
    maxRecipients: top.max_recipients,
    maxTaskDepth: top.max_task_depth,
    tasksPerHour: top.tasks_per_hour,
    messagesPerMinute: top.messages_per_minute,
    maxOpenTasks: top.max_open_tasks,
    maxTeam: top.max_team,
    budgetDailyUsd: top.budget_daily_usd ?? null,
    contextWarn: top.context_warn ?? null,
  });
  const agents = validateAgents(p, data.agents ?? {}, {
    sandbox: top.sandbox ?? DEFAULTS.sandbox,
    network: top.network,
    root,
    governance,
  });
  const bridge = validateBridge(p, data.bridge);
  const groups = validateGroups(p, data.groups ?? {}, agents, bridge);
  checkGovernanceRefs(p, agents, groups, governance.approvalRequired);
  const lanes = validateLanes(p, data.lanes ?? {});
  checkLaneRefs(p, agents, lanes);
  const stuckAfter = validateStuckAfter(p, data.stuck_after ?? {});
  if (p.length) throw new ConfigError(file, p);
  return Object.freeze({
    agents: Object.freeze(agents),
    groups: Object.freeze(groups),
    lanes: Object.freeze(lanes),
    stuckAfter: Object.freeze(stuckAfter),
    maxMessageBytes: top.max_message_bytes,
    maxAttachmentBytes: top.max_attachment_bytes,
    scanInterval: top.scan_interval,
    writeGrace: top.write_grace,
    settle: top.settle,
    watch: top.watch,
    waitWarning: top.wait_warning,
    startupStagger: top.startup_stagger,
    killGrace: top.kill_grace,
    snapshotEvery: top.snapshot_every,
    segmentBytes: top.segment_bytes,
    threadTtl: top.thread_ttl,
    attachmentTtl: top.attachment_ttl,
    boardDoneAfter: top.board_done_after,
    boardDoneMax: top.board_done_max,
    governance,
    bridge,
  });
}
