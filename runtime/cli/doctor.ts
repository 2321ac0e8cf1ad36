import { escapeLine } from '../../bus/escape.js';
import { EXIT, findRoot, rootArg, parse, print, printJson } from './common.js';
import {
  checkBoard,
  checkConfig,
  checkEventLog,
  checkFileNames,
  checkHandlers,
  checkOrg,
  checkPrivateDirs,
  checkWorkspaces,
  logWriteFindings,
  type Finding,
} from './doctor-checks.js';

export const usage = `mailroom doctor [--root <dir>] [--json]

Check the org and say how to fix what is wrong. Exit 0 when all is well, 1 when it finds a
problem. Checks: the config, the handler jail (a handler that cannot be jailed and is not
"sandbox: none" is a problem), the daemon, the event log after the newest snapshot (torn or
damaged lines), the board against a rebuild from the snapshot and the log (byte for byte), mail
unread past stuck_after, files waiting in the spool, queued files with non-canonical names, the
inotify watch limit; with bridge:, the connection to the NATS server, this org's stream and
consumer, and outgoing mail waiting.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { root: { type: 'string' }, json: { type: 'boolean' } }, usage);
  if (values.help) return (print(usage), EXIT.ok);
  const layout = findRoot(values.root as string | undefined);
  const r = rootArg(values.root);
  const findings: Finding[] = [];
  const add = (ok: boolean, check: string, detail: string) => findings.push({ ok, check, detail });

  const config = checkConfig(layout, r, add);
  if (config) {
    checkHandlers(layout, config, r, add);
    checkWorkspaces(layout, config, r, add);
    checkPrivateDirs(layout, add);
  }
  checkFileNames(add);

  const state = await checkEventLog(layout, config, r, add);
  for (const f of logWriteFindings(layout)) findings.push(f);

  if (state) {
    checkBoard(layout, config, state, add);
    if (config) await checkOrg(layout, config, state, r, add);
  }

  const problems = findings.filter((f) => !f.ok);
  if (values.json) printJson({ ok: problems.length === 0, findings });
  else {
    print(findings.map((f) => escapeLine(`${f.ok ? 'ok     ' : 'PROBLEM'} ${f.check}: ${f.detail}`)).join('\n'));
    print(problems.length ? `\n${problems.length} problem(s) found.` : '\nall well.');
  }
  return problems.length ? EXIT.problem : EXIT.ok;
}
