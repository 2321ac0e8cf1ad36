import fs from 'node:fs';
import path from 'node:path';
import { Layout } from '../../workspaces/layout.js';
import { ensureOrgDirs } from '../../workspaces/create.js';
import { emptyBoard } from '../../board/fold.js';
import { renderBrief } from '../../board/brief.js';
import { initialConfigText, parseConfigText } from '../config/config.js';
import { writeSchemaFile, SCHEMA_LINE } from '../config/schema-file.js';
import { recordVersion } from '../config/history.js';
import { EXIT, Problem, UsageError, parse, print } from './common.js';

export const usage = `mailroom init <dir> --agents a,b,c

Create an org: <dir>/mailroom.yaml (agents as a map keyed by name), a workspace per agent
(inbox/ outbox/ done/ sent/ drafts/, BRIEF.md), the operator's mailbox, bus/ and board/. mailroom.yaml
starts with a yaml-language-server line naming .mailroom/mailroom.schema.json (written too),
so editors complete and check it.
Refuses to touch a directory that already holds a mailroom.yaml, to make an org inside
another org (it names that org's root), and an agent named twice.`;

/** The nearest ancestor of `dir` (itself included) that holds a mailroom.yaml, or null. */
function enclosingOrg(dir: string): string | null {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'mailroom.yaml'))) return d;
    if (path.dirname(d) === d) return null;
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { agents: { type: 'string' } }, usage, true);
  if (values.help) return (print(usage), EXIT.ok);
  if (positionals.length !== 1) throw new UsageError(`init takes one directory\n\n${usage}`);
  const agents = String(values.agents ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (agents.length === 0) throw new UsageError(`--agents is required, e.g. --agents maya,oliver,legal\n\n${usage}`);
  const twice = agents.filter((a, i) => agents.indexOf(a) !== i);
  if (twice.length)
    throw new UsageError(`--agents names ${[...new Set(twice)].join(', ')} twice; each agent is named once`);
  const layout = new Layout(positionals[0]!);
  if (fs.existsSync(layout.config))
    throw new Problem(`${layout.config} already exists; mailroom init never overwrites an org`);
  const outer = enclosingOrg(path.dirname(layout.root));
  if (outer) {
    throw new Problem(
      `${layout.root} is inside the org ${outer} (its mailroom.yaml is ${path.join(outer, 'mailroom.yaml')}); an org is never made inside another. Add agents to that org with \`mailroom config set agents.<name> {} --root ${outer}\`, or choose a directory outside it.`,
    );
  }
  const text = SCHEMA_LINE + initialConfigText(agents);
  parseConfigText(text, layout.config); // the same checks as start-up: bad names are refused here
  fs.mkdirSync(layout.root, { recursive: true });
  fs.writeFileSync(layout.config, text, { flag: 'wx' });
  ensureOrgDirs(layout, agents);
  // Each BRIEF.md as the daemon renders it for a board with no task yet: its first start finds them written.
  const [board, facts] = [emptyBoard(), { held: {}, parent: {} }];
  for (const a of agents) fs.writeFileSync(layout.brief(a), renderBrief(board, a, facts), { flag: 'wx', mode: 0o600 });
  writeSchemaFile(layout);
  recordVersion(layout, text, 'init', `mailroom init --agents ${agents.join(',')}`);
  print(`created org ${layout.root} with agents: ${agents.join(', ')}
next:
  mailroom start --root ${positionals[0]}
  mailroom send --root ${positionals[0]} --from ${agents[0]} --to ${agents[1] ?? agents[0]} --subject "Hello" <<< "First message"`);
  return EXIT.ok;
}
