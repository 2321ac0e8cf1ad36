/**
 * A jailed handler that answers everything, its own bounces included, with another file the
 * daemon refuses: each refusal's bounce runs the handler again, a loop no accepted message is
 * part of. Refused files now count towards messages_per_minute, so the breaker pauses the agent
 * (one alert) and the loop stops; before, it ran on (here, up to the script's own cap of 40).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { statusJson } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { message, orgFromYaml, type Org } from '../../support/org.js';
import { script } from '../../support/runs.js';

const BAD_PY = String.raw`
import os, sys
sys.stdin.read()
n = len(os.listdir('runs')) + 1 if os.path.isdir('runs') else 1
if n > 40: sys.exit(0)
os.makedirs('runs', exist_ok=True)
open('runs/%d' % n, 'w').close()
with open('outbox/.bad', 'w') as f: f.write('---\nto: nobody-here\nsubject: bad %d\n---\nagain\n' % n)
os.rename('outbox/.bad', 'outbox/bad-%d.md' % n)
`;

let o: Org;
afterEach(async () => {
  await o?.cleanup();
});

describe('a handler answering each bounce with another refused file', () => {
  it('is paused at messages_per_minute, refused files counted; the loop stops', async () => {
    o = orgFromYaml(
      'agents:\n  boss: {}\n  looper: { command: "python3 $TMP/bad.py", read_only_paths: [$TMP], messages_per_minute: 5 }\n',
    );
    script(o, 'bad.py', BAD_PY);
    await o.start();
    o.drop('boss', 'go.md', message({ to: 'looper', subject: 'Go' }));
    const paused = await waitFor(
      () => o.events().find((e) => e.type === 'agent.paused' && e.agent === 'looper'),
      'the looper paused',
      30_000,
    );
    expect(paused).toMatchObject({ cause: 'messages_per_minute', by: 'mailroom' });
    const refused = () => o.events().filter((e) => e.type === 'message.rejected' && e.from === 'looper').length;
    expect(refused()).toBe(5);
    // Its runs wait while it is paused: the run for the fifth bounce waits, nothing more is refused.
    await waitFor(
      () => statusJson(o).waiting.some((w: any) => w.agent === 'looper' && /paused/.test(w.why)) || null,
      'the run for the last bounce waiting on the pause',
    );
    const alerts = o.events().filter((e) => e.type === 'message.accepted' && /^Paused: looper/.test(e.subject ?? ''));
    expect(alerts).toHaveLength(1);
    expect(refused()).toBe(5);
    expect(o.daemon!.exitCode).toBeNull();
  }, 60_000);
});
