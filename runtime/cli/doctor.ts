import fs from 'node:fs';
import { OPERATOR } from '../../bus/vocabulary.js';
import { escapeLine } from '../../bus/escape.js';
import { mailboxProblem } from '../../workspaces/contain.js';
import path from 'node:path';
import { readLog, segments, LogCorrupt } from '../../bus/store/log.js';
import { endsTorn } from '../../bus/store/log-lines.js';
import { selfCheckNames } from '../../bus/names.js';
import { renderBoardJson, renderBoardMd } from '../../board/render.js';
import { formatDuration } from '../../bus/time.js';
import { ConfigError, type OrgConfig } from '../config/config.js';
import { loadConfigOrLastGood, orgStatus } from '../views/inspect.js';
import { jailFor } from '../../workspaces/jail.js';
import { readSecrets } from '../../workspaces/secrets.js';
import { foldState } from '../state/state.js';
import { governanceFindings } from '../decide/doctor-governance.js';
import { checkQueuedNames } from '../daemon/startup.js';
import { freeBytes } from '../daemon/log-pause.js';
import type { Layout } from '../../workspaces/layout.js';

import { outgoing } from '../bridge/pending.js';
import { probe } from '../bridge/view.js';
import { EXIT, count, findRoot, rootArg, parse, print, printJson } from './common.js';

export const usage = `mailroom doctor [--root <dir>] [--json]

Check the org and say how to fix what is wrong. Exit 0 when all is well, 1 when it finds a
problem. Checks: the config, the handler jail (a handler that cannot be jailed and is not
"sandbox: none" is a problem), the daemon, the event log (torn or damaged lines), the board
against a rebuild from the log (byte for byte), mail unread past stuck_after, files waiting in
the spool, queued files with non-canonical names, the inotify watch limit; with bridge:, the
connection to the NATS server, this org's stream and consumer, and outgoing mail waiting.`;

interface Finding {
  ok: boolean;
  check: string;
  detail: string;
}

/** Below this much free space on the org's filesystem the event log may soon fail to be written. */
const LOW_SPACE_BYTES = 16 * 1024 * 1024;

