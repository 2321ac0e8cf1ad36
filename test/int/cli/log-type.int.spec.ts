/**
 * `mailroom log --type`: a prefix that no event type has is a usage error naming the types
 * (it used to print nothing and exit 0, so a typo looked like an empty log).
 */
import { describe, expect, it } from 'vitest';
import { makeOrg } from '../../support/org.js';
import { mailroom } from '../../support/cli.js';

describe('log --type', () => {
  it('refuses a prefix that matches no event type, listing the types; a real prefix still filters', () => {
    const o = makeOrg(['maya', 'legal']);
    for (const args of [
      ['--type', 'mesage.'],
      ['--type', 'nope', '--tail', '5'],
    ]) {
      const r = mailroom(['log', '--root', o.root, ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/matches no event type; types: daemon\.started, .*message\.accepted.*agent\.resumed/);
    }
    for (const prefix of ['message.', 'agent', 'approval.granted']) {
      const r = mailroom(['log', '--root', o.root, '--type', prefix]);
      expect(r.code, r.stderr).toBe(0);
    }
  });
});
