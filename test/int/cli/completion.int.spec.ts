/** `mailroom completion bash|zsh`: scripts the shells source without errors, and completions they compute. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, mailroom } from '../../support/cli.js';

const HAVE_ZSH = spawnSync('zsh', ['-c', 'true']).status === 0;
if (!HAVE_ZSH) {
  if (process.env.CI) throw new Error('zsh is missing and CI is set: .ci/run installs it (apt-get install -y zsh)');
  process.stderr.write(
    '\n*** completion.int.spec: zsh is missing: the ZSH TESTS ARE SKIPPED (apt-get install -y zsh) ***\n\n',
  );
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-completion-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** What bash's completion function offers for the words typed so far (the last one is being completed). */
function complete(...words: string[]): string[] {
  const script = `source <("${process.execPath}" "${CLI}" completion bash) || exit 9
COMP_WORDS=(mailroom ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}
_mailroom; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', cwd: tmp });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean);
}

describe('bash completion', () => {
  it('is a script bash reads without errors', () => {
    const r = mailroom(['completion', 'bash']);
    expect(r.code).toBe(0);
    const check = spawnSync('bash', ['-n'], { input: r.stdout, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    const sourced = spawnSync(
      'bash',
      ['-c', `source <("${process.execPath}" "${CLI}" completion bash) && complete -p mailroom`],
      { encoding: 'utf8' },
    );
    expect(sourced.stderr).toBe('');
    expect(sourced.stdout).toContain('-F _mailroom mailroom');
  });

  it('completes commands, subcommands, options, priorities and directories', () => {
    expect(complete('st')).toEqual(['start', 'status']);
    expect(complete('config', 's').sort()).toEqual(['schema', 'set', 'show']);
    expect(complete('serve', '--to')).toEqual(['--token', '--token-secret']);
    expect(complete('send', '--priority', '')).toEqual(['critical', 'high', 'normal', 'low']);
    fs.mkdirSync(path.join(tmp, 'org-one'), { recursive: true });
    expect(complete('status', '--root', 'org-')).toEqual(['org-one']);
  });

  it('knows every command `mailroom --help` lists', () => {
    const help = mailroom(['--help']).stdout;
    const section = help.slice(help.indexOf('Commands:'), help.indexOf('Common options:'));
    const listed = [...section.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!);
    expect(listed.length).toBeGreaterThan(10);
    const offered = complete('');
    for (const c of listed) expect(offered, c).toContain(c);
  });
});

describe.skipIf(!HAVE_ZSH)('zsh completion', () => {
  it('is a script zsh reads, sourced after compinit or autoloaded from $fpath', () => {
    const r = mailroom(['completion', 'zsh']);
    expect(r.code).toBe(0);
    const check = spawnSync('zsh', ['-n'], { input: r.stdout, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    const env = { ...process.env, ZDOTDIR: tmp, HOME: tmp };
    const sourced = spawnSync(
      'zsh',
      [
        '-c',
        `autoload -Uz compinit && compinit -u -D && source <("${process.execPath}" "${CLI}" completion zsh) && print -r -- $_comps[mailroom]`,
      ],
      { encoding: 'utf8', env },
    );
    expect(sourced.stderr).toBe('');
    expect(sourced.stdout.trim()).toBe('_mailroom');
    const dir = path.join(tmp, 'zfunc');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '_mailroom'), r.stdout);
    const autoloaded = spawnSync(
      'zsh',
      ['-c', `fpath=(${dir} $fpath); autoload -Uz compinit && compinit -u -D && print -r -- $_comps[mailroom]`],
      { encoding: 'utf8', env },
    );
    expect(autoloaded.stderr).toBe('');
    expect(autoloaded.stdout.trim()).toBe('_mailroom');
  });
});

describe('mailroom completion', () => {
  it('refuses a shell it does not know', () => {
    const r = mailroom(['completion', 'fish']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/completion takes bash or zsh/);
  });
});
