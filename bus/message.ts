/**
 * The message: a markdown file with YAML front matter.
 *
 *   parseMessage(bytes)  -> the front matter checked key by key, and the body (or a Rejection)
 *   stampMessage(...)    -> the text that is logged and delivered, with id/from/sent/thread/hops
 *
 * Safety: the bytes are checked (size, UTF-8, no NUL) before anything is parsed; the front
 * matter delimiters are checked here (line 1 exactly `---`, closed by a line exactly `---`);
 * gray-matter only ever sees YAML through an engine built on the `yaml` package's core
 * schema, and its js/javascript/json engines throw, so nothing is ever evaluated.
 * Pure: no I/O, no clock.
 */
import matter from 'gray-matter';
import YAML from 'yaml';
import { DEFAULT_PRIORITY, isPriority, priorityProblem, type Priority } from './priority.js';
import { Rejection } from './rejection.js';
import { GOVERNANCE_KEYS, GOVERNANCE_STAMPS, governanceFrontMatter, parseGovernanceKeys, type GovernanceFields } from './governance-keys.js';

/** approval: a decision on a held message; approval_request: mailroom asks an approver; pause/resume: the operator's circuit breaker. */
export const MESSAGE_KINDS = ['message', 'task', 'approval', 'approval_request', 'pause', 'resume'] as const;
/** A built-in kind, or an approval kind from `approval_required:`. */
export type MessageKind = (typeof MESSAGE_KINDS)[number] | (string & {});

/** Statuses a task update may set (a new task starts `open`). */
export const UPDATE_STATUSES = ['in_progress', 'blocked', 'done', 'cancelled'] as const;
export type UpdateStatus = (typeof UPDATE_STATUSES)[number];

/** Keys a sender may write. */
export const INPUT_KEYS = ['to', 'priority', 'subject', 'kind', 'due', 'task', 'status', 'reply_to', 'attachments', ...GOVERNANCE_KEYS] as const;
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

const FIX_FORMAT =
  'Start the file with a line `---`, then YAML keys (to:, subject:, priority:, ...), then a line `---`, then the markdown body.';

function throwingEngine(name: string) {
  return () => {
    throw new Rejection(`front matter in ${name} is not accepted; mailroom reads YAML only and never evaluates code`, FIX_FORMAT);
  };
}

const safeYaml = (text: string): object => {
  // logLevel 'silent': the yaml package would print warnings (quoting the sender's text) to the
  // daemon's stderr; a warning (an unknown tag such as `!shout`) rejects the message instead.
  const doc = YAML.parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true, logLevel: 'silent' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw new Error(problem.message.split('\n')[0]);
  const value = doc.toJS({ maxAliasCount: 20 }) as object | null;
  return value ?? {};
};

const MATTER_OPTIONS = {
  engines: {
    yaml: { parse: safeYaml, stringify: () => '' },
    js: { parse: throwingEngine('JavaScript'), stringify: () => '' },
    javascript: { parse: throwingEngine('JavaScript'), stringify: () => '' },
    json: { parse: throwingEngine('JSON'), stringify: () => '' },
  },
  language: 'yaml',
} as unknown as Parameters<typeof matter>[1];

/** Decode bytes as UTF-8 text, or reject: empty, too large, binary (NUL), not UTF-8. */
export function decodeText(bytes: Uint8Array, maxBytes: number): string {
  if (bytes.length === 0) throw new Rejection('the file is empty', FIX_FORMAT);
  if (bytes.length > maxBytes) {
    throw new Rejection(
      `the file is ${bytes.length} bytes, over the limit of ${maxBytes} bytes (max_message_bytes)`,
      'Send large content as an attachment or split it; or raise max_message_bytes in mailroom.yaml.',
    );
  }
  if (bytes.includes(0)) throw new Rejection('the file contains NUL bytes: it looks binary, not markdown text', 'Send UTF-8 markdown text.');
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    throw new Rejection('the file is not valid UTF-8 text', 'Save the file as UTF-8.');
  }
}

interface Split {
  frontMatter: string;
  body: string;
}

