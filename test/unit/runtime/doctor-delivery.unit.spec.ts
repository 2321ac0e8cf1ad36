/** What doctor says about the daemon and the spool (cli/doctor-checks.ts checkDelivery). */
import { describe, expect, it } from 'vitest';
import { checkDelivery } from '../../../runtime/cli/doctor-checks.js';
import type { OrgStatus } from '../../../runtime/views/inspect.js';

const status = (running: boolean, spool: number) =>
  ({ daemon: { running, pid: running ? 42 : null }, stuck: [], stuck_total: 0, spool }) as unknown as OrgStatus;

function spoolFinding(running: boolean, spool: number) {
  const found: Array<{ ok: boolean; check: string; detail: string }> = [];
  checkDelivery(status(running, spool), ' --root org', (ok, check, detail) => found.push({ ok, check, detail }));
  return found.find((f) => f.check === 'spool')!;
}

describe('doctor: the spool', () => {
  it.each([
    [false, 0, true, /^empty$/],
    [true, 0, true, /^empty$/],
    [false, 2, false, /^2 files in bus\/spool\/ waiting for a daemon: run `mailroom start --root org`$/],
    [true, 1, true, /^1 file in bus\/spool\/, being delivered by the running daemon/],
  ])('daemon running %s, %i file(s)', (running, spool, ok, detail) => {
    const f = spoolFinding(running, spool);
    expect(f.ok).toBe(ok);
    expect(f.detail).toMatch(detail);
    if (running) expect(f.detail).not.toContain('mailroom start');
  });
});
