/** The checks of `mailroom doctor`, one function per check or section; each adds its findings in order. */
import fs from 'node:fs';
import path from 'node:path';
import { OPERATOR } from '../../bus/vocabulary.js';
import { mailboxProblem } from '../../workspaces/contain.js';
import { segments, LogCorrupt } from '../../bus/store/log.js';
import { selfCheckNames } from '../../bus/names.js';
import { SHOW_ALL } from '../../board/done.js';
import { boardJsonFileChunks, boardMdChunks } from '../../board/render.js';
import { sameAsFile } from './compare-file.js';
import { formatDuration } from '../../bus/time.js';
import { ConfigError, type OrgConfig } from '../config/config.js';
import { boardDone } from '../config/schema.js';
import { loadConfigOrLastGood, loadState, orgStatus } from '../views/inspect.js';
import { jailFor } from '../../workspaces/jail.js';
import { readSecrets } from '../../workspaces/secrets.js';
import type { BusState } from '../state/state.js';
import { checkQueuedNames } from '../daemon/startup.js';
import { freeBytes } from '../daemon/log-pause.js';
import type { Layout } from '../../workspaces/layout.js';
import { governanceFindings } from '../decide/doctor-governance.js';
import { checkBridge } from './doctor-bridge.js';
import { count } from './common.js';

export interface Finding {
  ok: boolean;
  check: string;
  detail: string;
}

export type AddFinding = (ok: boolean, check: string, detail: string) => void;

type OrgStatus = ReturnType<typeof orgStatus>;

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

/** Below this much free space on the org's filesystem the event log may soon fail to be written. */
const LOW_SPACE_BYTES = 16 * 1024 * 1024;

/** Has the daemon paused taking mail because the log could not be written, and is the disk nearly full? */
export function logWriteFindings(layout: Layout): Finding[] {
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

/** The config (or the last good version when the file is not valid); null when none can be loaded. */
export function checkConfig(layout: Layout, r: string, add: AddFinding): OrgConfig | null {
  try {
    const loaded = loadConfigOrLastGood(layout);
    const config = loaded.config;
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
    return config;
  } catch (err) {
    add(false, 'config', err instanceof ConfigError ? err.message : String(err));
    return null;
  }
}

/** Each handler's jail and the secrets it is granted. */
export function checkHandlers(layout: Layout, config: OrgConfig, r: string, add: AddFinding): void {
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
}

/** Every workspace exists, is closed to others, and its mailboxes are real directories. */
export function checkWorkspaces(layout: Layout, config: OrgConfig, r: string, add: AddFinding): void {
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
}

/** The private directory and its secrets are closed to others. */
export function checkPrivateDirs(layout: Layout, add: AddFinding): void {
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

/** The generated inbox names match the daemon's own patterns. */
export function checkFileNames(add: AddFinding): void {
  const names = selfCheckNames(new Date().toISOString());
  add(
    names.length === 0,
    'file names',
    names.length ? names.join('; ') : "every generated inbox name matches the daemon's own patterns",
  );
}

/** The state from the snapshot and the log, and whether the log's last line is torn; null when it cannot be read. */
export async function checkEventLog(
  layout: Layout,
  config: OrgConfig | null,
  r: string,
  add: AddFinding,
): Promise<BusState | null> {
  let state: BusState | null = null;
  try {
    state = await loadState(layout, config?.threadTtl, (t) => add(false, 'snapshots', t));
    const last = segments(layout.events).at(-1);
    const torn = last
      ? lastByte(`${layout.events}/${last}`) !== 0x0a && fs.statSync(`${layout.events}/${last}`).size > 0
      : false;
    add(
      !torn,
      'event log',
      torn
        ? `the last line of bus/events/${last} is torn (a crash mid-write); \`mailroom start${r}\` repairs it and logs the repair`
        : count(state.lastSeq, 'event'),
    );
  } catch (err) {
    add(false, 'event log', err instanceof LogCorrupt ? err.message : String(err));
  }
  return state;
}

/** The rendered board matches a rebuild from the log, byte for byte. */
export function checkBoard(layout: Layout, config: OrgConfig | null, state: BusState, add: AddFinding): void {
  const done = config ? boardDone(config) : SHOW_ALL;
  // Piece by piece, byte for byte (a large board's texts are megabytes each).
  const md = sameAsFile(layout.boardMd, boardMdChunks(state.board, { done }));
  const json = md === false ? false : sameAsFile(layout.boardJson, boardJsonFileChunks(state.board, done));
  const same = md === true && json === true;
  const missing = md === null && json === null && state.board.tasks.length === 0;
  add(
    same || missing,
    'board',
    same || missing
      ? `matches a rebuild from the log (${count(state.board.tasks.length, 'task')})`
      : 'board/BOARD.md or board/board.json differs from a rebuild from the log; they are derived: delete them and (re)start the daemon to render them again',
  );
}

/** The daemon, mail unread past stuck_after, and the spool. */
export function checkDelivery(status: OrgStatus, r: string, add: AddFinding): void {
  add(
    status.daemon.running,
    'daemon',
    status.daemon.running
      ? `running, pid ${status.daemon.pid}`
      : `no daemon is running on this org: nothing is delivered until \`mailroom start${r}\` runs`,
  );
  add(
    status.stuck_total === 0,
    'unread mail',
    status.stuck.length
      ? `${status.stuck_total} message(s) unread past stuck_after: ${status.stuck.map((u) => `${u.file} (${formatDuration(u.age_ms)})`).join(', ')}; check the agents that should read them`
      : 'nothing unread past stuck_after',
  );
  add(
    status.daemon.running || status.spool === 0,
    'spool',
    status.spool === 0
      ? 'empty'
      : status.daemon.running
        ? `${count(status.spool, 'file')} in bus/spool/, ${status.spool_paused ? `${status.spool_paused} of them waiting for their sender's resume (paused: \`mailroom status\`; \`mailroom resume <agent>\`), the rest ` : ''}being delivered by the running daemon (\`ls bus/spool/\`; \`mailroom why <id>\` for one)`
        : `${count(status.spool, 'file')} in bus/spool/ waiting for a daemon: run \`mailroom start${r}\``,
  );
}

/** Queued files carry canonical names. */
export function checkQueuedNamesFinding(layout: Layout, config: OrgConfig, add: AddFinding): void {
  const queued = checkQueuedNames(layout, [...Object.keys(config.agents), OPERATOR]);
  add(queued.length === 0, 'queued names', queued.length ? queued.join('; ') : 'every queued file name is canonical');
}

/** The inotify watch limit is enough for the org (Linux only; elsewhere nothing is said). */
export function checkInotify(config: OrgConfig, add: AddFinding): void {
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
}

/** Everything that needs both the config and the state: the daemon, the spool, names, inotify, the bridge, dead letters. */
export async function checkOrg(
  layout: Layout,
  config: OrgConfig,
  state: BusState,
  r: string,
  add: AddFinding,
): Promise<void> {
  const status = orgStatus(layout, config, state, Date.now());
  checkDelivery(status, r, add);
  checkQueuedNamesFinding(layout, config, add);
  checkInotify(config, add);
  await checkBridge(layout, config, state, status, add);
  for (const f of governanceFindings(state.governance, state.board, config, Date.now(), r))
    add(f.ok, f.check, f.detail);
  if (status.deadletter)
    add(
      true,
      'dead letters',
      `${count(status.deadletter, 'rejected file')} kept in bus/deadletter/ with their reasons (\`mailroom log${r} --type message.rejected\`)`,
    );
}
