/**
 * A large board for the board-writer's stories (int/bus/board-large, int/bus/board-stop): an
 * org of three agents whose daemon has accepted `n` open tasks, and a stream of task updates by
 * their owners with plain mail between them.
 */
import { waitFor } from './events.js';
import { makeOrg, message, type Org } from './org.js';

export const BOARD_AGENTS = ['maya', 'oliver', 'legal'] as const;

/** A running org with `n` tasks accepted (limits raised so no breaker trips); each task's owner by id. */
export async function orgWithTasks(n: number): Promise<{ o: Org; owner: Map<string, string> }> {
  const o = makeOrg([...BOARD_AGENTS], 'messages_per_minute: 100000\ntasks_per_hour: 100000\nmax_open_tasks: 5000\n');
  await o.start();
  const agents = BOARD_AGENTS;
  for (let i = 1; i <= n; i++)
    o.drop(agents[i % 3]!, `t${i}.md`, message({ to: agents[(i + 1) % 3]!, kind: 'task', subject: `job ${i}` }));
  const tasks = () => o.events().filter((e) => e.type === 'message.accepted' && e.kind === 'task');
  await waitFor(() => tasks().length === n, `${n} tasks accepted`, 60_000);
  return { o, owner: new Map(tasks().map((e) => [e.task as string, e.to[0] as string])) };
}

/** `count` updates (task T-(1 + k*step mod n), status by `k`), each by the task's owner, and as many notes maya -> legal. */
export function dropUpdatesAndMail(
  o: Org,
  owner: Map<string, string>,
  { n, count, step, status }: { n: number; count: number; step: number; status: (k: number) => string },
): void {
  for (let k = 1; k <= count; k++) {
    const t = `T-${1 + ((k * step) % n)}`;
    o.drop(owner.get(t)!, `u${k}.md`, message({ task: t, status: status(k) }));
    o.drop('maya', `m${k}.md`, message({ to: 'legal', subject: `note ${k}` }));
  }
}
