/**
 * Names of delivered inbox files: `<rank>-<priority>-<utc time>-<id>-<slug>.md`.
 * `ls inbox/` therefore lists the most urgent mail first and, within a priority, the oldest
 * first. The glob and the regular expression that recognise these names are derived from the
 * priority enum, and `selfCheckNames()` proves at start-up that every name we can generate is
 * matched by our own patterns and by none of the ignore patterns.
 */
import { createHash, randomBytes } from 'node:crypto';
import micromatch from 'micromatch';
import { PRIORITIES, rankOf, type Priority } from './priority.js';

const ID_LENGTH = 12;
const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
export const ID_PATTERN = `[0-9a-z]{${ID_LENGTH}}`;

/** A fresh random message id (12 characters of [0-9a-z]). */
export function newId(): string {
  const bytes = randomBytes(ID_LENGTH);
  let id = '';
  for (const b of bytes) id += ID_ALPHABET[b % ID_ALPHABET.length];
  return id;
}

/** An id derived from another (the bounce of a message, the alert about a copy), so a repeat finds the same name. */
export function derivedId(kind: string, ...parts: string[]): string {
  const digest = createHash('sha256')
    .update([kind, ...parts].join('\0'))
    .digest();
  let id = '';
  for (let i = 0; i < ID_LENGTH; i++) id += ID_ALPHABET[digest[i]! % ID_ALPHABET.length];
  return id;
}

export function isId(value: string): boolean {
  return new RegExp(`^${ID_PATTERN}$`).test(value);
}

/** `2026-11-24T00:07:46.123Z` -> `20261124T000746.123Z` */
export function fileTime(iso: string): string {
  return iso.replace(/[-:]/g, '');
}

/** `s` cut to at most `max` bytes of UTF-8, never inside a character (file names have at most 255 bytes). */
export function cutToBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}

export function slugOf(subject: string | undefined): string {
  const slug = (subject ?? '')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents off (é -> e), not a word break
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return slug || 'message';
}

export interface NameParts {
  priority: Priority;
  sent: string; // ISO time
  id: string;
  subject?: string;
}

export function inboxName(parts: NameParts): string {
  return `${rankOf(parts.priority)}-${parts.priority}-${fileTime(parts.sent)}-${parts.id}-${slugOf(parts.subject)}.md`;
}

const PRIORITY_ALTERNATIVES = PRIORITIES.map((p) => `${rankOf(p)}-${p}`);

/** The glob the scanner uses for delivered files. */
export const INBOX_GLOB = `{${PRIORITY_ALTERNATIVES.join(',')}}-*.md`;

const NAME_RE = new RegExp(
  `^(${PRIORITY_ALTERNATIVES.join('|')})-(\\d{8}T\\d{6}\\.\\d{3}Z)-(${ID_PATTERN})-([a-z0-9-]+)\\.md$`,
);

export interface ParsedName {
  priority: Priority;
  sent: string;
  id: string;
  slug: string;
}

/** Parse a delivered file's name, or null when it is not one of ours. */
export function parseInboxName(name: string): ParsedName | null {
  const m = NAME_RE.exec(name);
  if (!m) return null;
  const priority = m[1]!.slice(2) as Priority;
  const t = m[2]!;
  const sent = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13)}`;
  return { priority, sent, id: m[3]!, slug: m[4]! };
}

/**
 * Entries of watched directories that are never mail: what editors, office suites, sync tools
 * and downloaders leave beside the file being written. One list, documented in the README
 * ("Ignored names"); the daemon's watcher, its scans and `mailroom status` all ask `isIgnoredName`.
 */
export const IGNORED_NAMES = [
  ['.*', 'dotfiles: our own staging, `mailroom send` temp files, emacs `.#x` locks, vim `.x.swp`'],
  ['*~', 'backups (emacs, vim, gedit)'],
  ['#*#', 'emacs auto-save'],
  ['*.swp', 'vim swap'],
  ['*.swx', 'vim swap'],
  ['4913', "vim's probe of a directory"],
  ['*.tmp', 'temp files'],
  ['*.save', "nano's save on hang-up (an unfinished draft)"],
  ['*.save.[0-9]*', "nano's save on hang-up when name.save exists"],
  ['*.part', 'partial downloads (Firefox, curl, rsync --partial-dir)'],
  ['*.crdownload', 'partial downloads (Chrome)'],
  ['.~lock.*#', 'LibreOffice locks'],
  ['~$*', 'Microsoft Office owner files'],
  ['.syncthing.*', 'Syncthing temp files'],
  ['*.kate-swp', 'Kate swap'],
  ['.DS_Store', 'macOS folder settings'],
  ['._*', 'macOS resource forks'],
] as const;