/** Find the front matter by our own strict rule: line 1 is exactly `---`, closed by a later line exactly `---`. */
export function splitFrontMatter(text: string): Split {
  const lines = text.split('\n');
  const first = lines[0]!.replace(/\r$/, '');
  if (first !== '---') {
    const lang = /^---\s*(\S+)\s*$/.exec(first)?.[1];
    if (lang) throw new Rejection(`front matter in ${JSON.stringify(lang)} is not accepted; mailroom reads YAML only and never evaluates code`, FIX_FORMAT);
    throw new Rejection('the file has no front matter (line 1 must be exactly `---`)', FIX_FORMAT);
  }
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '---') {
      return { frontMatter: lines.slice(1, i).join('\n'), body: lines.slice(i + 1).join('\n') };
    }
    if (line.startsWith('---')) {
      throw new Rejection(`line ${i + 1} starts with --- but is not exactly ---, so the front matter's end is ambiguous`, FIX_FORMAT);
    }
  }
  throw new Rejection('the front matter is never closed (no later line is exactly `---`)', FIX_FORMAT);
}

/** True when the text has a complete front matter block (used to tell a half-written file). */
export function frontMatterClosed(text: string): boolean {
  try {
    splitFrontMatter(text);
    return true;
  } catch {
    return false;
  }
}

function parseYamlBlock(text: string, split: Split): Record<string, unknown> {
  let data: unknown;
  try {
    // gray-matter only through the safe engines above, always with an options object (no cache).
    const parsed = matter(text, MATTER_OPTIONS);
    if (parsed.matter.replace(/^\r?\n/, '').replace(/\r?\n$/, '') !== split.frontMatter.replace(/\r?\n$/, '')) {
      throw new Rejection('the front matter could not be delimited unambiguously', FIX_FORMAT);
    }
    data = parsed.data;
  } catch (err) {
    if (err instanceof Rejection) throw err;
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new Rejection(`the front matter is not valid YAML: ${detail}`, 'Fix the YAML between the two `---` lines (quote values that contain `:` or `#`).');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data) || Object.getPrototypeOf(data) !== Object.prototype) {
    throw new Rejection('the front matter must be a YAML mapping of keys (to:, subject:, ...)', FIX_FORMAT);
  }
  return data as Record<string, unknown>;
}

function str(data: Record<string, unknown>, key: string, max = 500): string | undefined {
  const v = data[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    throw new Rejection(`${key}: must be text, got ${JSON.stringify(v)} (${typeof v})`, `Write ${key}: as text; quote it if YAML reads it as a number or boolean.`);
  }
  if (v.length > max) throw new Rejection(`${key}: is ${v.length} characters, over the limit of ${max}`, `Shorten ${key}:.`);
  return v;
}

/** A name in `to:` is a name, never a path. */
export function hasPathCharacters(name: string): boolean {
  return /[/\\\0]/.test(name) || name === '.' || name === '..' || name.includes('..');
}

function parseTo(data: Record<string, unknown>): string[] | undefined {
  const v = data.to;
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) throw new Rejection('to: is an empty list', 'Name at least one agent, a group, or "*".');
  const names: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string' || item.trim() === '') {
      throw new Rejection(`to: ${JSON.stringify(item)} is not an agent name`, 'Write to: as an agent, a group, a list of them, or "*".');
    }
    const name = item.trim();
    if (hasPathCharacters(name)) {
      throw new Rejection(`to: ${JSON.stringify(name)} contains path characters; a recipient is a name, never a path`, 'Write the agent\'s name, e.g. `to: legal`.');
    }
    names.push(name);
  }
  return names;
}

