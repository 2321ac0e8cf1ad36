/**
 * The prompt of a model handler, assembled from what the agent can see:
 *
 *   system  = how mailroom works for it (INSTRUCTIONS) + its system file + its BRIEF.md
 *   turns   = the earlier messages of the thread, newest kept within `historyTokens`
 *             (estimated as characters / 4: no tokenizer, a little generous for English,
 *             so the budget errs on the side of leaving out), a note of how many were left
 *             out, then the new message, always whole.
 *
 * The agent's own messages are `assistant` turns, everyone else's `user` turns; neighbours of
 * one role are joined (the Messages API wants alternation), and the first turn is a user's.
 * Pure.
 */
import type { Prompt, Turn } from './providers.js';

export interface ThreadMessage {
  readonly id: string;
  readonly from: string;
  readonly to?: readonly string[];
  readonly sent: string;
  readonly subject?: string;
  readonly body: string;
}

export interface PromptInput {
  readonly agent: string;
  readonly systemFile?: string;
  readonly brief?: string;
  /** Earlier messages of the thread, oldest first (the new one not among them). */
  readonly thread: readonly ThreadMessage[];
  readonly message: ThreadMessage;
  readonly historyTokens: number;
}

export interface AssembledPrompt extends Prompt {
  readonly kept: number;
  readonly omitted: number;
}

/** The documented estimate: about four characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function instructions(agent: string): string {
  return [
    `You are ${agent}, an agent in an organisation whose members exchange messages through mailroom.`,
    'Your answer is sent as a reply to the sender of the last message, in the same thread.',
    'To send something else instead (to other agents, a new task, or a status update of a task), begin your answer',
    'with a YAML front-matter block between two lines of exactly ---, for example:',
    '---\nto: legal\nkind: task\nsubject: Review sections 4-7\n---\nor\n---\ntask: T-12\nstatus: done\n---',
    'Keys: to, subject, priority (critical|high|normal|low), kind (message|task), task, status (in_progress|blocked|done|cancelled), due.',
    'An empty answer sends nothing.',
  ].join('\n');
}

function render(m: ThreadMessage, agent: string): string {
  if (m.from === agent)
    return m.to?.length
      ? `(to ${m.to.join(', ')}${m.subject ? `, subject: ${m.subject}` : ''})\n${m.body.trim()}`
      : m.body.trim();
  return `From: ${m.from}\nSent: ${m.sent}${m.subject ? `\nSubject: ${m.subject}` : ''}\n\n${m.body.trim()}`;
}

function join(turns: Turn[]): Turn[] {
  const out: Turn[] = [];
  for (const t of turns) {
    const last = out.at(-1);
    if (last && last.role === t.role)
      out[out.length - 1] = { role: t.role, content: `${last.content}\n\n---\n\n${t.content}` };
    else out.push(t);
  }
  if (out[0]?.role === 'assistant') out.unshift({ role: 'user', content: '(earlier in this thread)' });
  return out;
}

export function assemblePrompt(i: PromptInput): AssembledPrompt {
  const system = [
    instructions(i.agent),
    i.systemFile?.trim(),
    i.brief?.trim() ? `# Your brief (BRIEF.md)\n\n${i.brief.trim()}` : undefined,
  ]
    .filter(Boolean)
    .join('\n\n');
  const kept: Turn[] = [];
  let budget = i.historyTokens;
  for (let n = i.thread.length - 1; n >= 0; n--) {
    const m = i.thread[n]!;
    const content = render(m, i.agent);
    budget -= estimateTokens(content);
    if (budget < 0) break;
    kept.unshift({ role: m.from === i.agent ? 'assistant' : 'user', content });
  }
  const omitted = i.thread.length - kept.length;
  const note: Turn[] = omitted
    ? [{ role: 'user', content: `(${omitted} earlier message${omitted === 1 ? '' : 's'} of this thread left out)` }]
    : [];
  const turns = join([...note, ...kept, { role: 'user', content: render(i.message, i.agent) }]);
  return { system, turns, kept: kept.length, omitted };
}
