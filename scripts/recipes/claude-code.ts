/**
 * Recipe: an agent run by Claude Code. `command: node <mailroom>/dist/scripts/recipes/claude-code.js`
 * (extra `claude` flags in CLAUDE_ARGS, e.g. "--model sonnet --allowedTools Read,Edit").
 *
 * Runs `claude -p --output-format json` in the workspace with the message on stdin, writes its
 * `result` as the reply (or as a message of its own when it starts with front matter), and
 * prints its `usage` and `total_cost_usd` as the usage line. `is_error` is a failed attempt.
 */
import { fail, printUsage, promptFor, readIncoming, reply, runCli } from './common.js';

interface ClaudeResult {
  result?: string;
  is_error?: boolean;
  subtype?: string;
  total_cost_usd?: number;
  usage?: {
    input_tokens?: number;
    output_tokens?: number;
    cache_creation_input_tokens?: number;
    cache_read_input_tokens?: number;
  };
}

const m = readIncoming();
if (m) {
  const extra = (process.env.CLAUDE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const out = runCli('claude', ['-p', '--output-format', 'json', ...extra], promptFor(m));
  let r: ClaudeResult;
  try {
    r = JSON.parse(out.trim().split('\n').at(-1) ?? '') as ClaudeResult;
  } catch {
    fail(`claude printed no JSON result: ${out.slice(0, 200)}`);
  }
  const u = r.usage ?? {};
  const n = (v: number | undefined) => (typeof v === 'number' && v >= 0 ? v : 0);
  printUsage(
    n(u.input_tokens) + n(u.cache_creation_input_tokens) + n(u.cache_read_input_tokens),
    n(u.output_tokens),
    n(r.total_cost_usd),
  );
  if (r.is_error || typeof r.result !== 'string')
    fail(`claude reported an error (${r.subtype ?? 'no result'}): ${String(r.result ?? '').slice(0, 500)}`);
  reply(m, r.result);
}
