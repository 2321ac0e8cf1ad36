/**
 * One gate for the jail tests. .ci/run installs bubblewrap; where it still cannot work (no user
 * namespaces) the jail cannot be proven: that fails, unless MAILROOM_ALLOW_NO_JAIL=1 (which
 * .ci/run sets, loudly, only after its own probe failed) turns the jail tests into reported skips.
 */
import { expect } from 'vitest';
import { bwrapAvailable } from '../../workspaces/jail.js';

const jail = bwrapAvailable();

/** True only where bwrap cannot work and MAILROOM_ALLOW_NO_JAIL=1 says so: use with describe.skipIf. */
export const skipJail = !jail.ok && process.env.MAILROOM_ALLOW_NO_JAIL === '1';
if (skipJail) console.warn(`SKIPPING the jail tests: ${jail.why}`);

/** bwrap must work on this machine; say so plainly when it does not. */
export function requireBwrap(): void {
  if (skipJail) return;
  expect(
    jail.ok,
    `bubblewrap must work for the jail tests: ${jail.why} (MAILROOM_ALLOW_NO_JAIL=1 reports them as skipped instead)`,
  ).toBe(true);
}
