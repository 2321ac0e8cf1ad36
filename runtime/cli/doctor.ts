import fs from 'node:fs';
import { OPERATOR } from '../../bus/vocabulary.js';
import { mailboxProblem } from '../../workspaces/contain.js';
import path from 'node:path';
import { segments, LogCorrupt } from '../../bus/store/log.js';
import { selfCheckNames } from '../../bus/names.js';
import { renderBoardJson, renderBoardMd } from '../../board/render.js';
import { formatDuration } from '../../bus/time.js';
import { ConfigError, type OrgConfig } from '../config/config.js';
import { loadConfigOrLastGood, loadState, orgStatus } from '../views/inspect.js';
import { jailFor } from '../../workspaces/jail.js';
import { readSecrets } from '../../workspaces/secrets.js';
import type { BusState } from '../state/state.js';
import { checkQueuedNames } from '../daemon/startup.js';

import { EXIT, findRoot, parse, print, printJson } from './common.js';

export const usage = `mailroom doctor [--root <dir>] [--json]

Check the org and say how to fix what is wrong. Exit 0 when all is well, 1 when it finds a
problem. Checks: the config, the daemon, the event log after the newest snapshot (torn or
damaged lines), the board against a rebuild from the snapshot and the log (byte for byte), mail unread past stuck_after, files waiting in
the spool, queued files with non-canonical names, the inotify watch limit.`;

interface Finding {
  ok: boolean;
  check: string;
  detail: string;
}

