/**
 * `mailroom try` gives the handler the same mailboxes as the daemon does, drafts/ included: a
 * handler that writes its reply in drafts/ and moves it to outbox/ (as the README advises) must
 * work under try as it does under the daemon.
 */
import { describe, expect, it } from 'vitest';
import { mailroom } from '../../support/cli.js';
import { orgFromYaml } from '../../support/org.js';

describe('mailroom try', () => {
  it('runs a handler that writes in drafts/ and moves the reply to outbox/', () => {
    const cmd = `set -e; printf -- '---\\\\nto: operator\\\\n---\\\\nfrom drafts\\\\n' > drafts/r.md; mv drafts/r.md outbox/r.md`;
    const o = orgFromYaml(`agents:\n  scout: { command: ${JSON.stringify(cmd)}, sandbox: none }\n`);
    const r = mailroom(['try', 'scout', 'hello', '--root', o.root, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.outcome).toBe('succeeded');
    expect(out.sent).toHaveLength(1);
    expect(out.sent[0].text).toContain('from drafts');
  });
});
