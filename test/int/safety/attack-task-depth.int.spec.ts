/**
 * max_task_depth attacked by a jailed handler that answers everything, bounces included, with a
 * new task. Its sub-task past the depth is refused with a bounce; the run for that bounce used to
 * serve no task, so the task it wrote was a new root task and the spawning loop went on, one
 * bounce per tree. Now a bounce's run serves the task of the run that wrote the refused file,
 * so every task it writes is refused again: no tree but the first. The same through a relay: a
 * task's run sends a plain message to its own agent, and that message's run writes a task; the
 * plain message now serves the task of the run that wrote it.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/events.js';
import { message, orgFromYaml, type Org } from '../../support/org.js';
import { script } from '../../support/runs.js';

/**
 * Every run writes one task to itself, four runs in all; with RELAY set, a run for a task message
 * writes a plain message to itself instead (whose run then writes the task).
 */
const SPAWN_PY = String.raw`
import os, sys
msg = sys.stdin.read()
n = len(os.listdir('runs')) + 1 if os.path.isdir('runs') else 1
if n > 4: sys.exit(0)
os.makedirs('runs', exist_ok=True)
open('runs/%d' % n, 'w').close()
relay = os.environ.get('RELAY') and '\ntask: T-' in msg
head = 'subject: relay %d' % n if relay else 'kind: task\nsubject: spawned %d' % n
with open('outbox/.sub', 'w') as f: f.write('---\nto: spawner\n%s\n---\nmore\n' % head)
os.rename('outbox/.sub', 'outbox/sub-%d.md' % n)
`;

let o: Org;
afterEach(async () => {
  await o?.cleanup();
});

describe('max_task_depth under a handler that answers its bounces with new tasks', () => {
  it('refuses every task written in a bounce run of a too-deep sub-task; only the first tree exists', async () => {
    o = orgFromYaml(
      'max_task_depth: 2\nagents:\n  boss: {}\n  spawner: { command: "python3 $TMP/spawn.py", read_only_paths: [$TMP] }\n',
    );
    script(o, 'spawn.py', SPAWN_PY);
    await o.start();
    o.drop('boss', 'root.md', message({ to: 'spawner', kind: 'task', subject: 'Root' }));
    const outcome = (name: string) =>
      o.events().find((e) => (e.type === 'message.accepted' || e.type === 'message.rejected') && e.origin === name);
    await waitFor(() => [1, 2, 3, 4].every((n) => outcome(`sub-${n}.md`)), 'the four spawned tasks decided', 30_000);
    const tasks = o.events().filter((e) => e.type === 'message.accepted' && e.kind === 'task' && !e.task_update);
    const roots = tasks.filter((e) => e.parent === undefined).map((e) => e.subject);
    expect(roots, 'tasks with no parent').toEqual(['Root']);
    expect(tasks.map((e) => e.subject)).toEqual(['Root', 'spawned 1']);
    for (const n of [2, 3, 4]) expect(outcome(`sub-${n}.md`)!.reason).toMatch(/over max_task_depth 2/);
    expect(fs.readdirSync(o.outbox('spawner'))).toEqual([]);
    expect(o.daemon!.exitCode).toBeNull();
  }, 60_000);

  it('refuses a task written in the run of a plain message a too-deep task run sent (a relay)', async () => {
    o = orgFromYaml(
      'max_task_depth: 2\nagents:\n  boss: {}\n  spawner: { command: "python3 $TMP/spawn.py", read_only_paths: [$TMP], env: { RELAY: "1" } }\n',
    );
    script(o, 'spawn.py', SPAWN_PY);
    await o.start();
    o.drop('boss', 'root.md', message({ to: 'spawner', kind: 'task', subject: 'Root' }));
    const outcome = (name: string) =>
      o.events().find((e) => (e.type === 'message.accepted' || e.type === 'message.rejected') && e.origin === name);
    await waitFor(() => [1, 2, 3, 4].every((n) => outcome(`sub-${n}.md`)), 'the four files decided', 30_000);
    // run 1 (T-1): relay 1; run 2 (relay 1, serving T-1): T-2 under T-1; run 3 (T-2): relay 3; run 4: too deep
    expect(outcome('sub-1.md')).toMatchObject({ type: 'message.accepted', kind: 'message', serves: 'T-1' });
    expect(outcome('sub-2.md')).toMatchObject({ type: 'message.accepted', task: 'T-2', parent: 'T-1' });
    expect(outcome('sub-3.md')).toMatchObject({ type: 'message.accepted', kind: 'message', serves: 'T-2' });
    expect(outcome('sub-4.md')!.reason).toMatch(/depth 3 \(T-1 > T-2 > new\), over max_task_depth 2/);
  }, 60_000);
});
