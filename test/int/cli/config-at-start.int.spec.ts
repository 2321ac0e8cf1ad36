/**
 * `config set` of a key the daemon reads only at start (snapshot_every, segment_bytes, bridge)
 * says so: "in force" alone read as if the running daemon used the new value already.
 */
import { describe, expect, it } from 'vitest';
import { cfg } from '../../support/cli.js';
import { makeOrg } from '../../support/org.js';

describe('config set of a start-up key', () => {
  it('says it takes effect at the next start; other keys do not say so', async () => {
    const o = makeOrg(['maya', 'legal']);
    await o.start();
    const seg = cfg(o, 'set', 'segment_bytes', '1048576');
    expect(seg.code, seg.stderr).toBe(0);
    expect(seg.stderr).toContain('in force');
    expect(seg.stderr).toContain('segment_bytes takes effect only at the next start');
    const live = cfg(o, 'set', 'stuck_after.low', '2d');
    expect(live.code, live.stderr).toBe(0);
    expect(live.stderr).toContain('in force');
    expect(live.stderr).not.toContain('next start');
    await o.stop();
  });
});
