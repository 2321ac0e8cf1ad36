/**
 * Dependencies point one way: the pure core (bus/ outside bus/store/, board/, runtime/decide,
 * runtime/state, runtime/lanes) does no I/O, and nothing below runtime/ reaches up into it.
 * Read from the import lines of every source file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const IO_MODULES = [
  'node:fs',
  'node:fs/promises',
  'fs',
  'fs/promises',
  'node:child_process',
  'child_process',
  'node:net',
  'node:http',
];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** The modules a file imports, resolved to repo-relative paths for relative specifiers. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(REPO, file), 'utf8');
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm),
    ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g),
  ].map((m) => m[1]!);
  return specs.map((s) => (s.startsWith('.') ? path.relative(REPO, path.resolve(REPO, path.dirname(file), s)) : s));
}

interface Rule {
  readonly files: (f: string) => boolean;
  readonly forbidden: (imp: string) => boolean;
  readonly says: string;
}

const under = (dir: string) => (f: string) => f.startsWith(`${dir}/`);
const RULES: Rule[] = [
  {
    files: (f) => under('bus')(f) && !under('bus/store')(f),
    forbidden: (i) => IO_MODULES.includes(i) || under('runtime')(i) || under('workspaces')(i) || under('bus/store')(i),
    says: 'the pure bus does no I/O and imports neither runtime/, workspaces/ nor bus/store/',
  },
  { files: under('bus/store'), forbidden: under('runtime'), says: 'the bus store does not import runtime/' },
  {
    files: under('board'),
    forbidden: (i) => IO_MODULES.includes(i) || under('runtime')(i) || under('workspaces')(i) || under('bus/store')(i),
    says: 'the board is a pure fold: no I/O, no runtime/, no workspaces/',
  },
  { files: under('workspaces'), forbidden: under('runtime'), says: 'workspaces/ does not import runtime/' },
  {
    files: (f) => ['runtime/decide', 'runtime/state', 'runtime/lanes'].some((d) => under(d)(f)),
    forbidden: (i) =>
      IO_MODULES.includes(i) || under('runtime/daemon')(i) || under('runtime/runs')(i) || under('runtime/cli')(i),
    says: 'decisions and folds are pure: no I/O, nothing of the daemon, runner or CLI',
  },
];

describe('architecture: imports point one way', () => {
  const files = ['bus', 'board', 'workspaces', 'runtime'].flatMap(sources);
  it('finds the sources', () => expect(files.length).toBeGreaterThan(30));
  for (const rule of RULES) {
    it(rule.says, () => {
      const wrong = files.filter(rule.files).flatMap((f) =>
        importsOf(f)
          .filter(rule.forbidden)
          .map((i) => `${f} imports ${i}`),
      );
      expect(wrong).toEqual([]);
    });
  }
  it('the rules catch a wrong direction (the checker itself works)', () => {
    expect(RULES[0]!.forbidden('node:fs')).toBe(true);
    expect(RULES[2]!.forbidden('runtime/config/config.js')).toBe(true);
    expect(importsOf('board/render.ts')).toContain('bus/time.js');
  });
});
