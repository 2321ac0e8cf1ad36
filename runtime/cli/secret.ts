import fs from 'node:fs';
import { listSecrets, removeSecret, setSecret, SECRET_NAME_RE } from '../../workspaces/secrets.js';
import { loadConfig } from '../config/config.js';
import { EXIT, Problem, UsageError, findRoot, parse, print, printJson } from './common.js';

export const usage = `mailroom secret set <NAME> [--root <dir>]     read the value from standard input
mailroom secret list [--root <dir>] [--json]   names and who holds them, never values
mailroom secret rm <NAME> [--root <dir>]

Secrets live in .mailroom/secrets/<NAME> (0600, in a 0700 folder), never in mailroom.yaml.
Grant one to an agent with secrets: in its config (agents: { cfo: { secrets: [NAME] } }); its
handler then receives it as the environment variable NAME, and no other handler does.
The value is read from standard input, never from the command line (which other users can
see in ps):
  mailroom secret set ANTHROPIC_API_KEY < key.txt
  printf %s "$TOKEN" | mailroom secret set GATEWAY_TOKEN`;

/** set and rm take a name, never a path. */
function checkName(name: string): void {
  if (!SECRET_NAME_RE.test(name))
    throw new UsageError(
      `secret name ${JSON.stringify(name)}: use capital letters, digits and _, e.g. ANTHROPIC_API_KEY`,
    );
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { root: { type: 'string' }, json: { type: 'boolean' } }, usage, true);
  if (values.help) return (print(usage), EXIT.ok);
  const [verb, name, ...extra] = positionals;
  const layout = findRoot(values.root as string | undefined);
  if (verb === 'set') {
    if (!name || extra.length)
      throw new UsageError(
        `secret set takes one NAME and reads the value from standard input; never put a secret on the command line\n\n${usage}`,
      );
    checkName(name);
    if (process.stdin.isTTY) process.stderr.write(`value for ${name} (end with Ctrl-D): `);
    const value = fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
    if (!value) throw new Problem(`no value on standard input for ${name}; nothing was stored`);
    setSecret(layout, name, value);
    print(`stored ${name} (${value.length} characters) in .mailroom/secrets/${name}`);
    return EXIT.ok;
  }
  if (verb === 'rm') {
    if (!name || extra.length) throw new UsageError(`secret rm takes one NAME\n\n${usage}`);
    checkName(name);
    if (!removeSecret(layout, name)) throw new Problem(`no secret named ${name}; \`mailroom secret list\` shows them`);
    print(`removed ${name}`);
    return EXIT.ok;
  }
  if (verb === 'list') {
    const config = loadConfig(layout.config);
    const stored = listSecrets(layout);
    const granted = new Map<string, string[]>();
    for (const a of Object.values(config.agents))
      for (const s of a.secrets) granted.set(s, [...(granted.get(s) ?? []), a.name]);
    const names = [...new Set([...stored, ...granted.keys()])].sort();
    const rows = names.map((n) => ({ name: n, stored: stored.includes(n), held_by: granted.get(n) ?? [] }));
    if (values.json) return (printJson({ secrets: rows }), EXIT.ok);
    if (!rows.length) return (print('no secrets; store one with `mailroom secret set NAME < file`'), EXIT.ok);
    print(
      rows
        .map(
          (r) =>
            `${r.name.padEnd(28)} ${r.stored ? 'stored ' : 'MISSING'}  held by: ${r.held_by.join(', ') || '(nobody)'}`,
        )
        .join('\n'),
    );
    return EXIT.ok;
  }
  throw new UsageError(`secret takes set, list or rm\n\n${usage}`);
}
