import { type BusEvent, EVENT_TYPES } from '../../bus/events.js';
import { readEvents } from '../../bus/store/log-read.js';
import { tailEvents } from '../../bus/store/log-tail.js';
import { escapeJson, escapeLine } from '../../bus/escape.js';
import { describeEvent } from '../logger.js';
import { EXIT, UsageError, findRoot, parse, print } from './common.js';

export const usage = `mailroom log [--root <dir>] [--json] [--tail N] [--type <prefix>]

The event log, oldest first: one line per event (--json: the events as JSON lines, exactly as
stored in bus/events/). --type message.rejected, or a prefix such as --type message.
Archived segments (bus/archive/, after \`mailroom compact\`) are read too. The log is streamed:
memory does not grow with its length; --tail N reads only the newest segments.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    { root: { type: 'string' }, json: { type: 'boolean' }, tail: { type: 'string' }, type: { type: 'string' } },
    usage,
  );
  if (values.help) return (print(usage), EXIT.ok);
  const layout = findRoot(values.root as string | undefined);
  const type = values.type as string | undefined;
  if (type !== undefined && !EVENT_TYPES.some((t) => t.startsWith(type)))
    throw new UsageError(
      `--type ${JSON.stringify(type)} matches no event type; types: ${EVENT_TYPES.join(', ')} (or a prefix, e.g. --type message.)`,
    );
  const line = (e: BusEvent) =>
    values.json
      ? escapeJson(JSON.stringify(e))
      : escapeLine(`${String(e.seq).padStart(6)} ${e.time} ${describeEvent(e)}`);
  if (values.tail !== undefined) {
    const n = Number(values.tail);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--tail takes a whole number, got ${values.tail}`);
    const events = await tailEvents(layout.events, n, (e) => !type || e.type.startsWith(type));
    if (n > 0 && events.length) print(events.map(line).join('\n'));
    return EXIT.ok;
  }
  let out: string[] = [];
  // Wait for a slow reader (a pipe) instead of buffering the log in memory.
  const flush = async () => {
    const ok = out.length === 0 || process.stdout.write(`${out.join('\n')}\n`);
    out = [];
    if (!ok) await new Promise<void>((r) => process.stdout.once('drain', () => r()));
  };
  await readEvents(layout.events, {
    contains: type ? `"type":"${type}` : undefined,
    onEvent: (e) => {
      if (type && !e.type.startsWith(type)) return;
      out.push(line(e));
      return out.length >= 1000 ? flush() : undefined;
    },
  });
  await flush();
  return EXIT.ok;
}
