import fs from 'node:fs';
import { Layout } from '../../workspaces/layout.js';
import { ensureOrgDirs } from '../../workspaces/create.js';
import { initialConfigText, parseConfigText } from '../config/config.js';
import { writeSchemaFile, SCHEMA_LINE } from '../config/schema-file.js';
import { recordVersion } from '../config/history.js';
import { EXIT, Problem, UsageError, parse, print } from './common.js';

export const usage = `mailroom init <dir> --agents a,b,c

Create an org: <dir>/mailroom.yaml (agents as a map keyed by name), a workspace per agent
(inbox/ outbox/ done/ sent/), the operator's mailbox, bus/ and board/. mailroom.yaml starts
with a yaml-language-server line naming .mailroom/mailroom.schema.json (written too), so
editors complete and check it.
Refuses to touch a directory that already holds a mailroom.yaml.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { agents: { type: 'string' } }, usage, true);
  if (values.help) return print(usage), EXIT.ok;
  if (positionals.length !== 1) throw new UsageError(`init takes one directory\n\n${usage}`);
  const agents = String(values.agents ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  if (agents.length === 0) throw new UsageError(`--agents is required, e.g. --agents maya,oliver,legal\n\n${usage}`);
  const layout = new Layout(positionals[0]!);
  if (fs.existsSync(layout.config)) throw new Problem(`${layout.config} already exists; mailroom init never overwrites an org`);
  const text = SCHEMA_LINE + initialConfigText([...new Set(agents)]);
  parseConfigText(text, layout.config); // the same checks as start-up: bad names are refused here
  fs.mkdirSync(layout.root, { recursive: true });
  fs.writeFileSync(layout.config, text, { flag: 'wx' });
  ensureOrgDirs(layout, agents);
  writeSchemaFile(layout);
  recordVersion(layout, text, 'init', `mailroom init --agents ${agents.join(',')}`);
  print(`created org ${layout.root} with agents: ${agents.join(', ')}
next:
  mailroom start --root ${positionals[0]}
  mailroom send --root ${positionals[0]} --from ${agents[0]} --to ${agents[1] ?? agents[0]} --subject "Hello" <<< "First message"`);
  return EXIT.ok;
}
