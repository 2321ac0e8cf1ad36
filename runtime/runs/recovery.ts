/**
 * The runner's file-side helpers: carrying out the recovery plan at start-up, moving a message
 * to done/, and the handler's scratch folder.
 */
import fs from 'node:fs';
import { keepHandlerFailure } from '../../bus/store/deadletter.js';
import { Dir, Refused } from '../../workspaces/hostile-fs.js';
import { inboxesToList, planRecovery } from '../decide/run-recovery.js';
import { killOrphans } from './orphans.js';
import type { BusPort } from './runner.js';

/**
 * The handler's scratch folder (its TMPDIR): made when missing; anything else there (a file, a
 * fifo, a link) fails the run with the reason, never the daemon. Never opened or followed.
 */
export function scratchDir(dir: string, rel: string): void {
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!st) fs.mkdirSync(dir, { mode: 0o700 });
  else if (!st.isDirectory())
    throw new Error(
      `${rel} (the handler's TMPDIR) is ${st.isSymbolicLink() ? 'a symbolic link' : st.isFIFO() ? 'a fifo' : 'not a folder'}; remove it (\`rm ${rel}\`) and mailroom makes it again`,
    );
}

/** After a restart: kill the handlers a killed daemon left behind, then carry out the recovery plan. */
export function recoverRuns(bus: BusPort): void {
  killOrphans(bus.layout);
  const { runtime } = bus.state();
  const config = bus.config();
  const inboxes = new Map<string, string[]>();
  for (const agent of inboxesToList(runtime, config)) {
    try {
      const inbox = bus.layout.inbox(agent);
      inboxes.set(
        agent,
        Dir.with(inbox, inbox, (d) => d.list()),
      ); // never through a link
    } catch {
      /* no inbox: nothing to queue or move there */
    }
  }
  const todo = planRecovery({ runtime, config, inboxes, now: bus.now().getTime() });
  for (const e of todo.queue) bus.emit(e);
  // A workspace is the handler's: what it did there (done/<name> made a folder, ...) is said, never a refusal to start.
  const tolerate = (what: string, act: () => void) => {
    try {
      act();
    } catch (err) {
      bus.logger.warn(`at start-up, ${what}: ${(err as Error).message}; left as it is`);
    }
  };
  for (const { agent, file } of todo.complete)
    tolerate(`moving ${agent}'s ${file} to done/`, () => moveToDone(bus, agent, file));
  for (const { run, failed } of todo.keep)
    tolerate(`keeping ${run.agent}'s failed ${run.file} in bus/deadletter/`, () =>
      keepHandlerFailure(bus.layout.root, bus.layout.inbox(run.agent), { run, failed }),
    );
  bus.commit();
}

export function moveToDone(bus: Pick<BusPort, 'layout' | 'logger'>, agent: string, file: string): void {
  const { layout } = bus;
  try {
    // Through both folders' descriptors: a folder flipped to a link meanwhile moves nothing.
    Dir.with(layout.inbox(agent), layout.inbox(agent), (inbox) =>
      Dir.with(layout.done(agent), layout.done(agent), (done) => fs.renameSync(inbox.at(file), done.at(file))),
    );
  } catch (err) {
    if (err instanceof Refused) return bus.logger.warn(`not moving ${file} to done/: ${err.message}`);
    // ENOENT: the handler moved it itself.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
