/**
 * Outside review: a jailed handler replaced its own `drafts/` with a link to a folder outside its
 * workspace (it may write a link to any path, seen or not). The next `mailroom compose --from
 * <agent>` a person ran wrote the draft, and whatever the person typed, through that link:
 * outside the org, as the person's uid. compose must refuse the link, say how to fix it, and
 * write nothing anywhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { requireBwrap, skipJail } from '../../support/jail.js';
import { makeOrg, message } from '../../support/org.js';

const ATTACK = String.raw`
import os, shutil, sys
shutil.rmtree('drafts', ignore_errors=True)
os.symlink(sys.argv[1], 'drafts')
`;

describe.skipIf(skipJail)('a jailed handler turning its drafts/ into a link', () => {
  it('never makes `mailroom compose` write outside the workspace', async () => {
    requireBwrap();
    const o = makeOrg(['boss', 'evil']);
    const outside = path.join(o.tmp, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(o.p('workspaces', 'evil', 'attack.py'), ATTACK);
    fs.writeFileSync(
      o.p('mailroom.yaml'),
      `agents:\n  boss: {}\n  evil: { command: "python3 ./attack.py ${outside}", max_attempts: 1 }\ngroups: {}\n`,
    );
    await o.start();
    o.drop('boss', 'go.md', message({ to: 'evil', subject: 'go' }));
    const end = await waitFor(
      () => o.events().find((e) => e.type === 'handler.succeeded' || e.type === 'handler.failed'),
      'the attack run',
    );
    expect(end.type, JSON.stringify(end)).toBe('handler.succeeded');
    expect(fs.lstatSync(o.p('workspaces', 'evil', 'drafts')).isSymbolicLink()).toBe(true);

    // A person composes as evil; the editor writes a body.
    const editor = path.join(o.tmp, 'editor.sh');
    fs.writeFileSync(editor, '#!/bin/sh\nprintf "typed by a person\\n" >> "$1"\n', { mode: 0o755 });
    const r = mailroom(['compose', '--root', o.root, '--from', 'evil', '--to', 'boss', '--subject', 'hi'], {
      env: { EDITOR: editor },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/drafts cannot be used for a draft: .*symbolic link/);
    expect(r.stderr).toContain('rm ');
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(o.ls('workspaces', 'evil', 'outbox').filter((n) => !n.startsWith('.'))).toEqual([]);
  });
});
