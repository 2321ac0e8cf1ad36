import fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import writeFileAtomic from 'write-file-atomic';
import { formatDuration } from '../../bus/time.js';
import { ConfigError, parseConfigText, type OrgConfig } from '../config/config.js';
import { diffConfigs } from '../config/diff.js';
import { EditError, mergePatch, setValue, toJS } from '../config/edit.js';
import { cliAuthor, listVersions, recordVersion, sha256, versionText } from '../config/history.js';
import { configJsonSchema } from '../config/json-schema.js';
import { EXIT, Problem, UsageError, findRoot, parse, print, printJson, rootArg } from './common.js';
import { followConfig, type Applied } from './config-wait.js';
import { runningDaemon } from '../daemon/lock.js';
import type { Layout } from '../../workspaces/layout.js';

export const usage = `mailroom config <command> [--root <dir>]

  history [--json]              every accepted version: number, time, author, summary
  show <n>                      the text of version n
  diff <a> <b>                  what changed from version a to version b
  set <path> <value> [--yes]    set one value, e.g. config set agents.cfo.lane deepseek
                                (value in YAML: 3, text, [a, b], { concurrency: 2 }; null removes)
  apply <file> [--yes]          merge a partial mailroom.yaml: maps merge by key, so a patch
                                naming one agent changes only that agent; null removes a key
  apply <file> --replace [--yes]  replace the whole file with <file>
  rollback <n> [--yes]          make version n the current config (as a new version)
  schema                        print a JSON Schema of mailroom.yaml (for editors; no org needed)

A change that removes agents, lanes or groups, takes secret grants away or empties a list is
refused without --yes, and says exactly what would go ("removes 29 of 30 agents: ...").
Comments and key order in mailroom.yaml survive. Every change is checked like a start-up and
versioned in .mailroom/config-history/. set, apply and rollback return when the running daemon
has applied the change (it logs config.changed), so a send right after it is routed by the new
config; exit 1 with a warning if it has not within 10s (or three scan_intervals). With no daemon
running they say so: the change takes effect at the next start.`;

function current(layout: Layout): string {
  return fs.readFileSync(layout.config, 'utf8');
}

function version(layout: Layout, n: string | undefined, r = ''): string {
  const v = Number(n);
  if (!Number.isInteger(v) || v < 1)
    throw new UsageError(`a version is a number from \`mailroom config history${r}\`, got ${JSON.stringify(n)}`);
  const text = versionText(layout, v);
  if (text === null)
    throw new Problem(
      `no config version ${v}; \`mailroom config history${r}\` lists them (1 to ${listVersions(layout).at(-1)?.version ?? 0})`,
    );
  return text;
}

/** Check, refuse destructive changes without --yes, write atomically, version; then wait until it is in force. */
export async function commit(
  layout: Layout,
  before: string,
  after: string,
  yes: boolean,
  how: string,
): Promise<number> {
  let next: OrgConfig;
  try {
    next = parseConfigText(after, layout.config);
  } catch (err) {
    if (err instanceof ConfigError)
      throw new Problem(`refused: the result would not be a valid config, so nothing was changed.\n${err.message}`);
    throw err;
  }
  const diff = diffConfigs(toJS(before), toJS(after));
  const atStart = changedAtStartKeys(toJS(before), toJS(after));
  if (diff.changes.length === 0) {
    print('no change');
    return EXIT.ok;
  }
  if (diff.removals.length && !yes) {
    throw new Problem(
      `refused: this ${how} ${diff.removals.join('; ')}.\nNothing was changed. Run it again with --yes if that is what you mean (every version stays in \`mailroom config history\`).`,
    );
  }
  const follow = followConfig(layout); // before the write: the daemon may apply it at once
  // The version before the edit is kept too, so a rollback can always reach it.
  recordVersion(layout, before, 'hand-edit', 'the config as found before a cli change');
  // Versioned before it is written: a running daemon that sees the new file finds it recorded
  // (by this author) instead of taking it for a hand edit.
  const v = recordVersion(layout, after, cliAuthor(), `${how}: ${diff.summary}`);
  writeFileAtomic.sync(layout.config, after, { mode: 0o600 });
  print(`version ${v.version}: ${diff.summary}`);
  for (const c of diff.changes.slice(0, 40)) print(`  ${c}`);
  if (diff.changes.length > 40) print(`  ... ${diff.changes.length - 40} more`);
  const code = inForce(
    await follow.wait(sha256(after), Math.max(APPLY_WAIT_MS, 3 * next.scanInterval)),
    v.version,
    layout,
  );
  if (atStart.length && runningDaemon(layout) !== null)
    note(
      `${atStart.join(', ')} ${atStart.length > 1 ? 'take' : 'takes'} effect only at the next start: the running daemon keeps the old value until it is restarted`,
    );
  return code;
}

/** Keys a running daemon reads only when it starts (README: "Configuration", "Beyond one machine"). */
const AT_START_KEYS = ['snapshot_every', 'segment_bytes', 'bridge'] as const;

