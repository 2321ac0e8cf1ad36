/**
 * What every command shares: option parsing, finding the org root, exit codes, errors.
 * Exit codes: 0 ok (also a clean stop by SIGINT/SIGTERM); 1 a problem found or refused;
 * 2 usage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { escapeBlock, escapeJson } from '../../bus/escape.js';
import { Layout } from '../../workspaces/layout.js';

export const EXIT = Object.freeze({ ok: 0, problem: 1, usage: 2 });

export class UsageError extends Error {
  override name = 'UsageError';
}

/** A refusal or a problem found: printed as it is, exit 1. */
export class Problem extends Error {
  override name = 'Problem';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** `takesPositionals`: the command reads words after its name (init <dir>, show <id>, ...); others refuse them, never ignore them. */
export function parse(argv: string[], options: Options, usage: string, takesPositionals = false): Parsed {
  let r: ReturnType<typeof parseArgs>;
  try {
    r = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // node's own wording for an unknown option is long and about positionals; say it plainly.
    const unknown = e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'([^']+)'/.exec(e.message)?.[1] : undefined;
    throw new UsageError(`${unknown ? `unknown option ${unknown}` : e.message}\n\n${usage}`);
  }
  if (!takesPositionals && r.positionals.length && !r.values.help) {
    const word = r.positionals[0]!;
    const hint =
      options.root && fs.existsSync(path.join(word, 'mailroom.yaml'))
        ? `; to name the org, write --root ${word}`
        : options.body
          ? '; the message body goes in --body "..." or on standard input'
          : '';
    throw new UsageError(`unexpected argument ${JSON.stringify(word)}${hint}\n\n${usage}`);
  }
  return { values: r.values as Parsed['values'], positionals: r.positionals };
}

/** --root, or the nearest ancestor of the working directory holding mailroom.yaml. */
export function findRoot(given: string | undefined): Layout {
  if (given !== undefined) {
    const layout = new Layout(given);
    if (!fs.existsSync(layout.config)) {
      throw new Problem(
        `${layout.config} does not exist; create an org with \`mailroom init ${given} --agents a,b,c\``,
      );
    }
    return layout;
  }
  let dir = process.cwd();
  for (;;) {
    if (fs.existsSync(path.join(dir, 'mailroom.yaml'))) return new Layout(dir);
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Problem(
    'no mailroom.yaml in this directory or any parent; pass --root <dir>, or create an org with `mailroom init <dir> --agents a,b,c`',
  );
}

/** `1 message`, `2 messages` (`plural` for irregular words). */
export function count(n: number, word: string, plural = `${word}s`): string {
  return `${n} ${n === 1 ? word : plural}`;
}

/** ` --root <dir>` as the user gave it, for the commands a hint suggests (empty when it was found by looking up). */
export function rootArg(given: unknown): string {
  return typeof given === 'string' ? ` --root ${/^[\w./-]+$/.test(given) ? given : JSON.stringify(given)}` : '';
}

/** Print a view. Control characters other than LF and TAB are shown escaped (bus/escape.ts); a view escapes its one-line fields itself. */
export function print(text: string): void {
  const safe = escapeBlock(text);
  process.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`);
}

/** print for a text made in pieces (written as they come, the same bytes). */
export function printPieces(pieces: Iterable<string>): void {
  let last = '';
  for (const piece of pieces) {
    if (!piece) continue;
    process.stdout.write(escapeBlock(piece));
    last = piece;
  }
  if (!last.endsWith('\n')) process.stdout.write('\n');
}

/** printJson for JSON text made in pieces (JSON.stringify(value, null, 2) joined). */
export function printJsonPieces(pieces: Iterable<string>): void {
  for (const piece of pieces) process.stdout.write(escapeJson(piece));
  process.stdout.write('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(escapeJson(JSON.stringify(value, null, 2)) + '\n');
}
