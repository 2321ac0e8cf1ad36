/**
 * YAML documents whose maps may not repeat a key, checked in linear time. The `yaml`
 * package's own `uniqueKeys: true` compares each key with every key before it in its map: at
 * 10,000 agents (one map) that was 3.4 s of the daemon's start-up, twice. The rule here is the
 * package's (two scalar keys with the same value), and so is the error: `Map keys must be
 * unique at line L, column C`, in document order among the other errors.
 */
import YAML, { LineCounter, YAMLParseError } from 'yaml';

export type YamlOptions = YAML.ParseOptions & YAML.DocumentOptions & YAML.SchemaOptions & YAML.ToJSOptions;

/** `YAML.parseDocument(text, { ...options, uniqueKeys: true })`, in linear time. */
export function parseDocumentUnique(text: string, options: YamlOptions = {}): YAML.Document.Parsed {
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { ...options, uniqueKeys: false, lineCounter });
  for (const pos of duplicateKeys(doc)) {
    const err = new YAMLParseError([pos, pos + 1], 'DUPLICATE_KEY', 'Map keys must be unique');
    if (options.prettyErrors !== false) pretty(err, text, lineCounter);
    const at = doc.errors.findIndex((e) => e.pos[0] > pos);
    doc.errors.splice(at === -1 ? doc.errors.length : at, 0, err);
  }
  return doc;
}

/** `YAML.parse(text, { ...options, uniqueKeys: true })`, in linear time: throws the first error. */
export function parseUnique(text: string, options: YamlOptions = {}): unknown {
  const doc = parseDocumentUnique(text, options);
  if (doc.errors.length) throw doc.errors[0];
  return doc.toJS(options);
}

/** Where each repeated key starts (its second and later occurrences), in document order. */
function duplicateKeys(doc: YAML.Document): number[] {
  const out: number[] = [];
  YAML.visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key;
        // The package's rule: scalars with one value (===, so NaN never repeats); any other key is unique.
        if (!YAML.isScalar(key) || Number.isNaN(key.value)) continue;
        if (seen.has(key.value)) out.push(key.range?.[0] ?? 0);
        seen.add(key.value);
      }
    },
  });
  return out.sort((a, b) => a - b);
}

/** The package's own error text: ` at line L, column C:` and the line with a caret under the place. */
function pretty(err: YAMLParseError, text: string, lc: LineCounter): void {
  const { line, col } = lc.linePos(err.pos[0]);
  err.linePos = [{ line, col }];
  const lineText = text.slice(lc.lineStarts[line - 1], lc.lineStarts[line] ?? text.length).replace(/[\n\r]+$/, '');
  err.message += ` at line ${line}, column ${col}`;
  if (lineText.length <= 80) err.message += `:\n\n${lineText}\n${' '.repeat(col - 1)}^\n`;
}
