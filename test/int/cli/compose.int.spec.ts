/**
 * Drafts and `mailroom compose` (issue 11, item 2), and the rule behind them: every file that
 * appears in an outbox is sent, so unfinished text lives in drafts/, which is never taken, and
 * editor droppings in an outbox (nano's hang-up `.save`) are ignored. Real editors where the
 * machine has them: a script standing in for $EDITOR, `vim -es`, and nano under a pty.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, message, type Org } from '../../support/org.js';
import { stopClean } from '../../support/daemon.js';
import { readMail } from '../../support/mail.js';

let org: Org | undefined;
afterEach(async () => {
  await org?.cleanup();
  org = undefined;
});

/** An $EDITOR stand-in: a shell script run on the draft's path ($1). */
function editor(o: Org, name: string, body: string): string {
  const file = path.join(o.tmp, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

const drafts = (o: Org, agent: string) => o.ls('workspaces', agent, 'drafts');
const compose = (o: Org, args: string[], env: NodeJS.ProcessEnv, input = '') =>
  mailroom(['compose', '--root', o.root, ...args], { env, input });

function hasCommand(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => fs.existsSync(path.join(d, cmd)));
}

describe('mailroom compose', () => {
  it('opens $EDITOR on a filled-in draft, checks it on exit, and sends it by a rename; the daemon delivers it', async () => {
    const o = (org = makeOrg());
    expect(drafts(o, 'maya')).toEqual([]);
    const ed = editor(
      o,
      'ed.sh',
      `sed -i 's/^subject: $/subject: Re: the contract/' "$1"\nprintf 'Sections 4-7 look fine.\\n' >> "$1"`,
    );
    const r = compose(o, ['--from', 'maya', '--to', 'legal', '--priority', 'high'], { EDITOR: ed });
    expect(r.code, r.stderr).toBe(0);
    const sent = r.stdout.trim();
    expect(path.dirname(sent)).toBe(o.outbox('maya'));
    expect(path.basename(sent)).toMatch(/-re-the-contract\.md$/);
    expect(drafts(o, 'maya')).toEqual([]); // moved, not copied
    const text = fs.readFileSync(sent, 'utf8');
    expect(text).toMatch(/^---\n/);
    expect(text).toContain('to: legal\n');
    expect(text).toContain('priority: high\n');
    expect(text).toContain('Sections 4-7 look fine.\n');
    await o.start();
    await waitFor(() => readMail(o, 'legal').length === 1, 'delivery to legal');
    const [mail] = readMail(o, 'legal');
    expect(mail!.text).toContain('subject: "Re: the contract"');
    expect(mail!.text).toContain('Sections 4-7 look fine.\n');
    expect(mail!.text).not.toContain('# Write the body'); // the hint line is not sent
    expect(o.events().filter((e) => e.type === 'message.rejected')).toEqual([]);
    expect(await stopClean(o)).toBe(0);
  });

  it('keeps the draft and says why and where when the daemon would refuse it, or the editor fails, or nothing changed', () => {
    const o = (org = makeOrg());
    const typo = editor(o, 'typo.sh', `sed -i 's/^priority: normal$/priority: High/' "$1"`);
    const r = compose(o, ['--from', 'maya', '--to', 'legal', '--subject', 'Budget'], { EDITOR: typo });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not sent: priority: unknown priority "High".*did you mean "high"\?/);
    const [draft] = drafts(o, 'maya');
    expect(draft).toMatch(/-budget\.md$/);
    const kept = o.p('workspaces', 'maya', 'drafts', draft!);
    expect(r.stderr).toContain(`The draft is kept: ${kept}`);
    expect(r.stderr).toContain(`mailroom compose --root ${o.root} --from maya --draft ${kept}`);
    expect(r.stderr).not.toContain('send it as it is'); // it would bounce
    expect(o.ls('workspaces', 'maya', 'outbox')).toEqual([]);

    // Fixed in a second editor session on the same draft: sent.
    const fix = editor(o, 'fix.sh', `sed -i 's/^priority: High$/priority: high/' "$1"`);
    const again = compose(o, ['--from', 'maya', '--draft', kept], { EDITOR: fix });
    expect(again.code, again.stderr).toBe(0);
    expect(drafts(o, 'maya')).toEqual([]);
    expect(o.ls('workspaces', 'maya', 'outbox')).toHaveLength(1);

    const wrongName = editor(o, 'legl.sh', `sed -i 's/^to: $/to: legl/' "$1"; echo body >> "$1"`);
    const legl = compose(o, ['--from', 'maya'], { EDITOR: wrongName });
    expect(legl.code).toBe(1);
    expect(legl.stderr).toMatch(/to: "legl" is not an agent or group.*did you mean "legal"\?/);

    const failing = compose(o, ['--from', 'oliver', '--to', 'legal'], { EDITOR: editor(o, 'fail.sh', 'exit 3') });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/not sent: the editor \(.*fail\.sh\) exited with 3/);
    expect(drafts(o, 'oliver')).toHaveLength(1);

    const untouched = compose(o, ['--from', 'legal', '--to', 'maya'], { EDITOR: 'true' });
    expect(untouched.code).toBe(1);
    expect(untouched.stderr).toMatch(/not sent: the draft was not changed/);
    expect(untouched.stderr).toContain('send it as it is with `mv '); // to: maya passes the checks
    expect(drafts(o, 'legal')).toHaveLength(1);
    const noTo = compose(o, ['--from', 'legal'], { EDITOR: 'true' });
    expect(noTo.code).toBe(1);
    expect(noTo.stderr).toMatch(/not sent: the draft was not changed/);
    expect(noTo.stderr).not.toContain('send it as it is'); // an empty to: would bounce

    const emptied = compose(o, ['--from', 'operator', '--to', 'maya'], { EDITOR: editor(o, 'empty.sh', ': > "$1"') });
    expect(emptied.code).toBe(1);
    expect(emptied.stderr).toMatch(/the draft is empty, so it was deleted/);
    expect(drafts(o, 'operator')).toEqual([]);
    for (const a of ['oliver', 'legal', 'operator']) expect(o.ls('workspaces', a, 'outbox'), a).toEqual([]);
  });

  it.skipIf(!hasCommand('vim'))('works with a real vim (Ex mode, commands on stdin)', () => {
    const o = (org = makeOrg());
    const keys = ['%s/^subject: $/subject: #tag 12345/', '$a', 'Typed in vim.', '.', 'wq', ''].join('\n');
    const r = compose(o, ['--from', 'maya', '--to', 'legal, oliver'], { EDITOR: 'vim -u NONE -i NONE -N -es' }, keys);
    expect(r.code, r.stderr).toBe(0);
    const text = fs.readFileSync(r.stdout.trim(), 'utf8');
    expect(text).toContain('subject: #tag 12345\n');
    expect(text).toContain('Typed in vim.');
    expect(drafts(o, 'maya')).toEqual([]);
  });
});

