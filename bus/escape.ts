/**
 * Escaping for output. Every string the daemon or the CLI prints may hold bytes from a
 * message or a file name, which are hostile (DESIGN.md, trust boundaries): an ESC sequence
 * clears or rewrites the terminal, a CR or LF forges a log line, a bidi override reorders what
 * the reader sees. One function decides how each such character is shown:
 *   - C0 controls, DEL and the C1 controls (0x80-0x9f, which some terminals read as ESC [)
 *     become `\n`, `\r`, `\t`, `\e` or `\xHH`;
 *   - line and paragraph separators and bidi controls become `\u{HHHH}`.
 * `escapeLine` keeps a value on one line (log lines, headers, one-line views); `escapeBlock`
 * keeps LF and TAB, for a multi-line text whose own lines the printer wrote. Backslashes are
 * left as they are: the output is for people, not for parsing (--json is for parsing).
 */

// C0 (but not what `keep` allows), DEL, C1, U+2028/2029, bidi embeddings/overrides/isolates, LRM/RLM/ALM.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function show(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** One line: every control character, LF and TAB included, shown escaped. */
export function escapeLine(text: string): string {
  return text.replace(UNSAFE, show);
}

/** A block of lines: LF and TAB kept, every other control character shown escaped. */
export function escapeBlock(text: string): string {
  return text.replace(UNSAFE, (ch) => (ch === '\n' || ch === '\t' ? ch : show(ch)));
}

// What JSON.stringify leaves raw inside strings (it escapes C0 itself; a raw C0 in its output is layout whitespace).
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON text (from JSON.stringify) with DEL, C1, separators and bidi controls escaped as \uHHHH: still valid JSON, same value. */
export function escapeJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
