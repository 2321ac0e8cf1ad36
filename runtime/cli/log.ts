import { escapeJson, escapeLine } from '../../bus/escape.js';
import { describeEvent } from '../logger.js';
import { loadEvents } from '../views/inspect.js';
import { EXIT, UsageError, findRoot, parse, print } from './common.js';

export const usage = `mailroom log [--root <dir>] [--json] [--tail N] [--type <prefix>]

The event log, oldest first: one line per event (--json: the events as JSON lines, exactly as
stored in bus/events/). --type message.rejected, or a prefix such as --type message.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    { root: { type: 'string' }, json: { type: 'boolean' }, tail: { type: 'string' }, type: { type: 'string' } },
    usage,
  );
  if (values.help) return (print(usage), EXIT.ok);
  const layout = findRoot(values.root as string | undefined);
  let events = loadEvents(layout);
  if (values.type) events = events.filter((e) => e.type.startsWith(values.type as string));
  if (values.tail !== undefined) {
    const n = Number(values.tail);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--tail takes a whole number, got ${values.tail}`);
    events = events.slice(Math.max(0, events.length - n));
  }
  const lines = events.map((e) =>
    values.json
      ? escapeJson(JSON.stringify(e))
      : escapeLine(`${String(e.seq).padStart(6)} ${e.time} ${describeEvent(e)}`),
  );
  if (lines.length) print(lines.join('\n'));
  return EXIT.ok;
}
