/**
 * Front matter: finding it, reading its YAML safely, and writing the stamped one fast.
 *
 *   splitFrontMatter(text) -> the YAML block and the body, by our own strict delimiter rule
 *   readFrontMatter(text)  -> the keys, as a plain object (or a Rejection)
 *   frontMatterText(fm)    -> the stamped front matter, as the yaml package would write it
 *
 * Text is text: line endings CRLF or LF; line 1 is exactly `---`; the block ends at the first
 * later line that is exactly `---` or `...` (YAML's own document end). A `subject:` line is
 * taken verbatim (see `verbatimSubject`): a reply's `Re: x`, `12345` or `#tag` is the subject
 * the writer meant, not YAML syntax.
 *
 * Safety: gray-matter only ever sees YAML through an engine built on the `yaml` package's core
 * schema, and its js/javascript/json engines throw, so nothing is ever evaluated; it is given
 * the block we delimited ourselves, never the raw file. Pure: no I/O, no clock.
 */
import matter from 'gray-matter';
import YAML from 'yaml';
import { Rejection } from './rejection.js';

export const FIX_FORMAT =
  'Start the file with a line `---`, then YAML keys (to:, subject:, priority:, ...), then a line `---`, then the markdown body.';

function throwingEngine(name: string) {
  return () => {
    throw new Rejection(
      `front matter in ${name} is not accepted; mailroom reads YAML only and never evaluates code`,
      FIX_FORMAT,
    );
  };
}

const safeYaml = (text: string): object => {
  // logLevel 'silent': the yaml package would print warnings (quoting the sender's text) to the
  // daemon's stderr; a warning (an unknown tag such as `!shout`) rejects the message instead.
  const doc = YAML.parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true, logLevel: 'silent' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw new Error(problem.message.split('\n')[0]);
  const value = doc.toJS({ maxAliasCount: 20 }) as object | null;
  return value ?? {};
};

const MATTER_OPTIONS = {
  engines: {
    yaml: { parse: safeYaml, stringify: () => '' },
    js: { parse: throwingEngine('JavaScript'), stringify: () => '' },
    javascript: { parse: throwingEngine('JavaScript'), stringify: () => '' },
    json: { parse: throwingEngine('JSON'), stringify: () => '' },
  },
  language: 'yaml',
} as unknown as Parameters<typeof matter>[1];

export interface Split {
  /** The lines between the delimiters, joined with `\n` (a CRLF file's `\r`s removed). */
  frontMatter: string;
  /** Everything after the closing line, byte for byte. */
  body: string;
}

const CLOSING = new Set(['---', '...']);

/** Find the front matter: line 1 is exactly `---`, closed by a later line exactly `---` or `...`. */
export function splitFrontMatter(text: string): Split {
  const lines = text.split('\n');
  const first = lines[0]!.replace(/\r$/, '');
  if (first !== '---') {
    const lang = /^---\s*(\S+)\s*$/.exec(first)?.[1];
    if (lang)
      throw new Rejection(
        `front matter in ${JSON.stringify(lang)} is not accepted; mailroom reads YAML only and never evaluates code`,
        FIX_FORMAT,
      );
    throw new Rejection('the file has no front matter (line 1 must be exactly `---`)', FIX_FORMAT);
  }
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (CLOSING.has(line)) {
      const frontMatter = lines
        .slice(1, i)
        .map((l) => l.replace(/\r$/, ''))
        .join('\n');
      return { frontMatter, body: lines.slice(i + 1).join('\n') };
    }
    if (line.startsWith('---')) {
      throw new Rejection(
        `line ${i + 1} starts with --- but is not exactly ---, so the front matter's end is ambiguous`,
        FIX_FORMAT,
      );
    }
  }
  throw new Rejection('the front matter is never closed (no later line is exactly `---`)', FIX_FORMAT);
}

