/**
 * The governance keys of mailroom.yaml (README "Governance"): the circuit breakers, budgets and
 * context warning, org-wide with their defaults, and an agent's own overrides. keys.ts spreads
 * them into its tables (in this order), so the validator and the JSON Schema read them as any key.
 */
import type { Rule } from './keys.js';

export const GOVERNANCE_DEFAULTS = Object.freeze({
  max_recipients: 8,
  max_task_depth: 3,
  tasks_per_hour: 30,
  messages_per_minute: 120,
  max_open_tasks: 500,
  max_team: 5,
});

/** Org-wide: each is also an agent's own override below (max_open_tasks aside: it counts the whole board). */
export const GOVERNANCE_OPTIONS = {
  max_recipients: {
    kind: 'whole',
    min: 1,
    default: GOVERNANCE_DEFAULTS.max_recipients,
    doc: 'A message to more recipients (groups and * expanded) is held for approval.',
  },
  max_task_depth: {
    kind: 'whole',
    min: 1,
    default: GOVERNANCE_DEFAULTS.max_task_depth,
    doc: 'Sub-tasks of sub-tasks deeper than this are refused with a bounce naming the chain (a top-level task is depth 1).',
  },
  tasks_per_hour: {
    kind: 'whole',
    min: 1,
    default: GOVERNANCE_DEFAULTS.tasks_per_hour,
    doc: 'An agent that creates this many tasks within an hour is paused until `mailroom resume`.',
  },
  messages_per_minute: {
    kind: 'whole',
    min: 1,
    default: GOVERNANCE_DEFAULTS.messages_per_minute,
    doc: 'An agent that sends this many messages within a minute is paused until `mailroom resume`.',
  },
  max_open_tasks: {
    kind: 'whole',
    min: 1,
    default: GOVERNANCE_DEFAULTS.max_open_tasks,
    doc: 'With this many tasks open on the board, new tasks are refused (existing work goes on).',
  },
  max_team: {
    kind: 'whole',
    min: 1,
    default: GOVERNANCE_DEFAULTS.max_team,
    doc: 'A task tree that would involve more distinct agents is held for approval.',
  },
  budget_daily_usd: {
    kind: 'amount',
    unit: 'US dollars',
    doc: "The org's daily budget: at 80% a warning, at 100% handler runs wait until 00:00 UTC or `mailroom resume`.",
  },
  context_warn: {
    kind: 'whole',
    min: 1,
    unit: 'tokens',
    doc: 'A run reporting more context_tokens alerts the operator and tells the agent to checkpoint and read its BRIEF.md.',
  },
} as const satisfies Readonly<Record<string, Rule>>;

export const GOVERNANCE_AGENT_OPTIONS = {
  max_recipients: { kind: 'whole', min: 1, doc: "This agent's own max_recipients (unset: the org-wide value)." },
  max_task_depth: { kind: 'whole', min: 1, doc: "This agent's own max_task_depth (unset: the org-wide value)." },
  tasks_per_hour: { kind: 'whole', min: 1, doc: "This agent's own tasks_per_hour (unset: the org-wide value)." },
  messages_per_minute: {
    kind: 'whole',
    min: 1,
    doc: "This agent's own messages_per_minute (unset: the org-wide value).",
  },
  max_team: {
    kind: 'whole',
    min: 1,
    doc: "This agent's own max_team for the task trees it starts (unset: the org-wide value).",
  },
  budget_daily_usd: {
    kind: 'amount',
    unit: 'US dollars',
    doc: "The agent's daily budget: at 80% a warning, at 100% its runs wait until 00:00 UTC or `mailroom resume`.",
  },
  context_warn: {
    kind: 'whole',
    min: 1,
    unit: 'tokens',
    doc: "This agent's own context_warn (unset: the org-wide value).",
  },
} as const satisfies Readonly<Record<string, Rule>>;
