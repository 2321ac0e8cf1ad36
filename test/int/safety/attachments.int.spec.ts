/**
 * Blast radius, attachments: files named relative to the sender's workspace are copied to each
 * recipient's inbox/attachments/<id>/ (and kept in bus/attachments/<id>/); a path that escapes
 * the workspace (`..`, absolute, a symlink out, another agent's file) is rejected with a
 * bounce, kept in the dead letters, and nothing of that message is copied anywhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { org } from '../../support/org.js';
import { eventsOf, waitEvent, waitFor } from '../../support/events.js';
import { fm, inboxFile } from '../../support/mail.js';

/** A message with a YAML list of attachments (quoted, so any path survives). */
function withAttachments(to: string, subject: string, attachments: string[]): string {
  return `---\nto: ${to}\nsubject: ${subject}\nattachments: [${attachments.map((a) => JSON.stringify(a)).join(', ')}]\n---\nSee attached.\n`;
}

describe('attachments', () => {
  it("are copied to every recipient's inbox/attachments/<id>/; escapes are bounced and nothing is copied", async () => {
    const o = org(['maya', 'legal', 'oliver']);
    const ws = o.p('workspaces', 'maya');
    fs.mkdirSync(path.join(ws, 'files'));
    fs.mkdirSync(path.join(ws, 'data'));
    fs.writeFileSync(path.join(ws, 'files', 'report.txt'), 'Q3 report: revenue up\n');
    fs.writeFileSync(path.join(ws, 'data', 'q3.csv'), 'month,revenue\njul,1\n');
    // Things outside maya's workspace that an attachment must never reach.
    fs.writeFileSync(o.p('x'), 'org-root-file\n');
    fs.writeFileSync(path.join(o.tmp, 'outside.txt'), 'outside-the-org\n');
    fs.writeFileSync(o.p('workspaces', 'legal', 'notes.txt'), 'legal-private\n');
    fs.symlinkSync(path.join(o.tmp, 'outside.txt'), path.join(ws, 'files', 'link.txt'));
    fs.symlinkSync(o.p('workspaces', 'legal'), path.join(ws, 'legal-link'));
    await o.start();

    // The good one: to two agents, two files.
    o.drop(
      'maya',
      'good.md',
      withAttachments('[legal, oliver]', 'quarterly numbers', ['files/report.txt', 'data/q3.csv']),
    );
    const ok = await waitEvent(
      o,
      'message.delivered',
      (e) => e.to.includes('legal') && e.to.includes('oliver'),
      'delivery of the good message',
    );
    const id = ok.id as string;
    for (const r of ['legal', 'oliver']) {
      const name = await waitFor(() => inboxFile(o, r, 'quarterly-numbers'), `the copy for ${r}`);
      expect(name).toContain(`-${id}-`);
      expect(o.read('workspaces', r, 'inbox', 'attachments', id, 'report.txt')).toBe('Q3 report: revenue up\n');
      expect(o.read('workspaces', r, 'inbox', 'attachments', id, 'q3.csv')).toBe('month,revenue\njul,1\n');
      expect(fs.readdirSync(o.p('workspaces', r, 'inbox', 'attachments', id)).sort()).toEqual(['q3.csv', 'report.txt']);
      const text = o.read('workspaces', r, 'inbox', name);
      expect(text).toContain(`attachments:\n  - attachments/${id}/report.txt\n  - attachments/${id}/q3.csv\n`);
      // A copy, not a link: the sender's later change does not reach it.
      expect(fs.statSync(o.p('workspaces', r, 'inbox', 'attachments', id, 'report.txt')).ino).not.toBe(
        fs.statSync(path.join(ws, 'files', 'report.txt')).ino,
      );
    }
    expect(fs.readdirSync(o.p('bus', 'attachments', id)).sort()).toEqual(['q3.csv', 'report.txt']);
    fs.writeFileSync(path.join(ws, 'files', 'report.txt'), 'changed afterwards\n');
    expect(o.read('workspaces', 'legal', 'inbox', 'attachments', id, 'report.txt')).toBe('Q3 report: revenue up\n');

    // The escapes. Each but the last names an existing file, so the refusal is about where it is.
    const escapes: Array<{ file: string; attachments: string[]; reason: string }> = [
      { file: 'dotdot.md', attachments: ['../../x'], reason: "attachments: ../../x resolves outside maya's workspace" },
      {
        file: 'sibling.md',
        attachments: ['../legal/notes.txt'],
        reason: "attachments: ../legal/notes.txt resolves outside maya's workspace",
      },
      {
        file: 'absolute.md',
        attachments: [path.join(o.tmp, 'outside.txt')],
        reason: `attachments: ${JSON.stringify(path.join(o.tmp, 'outside.txt'))} is an absolute path`,
      },
      {
        file: 'symlink.md',
        attachments: ['files/link.txt'],
        reason: "attachments: files/link.txt resolves outside maya's workspace",
      },
      {
        file: 'dirlink.md',
        attachments: ['legal-link/notes.txt'],
        reason: "attachments: legal-link/notes.txt resolves outside maya's workspace",
      },
      // One bad path spoils the whole message: the good file in it is not copied either.
      {
        file: 'mixed.md',
        attachments: ['data/q3.csv', 'files/link.txt'],
        reason: "attachments: files/link.txt resolves outside maya's workspace",
      },
      {
        file: 'missing.md',
        attachments: ['files/nope.txt'],
        reason: "attachments: files/nope.txt does not exist in maya's workspace",
      },
    ];
    for (const e of escapes) o.drop('maya', e.file, withAttachments('legal', `escape ${e.file}`, e.attachments));
    const rejected = [];
    for (const e of escapes) {
      const r = await waitEvent(o, 'message.rejected', (x) => x.origin === e.file, `the rejection of ${e.file}`);
      expect(r.reason, e.file).toContain(e.reason);
      expect(r.from).toBe('maya');
      rejected.push(r);
    }
    for (const [i, r] of rejected.entries()) {
      const e = escapes[i]!;
      // The bounce: in maya's inbox, from mailroom, high, naming the file and the problem.
      const bounce = await waitFor(
        () => o.ls('workspaces', 'maya', 'inbox').find((n) => n.includes(`-${r.bounce}-`)),
        `the bounce for ${e.file}`,
      );
      const text = o.read('workspaces', 'maya', 'inbox', bounce);
      expect(fm(text, 'from')).toBe('mailroom');
      expect(fm(text, 'priority')).toBe('high');
      expect(text).toContain(`mailroom could not deliver **${e.file}**`);
      expect(text).toContain(e.reason);
      // The original is kept untouched in the dead letters, beside its reason.
      expect(o.read(r.kept)).toBe(withAttachments('legal', `escape ${e.file}`, e.attachments));
      expect(fs.existsSync(o.p(`${r.kept}.reason.md`))).toBe(true);
      // Nothing of it was copied: not into bus/attachments, not into any inbox.
      expect(fs.existsSync(o.p('bus', 'attachments', r.id))).toBe(false);
      for (const a of ['legal', 'oliver', 'maya'])
        expect(fs.existsSync(o.p('workspaces', a, 'inbox', 'attachments', r.id)), `${a} ${e.file}`).toBe(false);
    }
    expect(fs.readdirSync(o.p('bus', 'attachments'))).toEqual([id]);
    expect(fs.readdirSync(o.p('workspaces', 'legal', 'inbox', 'attachments'))).toEqual([id]);
    expect(o.ls('workspaces', 'legal', 'inbox').filter((n) => n.endsWith('.md'))).toHaveLength(1);
    expect(eventsOf(o, 'message.accepted').filter((e) => e.from === 'maya')).toHaveLength(1);
    // None of the outside content reached anyone's inbox.
    for (const a of ['legal', 'oliver']) {
      for (const f of fs.readdirSync(o.p('workspaces', a, 'inbox'), { recursive: true }) as string[]) {
        const p = o.p('workspaces', a, 'inbox', f);
        if (!fs.statSync(p).isFile()) continue;
        const t = fs.readFileSync(p, 'utf8');
        expect(t).not.toContain('outside-the-org');
        expect(t).not.toContain('org-root-file');
      }
    }
  });
});
