import { describe, expect, it } from 'vitest';
import { quoteArg, unitName, unitText } from '../../../runtime/service/unit.js';

describe('the systemd unit', () => {
  it.each([
    ['/srv/org', '"/srv/org"'],
    ['/srv/my org', '"/srv/my org"'],
    ['/srv/"q"', '"/srv/\\"q\\""'],
    ['/srv/100%', '"/srv/100%%"'],
    ['/srv/$HOME', '"/srv/$$HOME"'],
    ['/srv/a\\b', '"/srv/a\\\\b"'],
  ])('quotes %s for ExecStart as %s', (arg, quoted) => {
    expect(quoteArg(arg)).toBe(quoted);
  });

  it.each([
    ['/srv/org', 'mailroom-org'],
    ['/home/me/my org!/', 'mailroom-my-org-'],
  ])('names the unit for %s %s', (root, name) => {
    expect(unitName(root)).toBe(name);
  });

  it('restarts on failure, logs to the journal, and runs as the owner only as a system unit', () => {
    const user = unitText({
      scope: 'user',
      root: '/srv/org',
      node: '/usr/bin/node',
      cli: '/opt/mailroom/dist/runtime/cli/main.js',
    });
    expect(user).toContain(
      'ExecStart="/usr/bin/node" "/opt/mailroom/dist/runtime/cli/main.js" "start" "--root" "/srv/org"\n',
    );
    expect(user).toMatch(/^Restart=on-failure$/m);
    expect(user).toMatch(/^Environment=MALLOC_MMAP_THRESHOLD_=131072$/m); // service/malloc.ts
    expect(user).toMatch(/^StandardOutput=journal$/m);
    expect(user).not.toMatch(/^User=/m);
    const system = unitText({ scope: 'system', root: '/srv/org', node: '/usr/bin/node', cli: '/x.js', user: 'agents' });
    expect(system).toMatch(/^User=agents$/m);
    expect(system).toMatch(/^WantedBy=multi-user\.target$/m);
  });
});
