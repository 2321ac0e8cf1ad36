/**
 * Recipe: an agent run by OpenAI's Codex CLI. `command: node <mailroom>/dist/scripts/recipes/codex.js`
 * (extra flags in CODEX_ARGS, e.g. "--model gpt-5-codex --sandbox workspace-write").
 *
 * Runs `codex exec --json --skip-git-repo-check -` in the workspace (the prompt on stdin), takes
 * the last `agent_message` as the reply and the `turn.completed` usage as the usage line
 * (Codex reports tokens, not dollars: the cost is 0 unless CODEX_PRICE="in out" per million).
 * A `turn.failed` or `error` event is a failed attempt.
 */
import { fail, printUsage, promptFor, readIncoming, reply, runCli } from './common.js';

const m = readIncoming();
if (m) {
  const extra = (process.env.CODEX_ARGS ?? '').split(/\s+/).filter(Boolean);
  const out = runCli('codex', ['exec', '--json', '--skip-git-repo-check', ...extra, '-'], promptFor(m));
  let answer: string | undefined;
  let input = 0;
  let output = 0;
  for (const line of out.split('\n')) {
    let e: {
      type?: string;
      item?: { type?: string; text?: string };
      usage?: { input_tokens?: number; output_tokens?: number };
      error?: { message?: string };
      message?: string;
    };
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (e.type === 'item.completed' && e.item?.type === 'agent_message' && typeof e.item.text === 'string')
      answer = e.item.text;
    if (e.type === 'turn.completed') {
      input += e.usage?.input_tokens ?? 0;
      output += e.usage?.output_tokens ?? 0;
    }
    if (e.type === 'turn.failed' || e.type === 'error') fail(`codex: ${e.error?.message ?? e.message ?? line}`);
  }
  const [pin, pout] = (process.env.CODEX_PRICE ?? '0 0').split(/\s+/).map(Number);
  printUsage(input, output, Math.round(input * (pin || 0) + output * (pout || 0)) / 1e6);
  if (answer === undefined) fail('codex printed no agent_message');
  reply(m, answer);
}
