/**
 * Whose BRIEF.md a board render looks at (runtime/daemon/board-writer.ts). Only an agent with an
 * open task has a brief a board change can alter (board/brief.ts busyBriefs); every other
 * agent's is the same idle text whatever the board holds. So after the first render, and until
 * the list of agents changes, a render looks at the agents with an open task now or at the last
 * render (one whose last task closed goes back to the idle text), not at all 10,000. Pure.
 */

/**
 * The agents whose brief to render: every one of `agents`, in order, when `sameAgents` is
 * false (the first render, or the list of agents changed); else those of `busyNow` then of
 * `busyBefore` that are in `members` (the set of `agents`), each once.
 */
export function briefsToRender(
  agents: readonly string[],
  members: ReadonlySet<string>,
  sameAgents: boolean,
  busyNow: Iterable<string>,
  busyBefore: Iterable<string>,
): string[] {
  if (!sameAgents) return [...agents];
  const out = new Set<string>();
  for (const a of busyNow) if (members.has(a)) out.add(a);
  for (const a of busyBefore) if (members.has(a)) out.add(a);
  return [...out];
}