/** Parse and check a message's bytes. Throws Rejection with what is wrong and how to fix it. */
export function parseMessage(bytes: Uint8Array, maxBytes: number, approvalKinds: readonly string[] = []): Draft {
  const text = decodeText(bytes, maxBytes);
  const split = splitFrontMatter(text);
  const data = parseYamlBlock(text, split);
  for (const key of Object.keys(data)) {
    if (FORBIDDEN_KEYS.has(key)) throw new Rejection(`the key ${JSON.stringify(key)} is not allowed`, `Remove the ${key}: line; allowed keys: ${INPUT_KEYS.join(', ')}.`);
    if (!(INPUT_KEYS as readonly string[]).includes(key) && !(STAMPED_KEYS as readonly string[]).includes(key)) {
      throw new Rejection(`unknown key ${JSON.stringify(key)}; allowed keys: ${INPUT_KEYS.join(', ')}`, `Remove ${key}: or correct its spelling.`);
    }
  }
  const priorityValue = data.priority;
  if (priorityValue !== undefined && priorityValue !== null && !isPriority(priorityValue)) {
    throw new Rejection(priorityProblem(priorityValue, 'priority'), `Write one of the allowed values, e.g. \`priority: high\`.`);
  }
  const kind = str(data, 'kind') ?? 'message';
  if (!(MESSAGE_KINDS as readonly string[]).includes(kind) && !approvalKinds.includes(kind)) {
    throw new Rejection(`kind: unknown kind ${JSON.stringify(kind)}; allowed values: ${[...MESSAGE_KINDS, ...approvalKinds].join(', ')}`, 'Write `kind: task` for a task, or leave kind: out.');
  }
  const task = str(data, 'task');
  if (task !== undefined && !/^T-[1-9]\d*$/.test(task)) {
    throw new Rejection(`task: ${JSON.stringify(task)} is not a task id like T-12`, 'Write the id the board shows, e.g. `task: T-12`.');
  }
  const status = str(data, 'status');
  if (status !== undefined && !(UPDATE_STATUSES as readonly string[]).includes(status)) {
    throw new Rejection(`status: unknown status ${JSON.stringify(status)}; allowed values: ${UPDATE_STATUSES.join(', ')}`, 'Write one of the allowed values.');
  }
  if (status !== undefined && task === undefined) throw new Rejection('status: is set but task: is missing', 'Name the task the update is for, e.g. `task: T-12`.');
  if (kind === 'task' && task !== undefined) throw new Rejection('kind: task creates a new task, so it cannot also name task:', 'Leave out kind: to update an existing task, or task: to create a new one.');
  const due = str(data, 'due', 40);
  if (due !== undefined && Number.isNaN(Date.parse(due))) {
    throw new Rejection(`due: ${JSON.stringify(due)} is not a date`, 'Write a date like `due: 2026-11-27` or an ISO time.');
  }
  const replyTo = str(data, 'reply_to', 40);
  if (replyTo !== undefined && !/^[0-9a-z]{12}$/.test(replyTo)) {
    throw new Rejection(`reply_to: ${JSON.stringify(replyTo)} is not a message id`, 'Copy the id: of the message you answer.');
  }
  let attachments: string[] | undefined;
  if (data.attachments !== undefined && data.attachments !== null) {
    const list = Array.isArray(data.attachments) ? data.attachments : [data.attachments];
    if (list.length > MAX_ATTACHMENTS) throw new Rejection(`attachments: ${list.length} files, over the limit of ${MAX_ATTACHMENTS}`, 'Send fewer files, or an archive.');
    const seen = new Set<string>();
    attachments = [];
    for (const item of list) {
      if (typeof item !== 'string' || item.trim() === '' || item.includes('\0')) {
        throw new Rejection(`attachments: ${JSON.stringify(item)} is not a file path`, 'List paths relative to your workspace, e.g. `attachments: [drafts/report.md]`.');
      }
      if (item.startsWith('/')) throw new Rejection(`attachments: ${JSON.stringify(item)} is an absolute path; attachments come from your own workspace`, 'Write the path relative to your workspace, e.g. `drafts/report.md`.');
      const base = item.split('/').filter(Boolean).at(-1)!;
      if (base === '.' || base === '..') throw new Rejection(`attachments: ${JSON.stringify(item)} does not name a file`, 'Name a file inside your workspace.');
      if (seen.has(base)) throw new Rejection(`attachments: two files are named ${base}`, 'Rename one, so each attachment has its own name.');
      seen.add(base);
      attachments.push(item);
    }
  }
  const claimedFrom = data.from === undefined || data.from === null ? undefined : String(data.from);
  return {
    ...parseGovernanceKeys(data, kind),
    to: parseTo(data),
    priority: (priorityValue as Priority | undefined) ?? DEFAULT_PRIORITY,
    ...(priorityValue !== undefined && priorityValue !== null ? { priorityGiven: true } : {}),
    subject: str(data, 'subject', 200),
    kind: kind as MessageKind,
    due,
    task,
    status: status as UpdateStatus | undefined,
    replyTo,
    ...(attachments ? { attachments } : {}),
    claimedFrom,
    body: split.body,
  };
}

