import { segments } from '../../bus/store/log.js';
import { archiveSegment, removeArchiveDebris } from '../../bus/store/archive.js';
import { newestHeader } from '../daemon/snapshots.js';
import { EXIT, Problem, findRoot, parse, print } from './common.js';

export const usage = `mailroom compact [--root <dir>]

Archive the event log's segments wholly older than the newest snapshot: each
bus/events/<n>.jsonl becomes bus/archive/<n>.jsonl.gz (checked against the original before the
original is removed). Nothing derived changes (the board is byte-identical before and after);
\`show\` and \`log\` still find archived events. Safe while the daemon runs (it never writes
those segments) and after a crash at any point (run it again).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { root: { type: 'string' } }, usage);
  if (values.help) return (print(usage), EXIT.ok);
  const layout = findRoot(values.root as string | undefined);
  const header = newestHeader(layout.snapshots);
  if (!header)
    throw new Problem(
      'no snapshot in .mailroom/snapshots/ yet, so no segment can be archived: the daemon writes one every snapshot_every events and at a clean stop (stop it once, then run `mailroom compact` again)',
    );
  removeArchiveDebris(layout.events);
  const old = segments(layout.events).filter((s) => s < header.position.segment);
  let bytes = 0;
  let gz = 0;
  for (const seg of old) {
    const r = await archiveSegment(layout.events, seg);
    bytes += r.bytes;
    gz += r.gz;
  }
  const mb = (n: number) => `${(n / 1_048_576).toFixed(1)} MB`;
  print(
    old.length
      ? `archived ${old.length} segment(s) older than snapshot seq ${header.seq} into bus/archive/ (${mb(bytes)} -> ${mb(gz)})`
      : `nothing to archive: every segment holds events after snapshot seq ${header.seq}`,
  );
  return EXIT.ok;
}
