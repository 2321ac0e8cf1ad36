/**
 * The message: a markdown file with YAML front matter.
 *
 *   parseMessage(bytes)  -> the front matter checked key by key, and the body (or a Rejection)
 *   stampMessage(...)    -> the text that is logged and delivered, with id/from/sent/thread/hops
 *
 * Safety: the bytes are checked (size, UTF-8, no NUL) before anything is parsed; the front
 * matter is found and read by front-matter.ts (strict delimiters, a YAML engine that never
 * evaluates anything), then every key is checked here. A near miss (`priority: High`,
 * `kind: tsak`, `prioirty:`) is refused with the value it was probably meant to be.
 * Pure: no I/O, no clock.
 */
import { DEFAULT_PRIORITY, PRIORITIES, isPriority, priorityProblem, type Priority } from './priority.js';
import { Rejection } from './rejection.js';
import { GOVERNANCE_KEYS, GOVERNANCE_STAMPS, parseGovernanceKeys, type GovernanceFields } from './governance-keys.js';
import { FIX_FORMAT, readFrontMatter, splitFrontMatter } from './front-matter.js';
import { didYouMean } from './suggest.js';
export { attachmentName, readStamped, type Stamp, stampMessage } from './stamp.js';

/** approval: a decision on a held message; approval_request: mailroom asks an approver; pause/resume: the operator's circuit breaker. */
export const MESSAGE_KINDS = ['message', 'task', 'approval', 'approval_request', 'pause', 'resume'] as const;
/** A built-in kind, or an approval kind from `approval_required:`. */
export type MessageKind = (typeof MESSAGE_KINDS)[number] | (string & {});

/** Statuses a task update may set (a new task starts `open`). */
export const UPDATE_STATUSES = ['in_progress', 'blocked', 'done', 'cancelled'] as const;
export type UpdateStatus = (typeof UPDATE_STATUSES)[number];

/** Keys a sender may write. */
export const INPUT_KEYS = [
  'to',
  'priority',
  'subject',
  'kind',
  'due',
  'task',
  'status',
  'reply_to',
  'attachments',
  ...GOVERNANCE_KEYS,
] as const;
export const MAX_ATTACHMENTS = 20;
/** Keys the daemon stamps; `from` is checked against the sender, the others are overwritten. */
export const STAMPED_KEYS = ['id', 'from', 'sent', 'thread', 'hops', ...GOVERNANCE_STAMPS] as const;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface Draft extends GovernanceFields {
  to?: string[];
  priority: Priority;
  /** priority: was written (not the default): on a task update it changes the task's priority. */
  priorityGiven?: boolean;
  subject?: string;
  kind: MessageKind;
  due?: string;
  task?: string;
  status?: UpdateStatus;
  replyTo?: string;
  /** Paths relative to the sender's workspace. */
  attachments?: string[];
  /** `from:` as written in the file, if any (it must equal the sender). */
  claimedFrom?: string;
  body: string;
}

/** Decode bytes as UTF-8 text, or reject: empty, too large, binary (NUL), not UTF-8. */
export function decodeText(bytes: Uint8Array, maxBytes: number): string {
  if (bytes.length === 0) throw new Rejection('the file is empty', FIX_FORMAT);
  if (bytes.length > maxBytes) {
    throw new Rejection(
      `the file is ${bytes.length} bytes, over the limit of ${maxBytes} bytes (max_message_bytes)`,
      'Send large content as an attachment or split it; or raise max_message_bytes in mailroom.yaml.',
    );
  }
  if (bytes.includes(0))
    throw new Rejection('the file contains NUL bytes: it looks binary, not markdown text', 'Send UTF-8 markdown text.');
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    throw new Rejection('the file is not valid UTF-8 text', 'Save the file as UTF-8.');
  }
}

