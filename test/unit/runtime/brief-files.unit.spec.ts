/**
 * Which BRIEF.md files a render writes (runtime/daemon/brief-files.ts), on a temp org: every
 * agent's at the first render and when the agents change; then a busy brief when its text
 * changed and the idle one of whoever had an open task and has none now; after a render given up
 * midway, whoever it wrote too. A brief already on disk is left alone after a restart, and a link
 * planted as BRIEF.md is replaced, never written through.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { idleBrief } from '../../../board/brief.js';
import { BriefFiles } from '../../../runtime/daemon/brief-files.js';
import type { Logger } from '../../../runtime/logger.js';
import { Layout } from '../../../workspaces/layout.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const AGENTS = ['ann', 'bob', 'cfo'] as const;

function org(): { layout: Layout; warnings: string[]; files: () => BriefFiles } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-briefs-'));
  dirs.push(root);
  const layout = new Layout(root);
  fs.mkdirSync(layout.staging, { recursive: true });
  for (const a of [...AGENTS, 'dan']) fs.mkdirSync(layout.workspace(a), { recursive: true });
  const warnings: string[] = [];
  const logger = { warn: (m: string) => warnings.push(m), info: () => {} } as unknown as Logger;
  return { layout, warnings, files: () => new BriefFiles(layout, logger) };
}

/** One render: `busy` agent -> text, then the idle briefs. */
function render(b: BriefFiles, agents: readonly string[], busy: Record<string, string>): void {
  b.begin(agents);
  for (const [a, t] of Object.entries(busy)) b.busy(a, t);
  for (const _ of b.idle());
}

describe('BRIEF.md files', () => {
  it('writes every brief first, then only what changed', () => {
    const { layout, files } = org();
    const b = files();
    const read = (a: string) => fs.readFileSync(layout.brief(a), 'utf8');
    const ino = (a: string) => fs.statSync(layout.brief(a)).ino;
    const agents = [...AGENTS];
    render(b, agents, { ann: 'ann 1', operator: 'not an agent' });
    expect(AGENTS.map(read)).toEqual(['ann 1', idleBrief('bob'), idleBrief('cfo')]);
    expect(fs.existsSync(path.join(layout.workspace('operator'), 'BRIEF.md'))).toBe(false);
    const before = AGENTS.map(ino);
    render(b, agents, { ann: 'ann 1', bob: 'bob 1' });
    expect(read('bob')).toBe('bob 1');
    expect([ino('ann'), ino('cfo')]).toEqual([before[0], before[2]]); // the same text: not written again
    render(b, agents, { ann: 'ann 2' });
    expect([read('ann'), read('bob')]).toEqual(['ann 2', idleBrief('bob')]); // bob's task closed
    const cfo = ino('cfo');
    render(b, [...agents, 'dan'], { ann: 'ann 2' }); // another list of agents: everyone's looked at
    expect(read('dan')).toBe(idleBrief('dan'));
    expect(ino('cfo')).toBe(cfo);
  });

  it('after a render given up midway, the next one rewrites whoever it wrote', () => {
    const { layout, files } = org();
    const b = files();
    const agents = [...AGENTS];
    render(b, agents, {});
    b.begin(agents);
    b.busy('cfo', 'cfo 1'); // written, then the render is superseded
    b.abandon();
    expect(fs.readFileSync(layout.brief('cfo'), 'utf8')).toBe('cfo 1');
    render(b, agents, {});
    expect(fs.readFileSync(layout.brief('cfo'), 'utf8')).toBe(idleBrief('cfo'));
  });

  it('leaves a brief already on disk alone after a restart, and replaces a link', () => {
    const { layout, files, warnings } = org();
    const agents = [...AGENTS];
    render(files(), agents, { ann: 'ann 1' });
    const ino = fs.statSync(layout.brief('ann')).ino;
    const secret = path.join(layout.root, 'secret.txt');
    fs.writeFileSync(secret, 'secret\n');
    fs.rmSync(layout.brief('bob'));
    fs.symlinkSync(secret, layout.brief('bob'));
    render(files(), agents, { ann: 'ann 1', bob: 'bob 1' }); // a new daemon
    expect(fs.statSync(layout.brief('ann')).ino).toBe(ino);
    expect(fs.lstatSync(layout.brief('bob')).isFile()).toBe(true);
    expect(fs.readFileSync(layout.brief('bob'), 'utf8')).toBe('bob 1');
    expect(fs.readFileSync(secret, 'utf8')).toBe('secret\n');
    expect(warnings).toEqual([]);
  });
});
