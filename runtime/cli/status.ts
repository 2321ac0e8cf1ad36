import { escapeLine } from '../../bus/escape.js';
import { formatDuration } from '../../bus/time.js';
import { loadConfigOrLastGood, loadState, orgStatus, type OrgStatus } from '../views/inspect.js';
import { outgoing } from '../bridge/pending.js';
import { probe, renderBridge } from '../bridge/view.js';
import { EXIT, findRoot, parse, print, printJson, rootArg } from './common.js';

export const usage = `mailroom status [--root <dir>] [--json]

The org at a glance: is the daemon running, each agent's unread inbox and waiting outbox, the
oldest unread message, mail unread past stuck_after, the spool, dead letters, tasks by status,
each lane (running, queued, limit, cooling down until) and each message waiting for a handler
run with how long it waited and how many runs are ahead of it. With bridge: configured, the
bridge: the server reachable or not, the inbound lag, and outgoing mail waiting for the bridge.`;

/** The daemon, events, tasks, the config version, and handlers without a jail. */
function headerLines(s: OrgStatus, r: string): string[] {
  const lines: string[] = [];
  lines.push(`org ${s.root}`);
  lines.push(
    `daemon: ${s.daemon.running ? `running (pid ${s.daemon.pid})` : `NOT RUNNING: start it with \`mailroom start${r}\``}`,
  );
  lines.push(
    `events: ${s.events.count} (last ${s.events.last_time ?? 'never'})   spool: ${s.spool}   dead letters: ${s.deadletter}`,
  );
  const tasks = Object.entries(s.tasks)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  lines.push(`tasks: ${tasks || 'none'}`);
  lines.push(`config: version ${s.config.version ?? '(none recorded)'}`);
  if (s.config.invalid) {
    lines.push(
      `CONFIG EDIT REFUSED: mailroom.yaml is not valid, so the daemon keeps running on version ${s.config.version}:`,
    );
    for (const p of s.config.invalid) lines.push(`  - ${p}`);
  }
  for (const p of s.governance.paused)
    lines.push(`PAUSED: ${p.agent} since ${p.since}: ${p.detail}; \`mailroom resume ${p.agent}\` lets it go on`);
  if (s.governance.held.length)
    lines.push(
      `held for approval: ${s.governance.held.length} (${s.governance.held.slice(0, 5).join(', ')}${s.governance.held.length > 5 ? ', ...' : ''}); see \`mailroom audit\``,
    );
  const unjailed = s.handlers.filter((h) => !h.jailed && !h.note.startsWith('REFUSED'));
  if (unjailed.length) lines.push(`UNJAILED HANDLERS: ${unjailed.map((h) => `${h.agent} (${h.note})`).join(', ')}`);
  const refused = s.handlers.filter((h) => h.note.startsWith('REFUSED'));
  if (refused.length)
    lines.push(
      `HANDLERS THAT WILL NOT RUN (no jail): ${refused.map((h) => h.agent).join(', ')}: ${refused[0]!.note.replace(/^REFUSED: /, '')}`,
    );
  return lines;
}

/** The table of agents, then the table of lanes when there are any. */
function agentAndLaneLines(s: OrgStatus): string[] {
  const lines: string[] = [];
  const w = Math.max(5, ...s.agents.map((a) => a.name.length));
  lines.push(`${'agent'.padEnd(w)}  inbox  outbox  oldest unread`);
  for (const a of s.agents) {
    const oldest = a.oldest ? `${formatDuration(a.oldest.age_ms)} (${a.oldest.priority}, ${a.oldest.id})` : '-';
    lines.push(`${a.name.padEnd(w)}  ${String(a.inbox).padStart(5)}  ${String(a.outbox).padStart(6)}  ${oldest}`);
  }
  if (s.lanes.length) {
    lines.push('', 'lane          running  queued  limit                 cooling down until');
    for (const l of s.lanes) {
      const limit = `${l.concurrency} at once${l.per_minute !== null ? `, ${l.per_minute}/min` : ''}`;
      lines.push(
        `${l.name.padEnd(12)}  ${String(l.running.length).padStart(7)}  ${String(l.queued).padStart(6)}  ${limit.padEnd(20)}  ${l.cooling_until ?? '-'}`,
      );
    }
  }
  return lines;
}

/** Messages waiting for a handler run, then mail unread past stuck_after. */
function waitingAndStuckLines(s: OrgStatus): string[] {
  const lines: string[] = [];
  if (s.waiting.length) {
    lines.push('', `waiting for a handler run (${s.waiting.length}):`);
    for (const w of s.waiting.slice(0, 50)) {
      lines.push(
        `  ${w.warning ? 'WARNING ' : ''}${w.id} ${w.agent} [${w.priority}] waited ${formatDuration(w.waited_ms)}, queue ahead ${w.queue_ahead}: ${w.why}`,
      );
    }
    if (s.waiting.length > 50) lines.push(`  ... and ${s.waiting.length - 50} more (--json lists all)`);
  }
  if (s.stuck.length) {
    lines.push('', `STUCK: ${s.stuck_total} message(s) unread past stuck_after:`);
    for (const b of s.backlogs)
      lines.push(
        `  ${b.agent} [${b.priority}]: ${b.count}, the oldest unread ${formatDuration(b.ageMs)}${b.alerted ? ' (operator alerted)' : ''}`,
      );
    for (const u of s.stuck) lines.push(`  ${u.agent}: ${u.file} (${u.priority}, unread ${formatDuration(u.age_ms)})`);
    if (s.stuck_total > s.stuck.length)
      lines.push(`  ... and ${s.stuck_total - s.stuck.length} more (the oldest ${s.stuck.length} are listed)`);
  }
  return lines;
}

export function renderStatus(s: OrgStatus, r = ''): string {
  const lines = [...headerLines(s, r), '', ...agentAndLaneLines(s), ...waitingAndStuckLines(s)];
  return lines.map(escapeLine).join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { root: { type: 'string' }, json: { type: 'boolean' } }, usage);
  if (values.help) return (print(usage), EXIT.ok);
  const layout = findRoot(values.root as string | undefined);
  const { config, status: configStatus } = loadConfigOrLastGood(layout);
  const state = await loadState(layout, config.threadTtl);
  const status = orgStatus(layout, config, state, Date.now(), configStatus);
  const b = config.bridge;
  const bridge = b
    ? {
        org: b.org,
        url: b.url,
        peers: b.peers,
        outgoing: outgoing(state, Date.now()),
        server: await probe(layout, b, 1500),
      }
    : null;
  if (values.json) printJson({ ...status, bridge });
  else
    print(
      [
        renderStatus(status, rootArg(values.root)),
        ...(b && bridge ? ['', ...renderBridge(b, bridge.outgoing, bridge.server)] : []),
      ].join('\n'),
    );
  return EXIT.ok;
}