/** A value YAML reads as one quoted scalar (optionally followed by a comment): `"Q3: numbers"`, `'it''s'`. */
const QUOTED = /^(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')\s*(?:#.*)?$/;
/** A block scalar header (`|`, `>-`, `|2+`): the subject is on the indented lines that follow. */
const BLOCK = /^[|>][-+0-9]*\s*(?:#.*)?$/;
/** Characters a YAML double-quoted scalar must escape that JSON.stringify leaves raw. */
const YAML_UNPRINTABLE = /[\u007f-\u009f\ud800-\udfff\ufffe\uffff]/g;

/**
 * The subject rule: whatever follows `subject:` on its line, trimmed, is the subject, taken
 * verbatim (`Re: the contract`, `12345`, `#tag`, `a # b`), with two exceptions where YAML keeps
 * its meaning: a value that is one quoted scalar (`"Q3: numbers"`, what mailroom itself writes
 * when it stamps) is unquoted as YAML does, and an empty value or a block header (`|`, `>`)
 * leaves the subject to YAML. Applied to top-level `subject:` lines before the YAML is read.
 */
export function verbatimSubject(frontMatter: string): string {
  if (!frontMatter.includes('subject:')) return frontMatter;
  return frontMatter.replace(/^subject:(.*)$/gm, (line, raw: string) => {
    const value = raw.trim();
    if (value === '' || QUOTED.test(value) || BLOCK.test(value)) return line;
    const quoted = JSON.stringify(value).replace(
      YAML_UNPRINTABLE,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    return `subject: ${quoted}`;
  });
}

/** The front matter's keys. Throws a Rejection for YAML that is invalid or not a mapping. */
export function readFrontMatter(split: Split): Record<string, unknown> {
  let data: unknown;
  try {
    // gray-matter only through the safe engines above, always with an options object (no cache),
    // and only on the block delimited above: its own rule (any line starting with ---) never decides.
    data = matter(`---\n${verbatimSubject(split.frontMatter)}\n---\n`, MATTER_OPTIONS).data;
  } catch (err) {
    if (err instanceof Rejection) throw err;
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new Rejection(
      `the front matter is not valid YAML: ${detail}`,
      'Fix the YAML between the two `---` lines (quote values that contain `: ` or ` #`).',
    );
  }
  if (
    data === null ||
    typeof data !== 'object' ||
    Array.isArray(data) ||
    Object.getPrototypeOf(data) !== Object.prototype
  ) {
    throw new Rejection('the front matter must be a YAML mapping of keys (to:, subject:, ...)', FIX_FORMAT);
  }
  return data as Record<string, unknown>;
}

/** Scalars the fast path writes plain: words, digits, spaces and . , - _ ( ) / ' (no YAML indicator), or an ISO time. */
const PLAIN = /^[A-Za-z0-9_](?:[A-Za-z0-9_ .,()/'-]*[A-Za-z0-9_.,()/'])?$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;
/** What the YAML core schema reads as null, a boolean or a number, so it must be quoted to stay text. */
const CORE_WORDS = /^(?:true|false|null|~)$/i;
const NUMBERISH =
  /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
/** Characters JSON.stringify leaves raw but YAML does not allow raw. */
const NOT_PRINTABLE = /[\u007f-\u009f\ud800-\udfff\ufffe\uffff]/;

function scalar(v: unknown): string | null {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v !== 'string' || NOT_PRINTABLE.test(v)) return null;
  if ((PLAIN.test(v) && !CORE_WORDS.test(v) && !NUMBERISH.test(v)) || ISO_TIME.test(v)) return v;
  return JSON.stringify(v); // a JSON string is a valid YAML double-quoted scalar
}

/**
 * The stamped front matter, as `YAML.stringify(fm, { lineWidth: 0 })` writes it, without its
 * cost on the hot path (it was a tenth of the daemon's time in `npm run bench`): scalars and
 * lists of scalars only; anything else goes to the yaml package. The unit tests check that
 * both agree and that the yaml package reads back exactly what was written.
 */
export function frontMatterText(fm: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(fm)) {
    if (Array.isArray(v)) {
      if (v.length === 0) return YAML.stringify(fm, { lineWidth: 0 });
      out += `${k}:\n`;
      for (const item of v) {
        const s = scalar(item);
        if (s === null) return YAML.stringify(fm, { lineWidth: 0 });
        out += `  - ${s}\n`;
      }
      continue;
    }
    const s = scalar(v);
    if (s === null) return YAML.stringify(fm, { lineWidth: 0 });
    out += `${k}: ${s}\n`;
  }
  return out;
}
