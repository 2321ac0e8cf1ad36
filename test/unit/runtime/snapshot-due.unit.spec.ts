import { describe, expect, it } from 'vitest';
import { SNAPSHOT_BYTES, SNAPSHOT_WAIT_BYTES, snapshotDue } from '../../../runtime/daemon/journal.js';

const MB = 1_048_576;
describe('when a snapshot is due after a commit (snapshotDue)', () => {
  it.each([
    ['nothing much since the last one', 10, 1 * MB, 0, false],
    ['snapshot_every events', 10_000, 1 * MB, 0, true],
    ['SNAPSHOT_BYTES of log, few events (large messages)', 600, SNAPSHOT_BYTES, 0, true],
    ['due, but 100 MB of accepted text not yet delivered: waits', 10_000, 1 * MB, 100 * MB, false],
    ['due, with what is undelivered small enough', 10_000, 1 * MB, SNAPSHOT_WAIT_BYTES, true],
    ['waited twice as long (events): taken anyway', 20_000, 1 * MB, 100 * MB, true],
    ['waited twice as long (bytes): taken anyway', 600, 2 * SNAPSHOT_BYTES, 100 * MB, true],
  ])('%s', (_what, events, bytes, undelivered, due) => {
    expect(snapshotDue(events, bytes, 10_000, () => undelivered)).toBe(due);
  });
});