function str(data: Record<string, unknown>, key: string, max = 500): string | undefined {
  const v = data[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    throw new Rejection(
      `${key}: must be text, got ${JSON.stringify(v)} (${typeof v})`,
      `Write ${key}: as text; quote it if YAML reads it as a number or boolean.`,
    );
  }
  if (v.length > max)
    throw new Rejection(`${key}: is ${v.length} characters, over the limit of ${max}`, `Shorten ${key}:.`);
  return v;
}

/** A value from a closed set, or a Rejection naming the allowed values and the near miss. */
function oneOf<T extends string>(
  data: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
  fix: string,
): T | undefined {
  const v = str(data, key);
  if (v === undefined || (allowed as readonly string[]).includes(v)) return v as T | undefined;
  throw new Rejection(
    `${key}: unknown ${key} ${JSON.stringify(v)}; allowed values: ${allowed.join(', ')}${didYouMean(v, allowed)}`,
    fix,
  );
}

/** A name in `to:` is a name, never a path. */
export function hasPathCharacters(name: string): boolean {
  return /[/\\\0]/.test(name) || name === '.' || name === '..' || name.includes('..');
}

/** `to:` as a name, `a, b` (as `mailroom send --to` takes it), or a YAML list `[a, b]`. */
function parseTo(data: Record<string, unknown>): string[] | undefined {
  const v = data.to;
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : typeof v === 'string' && v.includes(',') ? v.split(',') : [v];
  if (list.length === 0) throw new Rejection('to: is an empty list', 'Name at least one agent, a group, or "*".');
  const names: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string' || item.trim() === '') {
      throw new Rejection(
        `to: ${JSON.stringify(item)} is not an agent name`,
        'Write to: as an agent, a group, a list of them (`a, b` or `[a, b]`), or "*".',
      );
    }
    const name = item.trim();
    if (hasPathCharacters(name)) {
      throw new Rejection(
        `to: ${JSON.stringify(name)} contains path characters; a recipient is a name, never a path`,
        "Write the agent's name, e.g. `to: legal`.",
      );
    }
    names.push(name);
  }
  return names;
}

function checkKeys(data: Record<string, unknown>): void {
  for (const key of Object.keys(data)) {
    if (FORBIDDEN_KEYS.has(key))
      throw new Rejection(
        `the key ${JSON.stringify(key)} is not allowed`,
        `Remove the ${key}: line; allowed keys: ${INPUT_KEYS.join(', ')}.`,
      );
    if (!(INPUT_KEYS as readonly string[]).includes(key) && !(STAMPED_KEYS as readonly string[]).includes(key)) {
      throw new Rejection(
        `unknown key ${JSON.stringify(key)}; allowed keys: ${INPUT_KEYS.join(', ')}${didYouMean(key, INPUT_KEYS)}`,
        `Remove ${key}: or correct its spelling.`,
      );
    }
  }
}

function parsePriorityKey(data: Record<string, unknown>): Priority {
  const v = data.priority;
  if (v === undefined || v === null) return DEFAULT_PRIORITY;
  if (isPriority(v)) return v;
  throw new Rejection(
    `${priorityProblem(v, 'priority')}${typeof v === 'string' ? didYouMean(v, PRIORITIES) : ''}`,
    `Write one of the allowed values, e.g. \`priority: high\`.`,
  );
}

function parseAttachments(data: Record<string, unknown>): string[] | undefined {
  if (data.attachments === undefined || data.attachments === null) return undefined;
  const list = Array.isArray(data.attachments) ? data.attachments : [data.attachments];
  if (list.length > MAX_ATTACHMENTS)
    throw new Rejection(
      `attachments: ${list.length} files, over the limit of ${MAX_ATTACHMENTS}`,
      'Send fewer files, or an archive.',
    );
  const seen = new Set<string>();
  const attachments: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string' || item.trim() === '' || item.includes('\0')) {
      throw new Rejection(
        `attachments: ${JSON.stringify(item)} is not a file path`,
        'List paths relative to your workspace, e.g. `attachments: [drafts/report.md]`.',
      );
    }
    if (item.startsWith('/'))
      throw new Rejection(
        `attachments: ${JSON.stringify(item)} is an absolute path; attachments come from your own workspace`,
        'Write the path relative to your workspace, e.g. `drafts/report.md`.',
      );
    const base = item.split('/').filter(Boolean).at(-1)!;
    if (base === '.' || base === '..')
      throw new Rejection(
        `attachments: ${JSON.stringify(item)} does not name a file`,
        'Name a file inside your workspace.',
      );
    if (seen.has(base))
      throw new Rejection(
        `attachments: two files are named ${base}`,
        'Rename one, so each attachment has its own name.',
      );
    seen.add(base);
    attachments.push(item);
  }
  return attachments;
}