/** The pids of `pid`'s descendants whose command is `comm`. */
function descendants(pid: number, comm: string): number[] {
  const out: number[] = [];
  let children: string[] = [];
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return out;
  }
  for (const c of children.map(Number)) {
    try {
      if (fs.readFileSync(`/proc/${c}/comm`, 'utf8').trim() === comm) out.push(c);
    } catch {
      /* gone */
    }
    out.push(...descendants(c, comm));
  }
  return out;
}

describe('what is never taken', () => {
  it("drafts/ is never taken, and nano's hang-up save in an outbox is ignored (a real nano under a pty, sent SIGHUP)", async () => {
    const o = (org = makeOrg());
    await o.start();
    fs.writeFileSync(
      o.p('workspaces', 'maya', 'drafts', 'plan.md'),
      message({ to: 'legal', subject: 'not yet' }, 'half a thought'),
    );
    const saveName = 'review.md.save';
    if (hasCommand('nano') && hasCommand('script')) {
      // nano typing into outbox/review.md, then the terminal goes away: nano writes review.md.save.
      const pty = spawn('script', ['-qfc', 'nano --ignorercfiles review.md', '/dev/null'], {
        cwd: o.outbox('maya'),
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      let screen = '';
      pty.stdout!.setEncoding('utf8').on('data', (d: string) => (screen += d));
      try {
        const nano = await waitFor(() => descendants(pty.pid!, 'nano')[0], 'nano to start');
        pty.stdin!.write('---\nto: legal\nsubject: unfinished\n---\nhalf wri');
        // Hang up once nano shows the typed text on its screen (its buffer is modified).
        await waitFor(() => screen.includes('half wri'), 'nano to show the typed text');
        process.kill(nano, 'SIGHUP');
        await waitFor(() => fs.existsSync(path.join(o.outbox('maya'), saveName)), 'nano to write its .save file');
      } finally {
        pty.kill('SIGKILL');
      }
    } else {
      fs.writeFileSync(path.join(o.outbox('maya'), saveName), '---\nto: legal\nsubject: unfinished\n---\nhalf wri');
    }
    expect(fs.readFileSync(path.join(o.outbox('maya'), saveName), 'utf8')).toContain('half wri');
    // A message sent after both: once it is delivered, the daemon has seen the outbox.
    o.drop('maya', 'after.md', message({ to: 'legal', subject: 'after' }, 'after\n'));
    await waitFor(() => readMail(o, 'legal').some((m) => m.text.includes('after\n')), 'the later message delivered');
    expect(o.ls('workspaces', 'maya', 'outbox')).toEqual([saveName]);
    expect(o.ls('workspaces', 'maya', 'drafts')).toEqual(['plan.md']);
    expect(readMail(o, 'legal')).toHaveLength(1);
    expect(o.events().filter((e) => e.type === 'message.rejected')).toEqual([]);
    expect(await stopClean(o)).toBe(0);
  });
});