export interface Stamp {
  id: string;
  from: string;
  to: string[];
  sent: string;
  thread: string;
  hops: number;
  /** For a new task: its id, assigned in log order. */
  taskId?: string;
  /** Keys only mailroom writes (approved_by, approval, held), after the sender's. */
  extra?: Record<string, unknown>;
}

/** The text that is logged and delivered: stamped keys first, then what the sender wrote. */
export function stampMessage(draft: Draft, stamp: Stamp): string {
  const fm: Record<string, unknown> = {
    id: stamp.id,
    from: stamp.from,
    to: stamp.to.length === 1 ? stamp.to[0] : stamp.to,
    priority: draft.priority,
  };
  if (draft.subject !== undefined) fm.subject = draft.subject;
  if (draft.kind !== 'message') fm.kind = draft.kind;
  const task = stamp.taskId ?? draft.task;
  if (task !== undefined) fm.task = task;
  if (draft.status !== undefined) fm.status = draft.status;
  if (draft.due !== undefined) fm.due = draft.due;
  if (draft.replyTo !== undefined) fm.reply_to = draft.replyTo;
  if (draft.attachments?.length) fm.attachments = draft.attachments.map((a) => `attachments/${stamp.id}/${attachmentName(a)}`);
  Object.assign(fm, governanceFrontMatter(draft), stamp.extra);
  fm.thread = stamp.thread;
  fm.hops = stamp.hops;
  fm.sent = stamp.sent;
  return `---\n${frontMatterText(fm)}---\n${draft.body}`;
}

/** Scalars the fast path writes plain: words, digits, spaces and . , - _ ( ) / ' (no YAML indicator), or an ISO time. */
const PLAIN = /^[A-Za-z0-9_](?:[A-Za-z0-9_ .,()/'-]*[A-Za-z0-9_.,()/'])?$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;
/** What the YAML core schema reads as null, a boolean or a number, so it must be quoted to stay text. */
const CORE_WORDS = /^(?:true|false|null|~)$/i;
const NUMBERISH = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
/** Characters JSON.stringify leaves raw but YAML does not allow raw. */
const NOT_PRINTABLE = /[\u007f-\u009f\ud800-\udfff\ufffe\uffff]/;

function scalar(v: unknown): string | null {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v !== 'string' || NOT_PRINTABLE.test(v)) return null;
  if ((PLAIN.test(v) && !CORE_WORDS.test(v) && !NUMBERISH.test(v)) || ISO_TIME.test(v)) return v;
  return JSON.stringify(v); // a JSON string is a valid YAML double-quoted scalar
}

/**
 * The stamped front matter, as `YAML.stringify(fm, { lineWidth: 0 })` writes it, without its
 * cost on the hot path (it was a tenth of the daemon's time in `npm run bench`): scalars and
 * lists of scalars only; anything else goes to the yaml package. test/unit/message checks
 * that both agree and that the yaml package reads back exactly what was written.
 */
export function frontMatterText(fm: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(fm)) {
    if (Array.isArray(v)) {
      if (v.length === 0) return YAML.stringify(fm, { lineWidth: 0 });
      out += `${k}:\n`;
      for (const item of v) {
        const s = scalar(item);
        if (s === null) return YAML.stringify(fm, { lineWidth: 0 });
        out += `  - ${s}\n`;
      }
      continue;
    }
    const s = scalar(v);
    if (s === null) return YAML.stringify(fm, { lineWidth: 0 });
    out += `${k}: ${s}\n`;
  }
  return out;
}

/** The name an attachment has in the recipient's inbox/attachments/<id>/. */
export function attachmentName(relPath: string): string {
  return relPath.split('/').filter(Boolean).at(-1)!;
}

/** Read back the stamped keys of a delivered text (for `show`, BRIEF, status). */
export function readStamped(text: string): Record<string, unknown> {
  try {
    return parseYamlBlock(text, splitFrontMatter(text));
  } catch {
    return {};
  }
}
