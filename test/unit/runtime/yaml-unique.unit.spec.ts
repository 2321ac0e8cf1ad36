import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseDocumentUnique, parseUnique } from '../../../runtime/config/yaml-unique.js';

/** The package's own quadratic check: what parseUnique must agree with. */
function reference(text: string): { value?: unknown; error?: string } {
  try {
    return { value: YAML.parse(text, { schema: 'core', uniqueKeys: true, prettyErrors: true }) };
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] };
  }
}

function ours(text: string): { value?: unknown; error?: string } {
  try {
    return { value: parseUnique(text, { schema: 'core', prettyErrors: true }) };
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] };
  }
}

describe('parseUnique: the yaml package`s unique-key rule in linear time', () => {
  const cases: Array<[string, string]> = [
    ['no repeat', 'agents:\n  maya: {}\n  legal: {}\n'],
    ['a repeated agent', 'agents:\n  maya: {}\n  legal: {}\n  maya: { lane: x }\n'],
    ['a repeated top-level key', 'agents: {}\ngroups: {}\nagents: { a: {} }\n'],
    ['a repeat in a flow map', 'agents: { maya: {}, maya: {} }\n'],
    ['an inner repeat before an outer one', 'a:\n  x: 1\n  x: 2\na: 3\n'],
    ['an outer repeat before an inner one', 'a: 1\na:\n  x: 1\n  x: 2\n'],
    ['keys equal as numbers', '1: a\n1.0: b\n'],
    ['keys equal as null', '~: a\nnull: b\n'],
    ['a quoted and a plain key', '"maya": 1\nmaya: 2\n'],
    ['a syntax error before a repeat', 'a: [1\nb: 1\nb: 2\n'],
    ['a repeat before a syntax error', 'b: 1\nb: 2\na: [1\n'],
    ['same key in two maps', 'a: { x: 1 }\nb: { x: 1 }\n'],
    ['nan keys never repeat', '.nan: 1\n.nan: 2\n'],
    ['aliased map keys', 'a: &k x\n*k : 1\n'],
  ];
  it.each(cases)('%s', (_what, text) => {
    expect(ours(text)).toEqual(reference(text));
  });

  it('keeps the document (comments, order) for edits, with the error at the repeated key', () => {
    const doc = parseDocumentUnique('# org\nagents:\n  maya: {}\n  maya: {}\n', { schema: 'core' });
    expect(doc.errors.map((e) => [e.code, e.linePos?.[0]])).toEqual([['DUPLICATE_KEY', { line: 4, col: 3 }]]);
    const good = parseDocumentUnique('# org\nagents:\n  maya: {} # first\n  legal: {}\n', { schema: 'core' });
    expect(good.toString()).toBe('# org\nagents:\n  maya: {} # first\n  legal: {}\n');
  });
});