/** The task keys: `kind: task` creates one; `task: T-n` (with an optional `status:`) updates one. */
function parseTaskKeys(
  data: Record<string, unknown>,
  approvalKinds: readonly string[],
): { kind: MessageKind; task?: string; status?: UpdateStatus } {
  const kind =
    oneOf<string>(
      data,
      'kind',
      [...MESSAGE_KINDS, ...approvalKinds],
      'Write `kind: task` for a task, or leave kind: out.',
    ) ?? 'message';
  const task = str(data, 'task');
  if (task !== undefined && !/^T-[1-9]\d*$/.test(task)) {
    throw new Rejection(
      `task: ${JSON.stringify(task)} is not a task id like T-12`,
      'Write the id the board shows, e.g. `task: T-12`.',
    );
  }
  const status = oneOf(data, 'status', UPDATE_STATUSES, 'Write one of the allowed values.');
  if (status !== undefined && task === undefined)
    throw new Rejection('status: is set but task: is missing', 'Name the task the update is for, e.g. `task: T-12`.');
  if (kind === 'task' && task !== undefined)
    throw new Rejection(
      'kind: task creates a new task, so it cannot also name task:',
      'Leave out kind: to update an existing task, or task: to create a new one.',
    );
  return { kind, task, status };
}

/**
 * The longest subject, in characters (file names and displays cut it far shorter). Without a
 * limit of its own, a subject of 1 MB is kept as a task's title on the board and in board.json,
 * written at every render and sent with every page refresh: 40 such tasks took the daemon to
 * 504 MB and the page's model to 60 MB.
 */
export const SUBJECT_MAX = 10_000;

/** Parse and check a message's bytes. Throws Rejection with what is wrong and how to fix it. */
export function parseMessage(bytes: Uint8Array, maxBytes: number, approvalKinds: readonly string[] = []): Draft {
  const split = splitFrontMatter(decodeText(bytes, maxBytes));
  const data = readFrontMatter(split);
  checkKeys(data);
  const priority = parsePriorityKey(data);
  const { kind, task, status } = parseTaskKeys(data, approvalKinds);
  const due = str(data, 'due', 40);
  if (due !== undefined && Number.isNaN(Date.parse(due))) {
    throw new Rejection(
      `due: ${JSON.stringify(due)} is not a date`,
      'Write a date like `due: 2026-11-27` or an ISO time.',
    );
  }
  const replyTo = str(data, 'reply_to', 40);
  if (replyTo !== undefined && !/^[0-9a-z]{12}$/.test(replyTo)) {
    throw new Rejection(
      `reply_to: ${JSON.stringify(replyTo)} is not a message id`,
      'Copy the id: of the message you answer.',
    );
  }
  const attachments = parseAttachments(data);
  const claimedFrom = data.from === undefined || data.from === null ? undefined : String(data.from);
  return {
    ...parseGovernanceKeys(data, kind),
    to: parseTo(data),
    priority,
    ...(data.priority !== undefined && data.priority !== null ? { priorityGiven: true } : {}),
    subject: str(data, 'subject', SUBJECT_MAX),
    kind,
    due,
    task,
    status,
    replyTo,
    ...(attachments ? { attachments } : {}),
    claimedFrom,
    body: split.body,
  };
}