/** Has the daemon paused taking mail because the log could not be written, and is the disk nearly full? */
function logWriteFindings(layout: Layout): Finding[] {
  const out: Finding[] = [];
  const paused = fs.existsSync(layout.logPaused) ? fs.readFileSync(layout.logPaused, 'utf8') : undefined;
  if (paused !== undefined) {
    const [since, ...why] = paused.split('\n');
    out.push({
      ok: false,
      check: 'log writes',
      detail: `the daemon PAUSED taking mail at ${since}: ${why.join(' ').trim()}. Free space on the org's filesystem; it resumes by itself at its next scan (nothing accepted is lost)`,
    });
  }
  const free = freeBytes(layout.events);
  if (free !== null)
    out.push({
      ok: free >= LOW_SPACE_BYTES,
      check: 'disk space',
      detail:
        free >= LOW_SPACE_BYTES
          ? `${Math.floor(free / 1048576)} MiB free for bus/events/`
          : `only ${free} bytes free on the filesystem of bus/events/: when the log cannot be written the daemon pauses taking mail; free space (\`df -h ${layout.root}\`)`,
    });
  return out;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { root: { type: 'string' }, json: { type: 'boolean' } }, usage);
  if (values.help) return (print(usage), EXIT.ok);
  const layout = findRoot(values.root as string | undefined);
  const r = rootArg(values.root);
  const findings: Finding[] = [];
  const add = (ok: boolean, check: string, detail: string) => findings.push({ ok, check, detail });

  let config: OrgConfig | null = null;
  try {
    const loaded = loadConfigOrLastGood(layout);
    config = loaded.config;
    if (loaded.status.invalid)
      add(
        false,
        'config',
        `mailroom.yaml is not valid (${loaded.status.invalid.join('; ')}); a running daemon keeps version ${loaded.status.version}. Fix the file or \`mailroom config rollback ${loaded.status.version}${r}\``,
      );
    else
      add(
        true,
        'config',
        `${count(Object.keys(config.agents).length, 'agent')}, ${count(Object.keys(config.groups).length, 'group')}, ${count(Object.keys(config.lanes).length, 'lane')} (version ${loaded.status.version ?? 'not recorded yet'})`,
      );
  } catch (err) {
    add(false, 'config', err instanceof ConfigError ? err.message : String(err));
  }
  if (config) {
    for (const a of Object.values(config.agents)) {
      if (!a.command) continue;
      const j = jailFor(a);
      if (j.refuse) add(false, 'sandbox', `agent ${a.name}'s handler will not run: ${j.refuse}`);
      else if (!j.jailed) add(true, 'sandbox', `agent ${a.name}'s handler runs ${j.note}`);
      const { missing } = readSecrets(layout, a.secrets);
      if (missing.length)
        add(
          false,
          'secrets',
          `agent ${a.name} is granted ${missing.join(', ')}, not set: \`mailroom secret set ${missing[0]}${r} < file\``,
        );
    }
    for (const agent of [...Object.keys(config.agents), OPERATOR]) {
      try {
        const mode = fs.statSync(layout.workspace(agent)).mode & 0o777;
        if (mode & 0o077)
          add(
            false,
            'permissions',
            `workspaces/${agent} is ${mode.toString(8)}, readable by others; \`chmod 700 workspaces/${agent}\` (the daemon does it at start)`,
          );
      } catch {
        add(false, 'workspaces', `workspaces/${agent} is missing; \`mailroom start${r}\` creates it`);
      }
      for (const box of ['inbox', 'outbox', 'done', 'sent']) {
        const problem = mailboxProblem(path.join(layout.workspace(agent), box));
        if (problem)
          add(
            false,
            'mailboxes',
            `${problem}; mailroom never reads or writes through it: \`rm workspaces/${agent}/${box} && mkdir -m 700 workspaces/${agent}/${box}\``,
          );
      }
    }
    for (const dir of [layout.private, path.join(layout.private, 'secrets')]) {
      const st = fs.statSync(dir, { throwIfNoEntry: false });
      if (st && st.mode & 0o077)
        add(
          false,
          'permissions',
          `${layout.rel(dir)} is ${(st.mode & 0o777).toString(8)}, open to others; \`chmod 700 ${layout.rel(dir)}\` (the daemon does it at start)`,
        );
    }
  }
  const names = selfCheckNames(new Date().toISOString());
  add(
    names.length === 0,
    'file names',
    names.length ? names.join('; ') : "every generated inbox name matches the daemon's own patterns",
  );

  let events = null;
  try {
    events = readLog(layout.events);
    const last = segments(layout.events).at(-1);
    const torn = last ? endsTorn(fs.readFileSync(`${layout.events}/${last}`, 'utf8')) : false;
    add(
      !torn,
      'event log',
      torn
        ? `the last line of bus/events/${last} is torn (a crash mid-write); \`mailroom start${r}\` repairs it and logs the repair`
        : count(events.length, 'event'),
    );
  } catch (err) {
    add(false, 'event log', err instanceof LogCorrupt ? err.message : String(err));
  }
  for (const f of logWriteFindings(layout)) findings.push(f);

  if (events) {
    const state = foldState(events);
    const want = [renderBoardMd(state.board), renderBoardJson(state.board)];
    const have = [layout.boardMd, layout.boardJson].map((f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null));
    const same = have[0] === want[0] && have[1] === want[1];
    const missing = have[0] === null && have[1] === null && state.board.tasks.length === 0;
    add(
      same || missing,
      'board',
      same || missing
        ? `matches a rebuild from the log (${count(state.board.tasks.length, 'task')})`
        : 'board/BOARD.md or board/board.json differs from a rebuild from the log; they are derived: delete them and (re)start the daemon to render them again',
    );
    if (config) {
      const status = orgStatus(layout, config, events, state, Date.now());
      add(
        status.daemon.running,
        'daemon',
        status.daemon.running
          ? `running, pid ${status.daemon.pid}`
          : `no daemon is running on this org: nothing is delivered until \`mailroom start${r}\` runs`,
      );
      add(
        status.stuck.length === 0,
        'unread mail',
        status.stuck.length
          ? `${status.stuck.length} message(s) unread past stuck_after: ${status.stuck.map((u) => `${u.file} (${formatDuration(u.age_ms)})`).join(', ')}; check the agents that should read them`
          : 'nothing unread past stuck_after',
      );
      add(
        status.daemon.running || status.spool === 0,
        'spool',
        status.spool === 0
          ? 'empty'
          : `${count(status.spool, 'file')} in bus/spool/ wait for a daemon: run \`mailroom start${r}\``,
      );
      const queued = checkQueuedNames(layout, [...Object.keys(config.agents), OPERATOR]);
      add(
        queued.length === 0,
        'queued names',
        queued.length ? queued.join('; ') : 'every queued file name is canonical',
      );
      const need = Object.keys(config.agents).length * 2 + 16;
      try {
        const limit = Number(fs.readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8'));
        add(
          limit >= need,
          'inotify',
          limit >= need
            ? `max_user_watches ${limit} (needs about ${need})`
            : `max_user_watches is ${limit}, the daemon needs about ${need}: raise it with \`sysctl fs.inotify.max_user_watches=524288\` (without it the daemon falls back to scans only)`,
        );
      } catch {
        /* not Linux: nothing to say */
      }
      if (config.bridge) {
        const p = await probe(layout, config.bridge);
        add(
          p.problem === null,
          'bridge',
          p.problem ?? `connected to ${config.bridge.url}; stream ${config.bridge.org} there, inbound lag ${p.lag}`,
        );
        const out = outgoing(state, Date.now());
        if (out.waiting)
          add(
            p.problem === null && status.daemon.running,
            'bridge',
            `${count(out.waiting, 'message')} waiting for the bridge (${Object.keys(out.by_org).join(', ')})${p.problem === null && status.daemon.running ? '; the daemon is sending them' : ': they go once the daemon runs and the server is reachable'}`,
          );
      }
      findings.push(...governanceFindings(state.governance, state.board, config, Date.now(), r));
      if (status.deadletter)
        add(
          true,
          'dead letters',
          `${count(status.deadletter, 'rejected file')} kept in bus/deadletter/ with their reasons (\`mailroom log${r} --type message.rejected\`)`,
        );
    }
  }

  const problems = findings.filter((f) => !f.ok);
  if (values.json) printJson({ ok: problems.length === 0, findings });
  else {
    print(findings.map((f) => escapeLine(`${f.ok ? 'ok     ' : 'PROBLEM'} ${f.check}: ${f.detail}`)).join('\n'));
    print(problems.length ? `\n${problems.length} problem(s) found.` : '\nall well.');
  }
  return problems.length ? EXIT.problem : EXIT.ok;
}