function lastByte(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const b = Buffer.alloc(1);
    return size > 0 && fs.readSync(fd, b, 0, 1, size - 1) === 1 ? b[0]! : -1;
  } finally {
    fs.closeSync(fd);
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { root: { type: 'string' }, json: { type: 'boolean' } }, usage);
  if (values.help) return print(usage), EXIT.ok;
  const layout = findRoot(values.root as string | undefined);
  const findings: Finding[] = [];
  const add = (ok: boolean, check: string, detail: string) => findings.push({ ok, check, detail });

  let config: OrgConfig | null = null;
  try {
    const loaded = loadConfigOrLastGood(layout);
    config = loaded.config;
    if (loaded.status.invalid) add(false, 'config', `mailroom.yaml is not valid (${loaded.status.invalid.join('; ')}); a running daemon keeps version ${loaded.status.version}. Fix the file or \`mailroom config rollback ${loaded.status.version}\``);
    else add(true, 'config', `${Object.keys(config.agents).length} agents, ${Object.keys(config.groups).length} groups, ${Object.keys(config.lanes).length} lanes (version ${loaded.status.version ?? 'not recorded yet'})`);
  } catch (err) {
    add(false, 'config', err instanceof ConfigError ? err.message : String(err));
  }
  if (config) {
    for (const a of Object.values(config.agents)) {
      if (!a.command) continue;
      const j = jailFor(a);
      if (!j.jailed) add(a.sandbox === 'none', 'sandbox', `agent ${a.name}'s handler runs ${j.note}${a.sandbox === 'none' ? '' : '; install bubblewrap (apt-get install bubblewrap), or set sandbox: none to accept it'}`);
      const { missing } = readSecrets(layout, a.secrets);
      if (missing.length) add(false, 'secrets', `agent ${a.name} is granted ${missing.join(', ')}, not set: \`mailroom secret set ${missing[0]} < file\``);
    }
    for (const agent of [...Object.keys(config.agents), OPERATOR]) {
      try {
        const mode = fs.statSync(layout.workspace(agent)).mode & 0o777;
        if (mode & 0o077) add(false, 'permissions', `workspaces/${agent} is ${mode.toString(8)}, readable by others; \`chmod 700 workspaces/${agent}\` (the daemon does it at start)`);
      } catch {
        add(false, 'workspaces', `workspaces/${agent} is missing; \`mailroom start\` creates it`);
      }
      for (const box of ['inbox', 'outbox', 'done', 'sent']) {
        const problem = mailboxProblem(path.join(layout.workspace(agent), box));
        if (problem) add(false, 'mailboxes', `${problem}; mailroom never reads or writes through it: \`rm workspaces/${agent}/${box} && mkdir -m 700 workspaces/${agent}/${box}\``);
      }
    }
    for (const dir of [layout.private, path.join(layout.private, 'secrets')]) {
      const st = fs.statSync(dir, { throwIfNoEntry: false });
      if (st && st.mode & 0o077) add(false, 'permissions', `${layout.rel(dir)} is ${(st.mode & 0o777).toString(8)}, open to others; \`chmod 700 ${layout.rel(dir)}\` (the daemon does it at start)`);
    }
  }
  const names = selfCheckNames(new Date().toISOString());
  add(names.length === 0, 'file names', names.length ? names.join('; ') : 'every generated inbox name matches the daemon\'s own patterns');

  let state: BusState | null = null;
  try {
    state = await loadState(layout, config?.threadTtl, (t) => add(false, 'snapshots', t));
    const last = segments(layout.events).at(-1);
    const torn = last ? lastByte(`${layout.events}/${last}`) !== 0x0a && fs.statSync(`${layout.events}/${last}`).size > 0 : false;
    add(!torn, 'event log', torn ? `the last line of bus/events/${last} is torn (a crash mid-write); \`mailroom start\` repairs it and logs the repair` : `${state.lastSeq} events`);
  } catch (err) {
    add(false, 'event log', err instanceof LogCorrupt ? err.message : String(err));
  }

  if (state) {
    const doneAfter = config?.boardDoneAfter ?? Infinity;
    const want = [renderBoardMd(state.board, doneAfter), renderBoardJson(state.board, doneAfter)];
    const have = [layout.boardMd, layout.boardJson].map((f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null));
    const same = have[0] === want[0] && have[1] === want[1];
    const missing = have[0] === null && have[1] === null && state.board.tasks.length === 0;
    add(same || missing, 'board', same || missing ? `matches a rebuild from the log (${state.board.tasks.length} tasks)` : 'board/BOARD.md or board/board.json differs from a rebuild from the log; they are derived: delete them and (re)start the daemon to render them again');
    if (config) {
      const status = orgStatus(layout, config, state, Date.now());
      add(status.daemon.running, 'daemon', status.daemon.running ? `running, pid ${status.daemon.pid}` : 'no daemon is running on this org: nothing is delivered until `mailroom start` runs');
      add(
        status.stuck_total === 0,
        'unread mail',
        status.stuck.length
          ? `${status.stuck_total} message(s) unread past stuck_after: ${status.stuck.map((u) => `${u.file} (${formatDuration(u.age_ms)})`).join(', ')}; check the agents that should read them`
          : 'nothing unread past stuck_after',
      );
      add(status.daemon.running || status.spool === 0, 'spool', status.spool === 0 ? 'empty' : `${status.spool} file(s) in bus/spool/ wait for a daemon: run \`mailroom start\``);
      const queued = checkQueuedNames(layout, [...Object.keys(config.agents), OPERATOR]);
      add(queued.length === 0, 'queued names', queued.length ? queued.join('; ') : 'every queued file name is canonical');
      const need = Object.keys(config.agents).length * 2 + 16;
      try {
        const limit = Number(fs.readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8'));
        add(limit >= need, 'inotify', limit >= need ? `max_user_watches ${limit} (needs about ${need})` : `max_user_watches is ${limit}, the daemon needs about ${need}: raise it with \`sysctl fs.inotify.max_user_watches=524288\` (without it the daemon falls back to scans only)`);
      } catch {
        /* not Linux: nothing to say */
      }
      if (status.deadletter) add(true, 'dead letters', `${status.deadletter} rejected file(s) kept in bus/deadletter/ with their reasons (\`mailroom log --type message.rejected\`)`);
    }
  }

  const problems = findings.filter((f) => !f.ok);
  if (values.json) printJson({ ok: problems.length === 0, findings });
  else {
    print(findings.map((f) => `${f.ok ? 'ok     ' : 'PROBLEM'} ${f.check}: ${f.detail}`).join('\n'));
    print(problems.length ? `\n${problems.length} problem(s) found.` : '\nall well.');
  }
  return problems.length ? EXIT.problem : EXIT.ok;
}