export const IGNORE_GLOBS: readonly string[] = IGNORED_NAMES.map(([glob]) => glob);

/** Compiled once: the watcher asks for every entry of every re-read directory, so compiling per call showed in profiles. */
const IGNORE_MATCHERS = IGNORE_GLOBS.map((g) => micromatch.matcher(g, { dot: true }));

export function isIgnoredName(name: string): boolean {
  return IGNORE_MATCHERS.some((m) => m(name));
}

/**
 * Start-up self-check: every name we can generate (each priority, awkward subjects) must be
 * matched by our own glob and regular expression and by no ignore pattern. Returns problems.
 */
export function selfCheckNames(sampleTime: string): string[] {
  const problems: string[] = [];
  const subjects = [undefined, '', 'Review the operator agreement', '~~~', '.hidden', 'x'.repeat(300), 'Ünïcødé ✓'];
  for (const priority of PRIORITIES) {
    for (const subject of subjects) {
      const name = inboxName({ priority, sent: sampleTime, id: derivedId('self-check', priority), subject });
      if (!micromatch.isMatch(name, INBOX_GLOB))
        problems.push(`generated name ${name} is not matched by the inbox glob ${INBOX_GLOB}`);
      const parsed = parseInboxName(name);
      if (!parsed || parsed.priority !== priority)
        problems.push(`generated name ${name} is not recognised as a ${priority} message`);
      if (isIgnoredName(name))
        problems.push(`generated name ${name} is matched by an ignore pattern (${IGNORE_GLOBS.join(' ')})`);
    }
  }
  return problems;
}

/**
 * File names that are not UTF-8. A file in an outbox is taken by its raw bytes; inside the
 * daemon its name travels as a candidate string that no real name can be (it starts with NUL),
 * and in events, dead letters and messages to people it is shown escaped (`\xNN` per byte that
 * is not part of a valid UTF-8 character, `\\` for a backslash).
 */
const RAW_MARK = '\0';

/** Is `name` valid UTF-8 (so the string form of it names the same file)? */
export function isUtf8Name(name: Uint8Array): boolean {
  return Buffer.from(Buffer.from(name).toString('utf8')).equals(name);
}

/** A candidate name for raw bytes that are not UTF-8 (valid UTF-8 stays as it is). */
export function rawCandidate(name: Buffer): string {
  return isUtf8Name(name) ? name.toString('utf8') : RAW_MARK + name.toString('hex');
}

/** The raw bytes of a candidate made by rawCandidate, or null for an ordinary name. */
export function candidateBytes(name: string): Buffer | null {
  return name.startsWith(RAW_MARK) ? Buffer.from(name.slice(1), 'hex') : null;
}

/** A name (raw bytes) as text for events and people: valid UTF-8 characters kept, any other byte as `\xNN`. */
export function escapeRawName(name: Buffer): string {
  if (isUtf8Name(name)) return name.toString('utf8');
  let out = '';
  let i = 0;
  while (i < name.length) {
    const len = utf8Length(name, i);
    if (len > 0) {
      const ch = name.subarray(i, i + len).toString('utf8');
      out += ch === '\\' ? '\\\\' : ch;
      i += len;
    } else {
      out += `\\x${name[i]!.toString(16).padStart(2, '0')}`;
      i += 1;
    }
  }
  return out;
}

/** The length of the valid UTF-8 character at `i`, or 0. */
function utf8Length(b: Buffer, i: number): number {
  const c = b[i]!;
  const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (len <= 1 || i + len > b.length) return len === 1 ? 1 : 0;
  const s = b.subarray(i, i + len);
  return isUtf8Name(s) ? len : 0;
}