function changedAtStartKeys(before: unknown, after: unknown): string[] {
  const get = (doc: unknown, k: string) =>
    doc && typeof doc === 'object' ? (doc as Record<string, unknown>)[k] : undefined;
  return AT_START_KEYS.filter((k) => !isDeepStrictEqual(get(before, k), get(after, k)));
}

/** How long a config command waits for the running daemon to apply a change (at least three scans). */
const APPLY_WAIT_MS = 10_000;

function note(text: string): void {
  process.stderr.write(`mailroom: ${text}\n`);
}

function inForce(r: Applied, version: number, layout: Layout): number {
  const root = layout.root;
  switch (r.kind) {
    // On stderr: stdout stays what changed (scripts compare it); this is how it went.
    case 'applied':
      note(`in force: the running daemon (pid ${r.pid}) applied version ${version}`);
      return EXIT.ok;
    case 'no daemon':
      note(
        `no daemon is running on ${root}: version ${version} takes effect when one starts (\`mailroom start --root ${root}\`)`,
      );
      return EXIT.ok;
    case 'refused':
      throw new Problem(
        `the running daemon (pid ${r.pid}) refused version ${version} and keeps the previous one:\n  - ${r.problems.join('\n  - ')}`,
      );
    case 'daemon gone':
      throw new Problem(
        `the daemon (pid ${r.pid}) stopped before it applied version ${version}; it takes effect when a daemon starts (\`mailroom start --root ${root}\`)`,
      );
    case 'timeout':
      throw new Problem(
        `warning: version ${version} is written, but the running daemon (pid ${r.pid}) has not applied it after ${formatDuration(r.waitedMs)}, so mail may still be routed by the previous version. \`mailroom status --root ${root}\` shows the version in force; \`mailroom log --root ${root} --type config\` what the daemon did.`,
      );
  }
}

function history(layout: Layout, json: boolean): number {
  const versions = listVersions(layout);
  if (json) return (printJson({ versions }), EXIT.ok);
  if (!versions.length)
    return (print('no versions recorded yet (the daemon records the config at its first start)'), EXIT.ok);
  print(
    versions.map((v) => `${String(v.version).padStart(4)}  ${v.time}  ${v.author.padEnd(14)}  ${v.summary}`).join('\n'),
  );
  return EXIT.ok;
}

function diff(layout: Layout, args: string[], json: boolean, r: string): number {
  if (args.length !== 2) throw new UsageError(`config diff takes two versions\n\n${usage}`);
  const d = diffConfigs(toJS(version(layout, args[0], r)), toJS(version(layout, args[1], r)));
  if (json) return (printJson(d), EXIT.ok);
  print([`${args[0]} -> ${args[1]}: ${d.summary}`, ...d.changes.map((c) => `  ${c}`)].join('\n'));
  return EXIT.ok;
}

async function set(layout: Layout, args: string[], yes: boolean): Promise<number> {
  if (args.length !== 2)
    throw new UsageError(`config set takes a path and a value, e.g. config set agents.cfo.lane deepseek\n\n${usage}`);
  const before = current(layout);
  return await commit(layout, before, setValue(before, args[0]!, args[1]!), yes, `config set ${args[0]}`);
}

async function apply(layout: Layout, args: string[], yes: boolean, replace: boolean): Promise<number> {
  if (args.length !== 1) throw new UsageError(`config apply takes one file\n\n${usage}`);
  let patch: string;
  try {
    patch = fs.readFileSync(args[0]!, 'utf8');
  } catch (err) {
    throw new Problem(`cannot read ${args[0]}: ${(err as Error).message}`);
  }
  const before = current(layout);
  const after = replace ? patch : mergePatch(before, patch);
  return await commit(
    layout,
    before,
    after,
    yes,
    replace ? `config apply --replace ${args[0]}` : `config apply ${args[0]}`,
  );
}

async function rollback(layout: Layout, args: string[], yes: boolean, r: string): Promise<number> {
  if (args.length !== 1) throw new UsageError(`config rollback takes a version\n\n${usage}`);
  return await commit(layout, current(layout), version(layout, args[0], r), yes, `rollback to version ${args[0]}`);
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { root: { type: 'string' }, json: { type: 'boolean' }, yes: { type: 'boolean' }, replace: { type: 'boolean' } },
    usage,
    true,
  );
  if (values.help) return (print(usage), EXIT.ok);
  const [verb, ...args] = positionals;
  if (verb === 'schema') return (printJson(configJsonSchema()), EXIT.ok);
  const layout = findRoot(values.root as string | undefined);
  const yes = values.yes === true;
  const json = values.json === true;
  const r = rootArg(values.root);
  try {
    switch (verb) {
      case 'history':
        return history(layout, json);
      case 'show':
        process.stdout.write(version(layout, args[0], r));
        return EXIT.ok;
      case 'diff':
        return diff(layout, args, json, r);
      case 'set':
        return await set(layout, args, yes);
      case 'apply':
        return await apply(layout, args, yes, values.replace === true);
      case 'rollback':
        return await rollback(layout, args, yes, r);
      default:
        throw new UsageError(`config takes history, show, diff, set, apply, rollback or schema\n\n${usage}`);
    }
  } catch (err) {
    if (err instanceof EditError) throw new Problem(err.message);
    throw err;
  }
}
