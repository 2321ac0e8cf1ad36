import { renderBrief } from '../../board/brief.js';
import { loadConfig } from '../config/config.js';
import { loadState } from '../views/inspect.js';
import { EXIT, Problem, UsageError, findRoot, parse, print } from './common.js';

export const usage = `mailroom brief <agent> [--root <dir>]

Print the agent's BRIEF.md, folded from the event log (the same bytes the daemon writes to
workspaces/<agent>/BRIEF.md): its open tasks (owned, may claim, created), each with the last
message of its thread, what it waits on (unfinished sub-tasks, blocked_by tasks, held
approvals), what waits on it (tasks naming it in blocked_by), and the decisions recorded in
its threads. An agent reads it to find its place after its context is compacted.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { root: { type: 'string' } }, usage, true);
  if (values.help) return (print(usage), EXIT.ok);
  if (positionals.length !== 1) throw new UsageError(`brief takes one agent\n\n${usage}`);
  const agent = positionals[0]!;
  const layout = findRoot(values.root as string | undefined);
  const config = loadConfig(layout.config);
  if (!Object.hasOwn(config.agents, agent))
    throw new Problem(`${agent} is not an agent; agents: ${Object.keys(config.agents).join(', ')}`);
  const state = await loadState(layout);
  process.stdout.write(renderBrief(state.board, agent, state.governance));
  return EXIT.ok;
}
