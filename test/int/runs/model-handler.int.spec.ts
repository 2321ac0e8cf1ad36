/**
 * Model handlers against a real HTTP server on 127.0.0.1 that speaks both APIs (model-provider.ts):
 * answers with usage and cost on the board, the thread as history, front matter creating a task
 * or bounced when invalid, 429 cooling the lane, 500s ending as a dead letter with the
 * provider's words, a slow answer past the request timeout, a torn JSON body, a refused key.
 * One org and one daemon for all; each case has its own agent. No real provider, no real key.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../../workspaces/jail.js';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { message, type Org } from '../../support/org.js';
import { orgFromYaml } from '../../support/org.js';
import { Provider } from './model-provider.js';

const provider = new Provider();
let org: Org;

const model = (p: 'openai' | 'anthropic', name: string, extra = '') =>
  `{ model: { provider: ${p}, model: ${name}, base_url: "$URL", secret: TEST_API_KEY, request_timeout: 1s${extra} }, timeout: 5s, retry_backoff: 100ms`;

beforeAll(async () => {
  const url = await provider.start();
  const yaml = `sandbox: none
agents:
  boss: {}
  legal: {}
  scribe: ${model('openai', 'plain', ', system: prompt.md, price: { input_per_mtok: 1, output_per_mtok: 2 }')} }
  planner: ${model('anthropic', 'task')} }
  sloppy: ${model('openai', 'badfm')} }
  limited: ${model('anthropic', 'limited')}, lane: api }
  other: ${model('openai', 'plain')}, lane: api }
  broken: ${model('openai', 'broken')}, max_attempts: 2 }
  slow: ${model('anthropic', 'slow')} }
  garbled: ${model('openai', 'garbled')} }
  refused: ${model('anthropic', 'refused')}, max_attempts: 3 }
lanes:
  api: { concurrency: 1 }
`;
  org = orgFromYaml(yaml.replaceAll('$URL', url));
  expect(mailroom(['secret', 'set', 'TEST_API_KEY', '--root', org.root], { input: 'sk-test-123\n' }).code).toBe(0);
  await org.start();
  fs.writeFileSync(org.p('workspaces', 'scribe', 'prompt.md'), 'You are the scribe. Answer in one line.\n');
});

afterAll(async () => {
  await org?.cleanup();
  await provider.stop();
});

const ev = (type: string, agent: string) => org.events().filter((e) => e.type === type && e.agent === agent);
const inboxOf = (agent: string) =>
  org.ls('workspaces', agent, 'inbox').map((n) => org.read('workspaces', agent, 'inbox', n));

describe('a model handler', () => {
  it("answers the sender in the thread, with the key, the system file, usage and cost on the board; the thread is the next prompt's history", async () => {
    org.drop('boss', 'q.md', message({ to: 'scribe', subject: 'Minutes' }, 'Please take the minutes.\n'));
    const reply = await waitFor(() => inboxOf('boss').find((t) => t.includes('from: scribe')), "scribe's reply");
    const first = org
      .events()
      .find((e) => e.type === 'message.accepted' && e.from === 'boss' && e.to.includes('scribe'))!;
    expect(reply).toContain(`reply_to: ${first.id}`);
    expect(reply).toContain(`thread: ${first.id}`);
    expect(reply).toContain('subject: "Re: Minutes"');
    expect(reply).toContain('Noted (1): Please take the minutes.');
    const req = provider.of('plain')[0]!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer sk-test-123');
    expect(req.body.messages[0]!.content).toContain('You are the scribe. Answer in one line.');
    const ok = await waitFor(() => ev('handler.succeeded', 'scribe')[0], 'handler.succeeded');
    expect(ok.usage).toEqual({ input_tokens: 1000, output_tokens: 200, cost_usd: 0.0014 });
    const board = JSON.parse(mailroom(['board', '--json', '--root', org.root]).stdout);
    expect(JSON.stringify(board.costs.scribe)).toContain('0.0014');

    // boss answers the reply: the second prompt carries the first exchange, the agent's own part as the assistant's.
    const replyId = /^id: (\S+)$/m.exec(reply)![1]!;
    org.drop('boss', 'q2.md', message({ to: 'scribe', reply_to: replyId, subject: 'More' }, 'And the actions?\n'));
    await waitFor(
      () => provider.of('plain').length >= 2 && ev('handler.succeeded', 'scribe').length === 2,
      'the second run',
    );
    const roles = provider.of('plain')[1]!.body.messages.map((m) => m.role);
    expect(roles).toEqual(['system', 'user', 'assistant', 'user']);
    expect(provider.of('plain')[1]!.body.messages[2]!.content).toContain('Noted (1)');
  });

  it('an answer with front matter creates a task (Anthropic API)', async () => {
    org.drop('boss', 'p.md', message({ to: 'planner', subject: 'Plan it' }, 'Who drafts?\n'));
    const task = await waitFor(
      () => inboxOf('legal').find((t) => t.includes('from: planner')),
      "planner's task for legal",
    );
    expect(task).toContain('kind: task');
    const req = provider.of('task')[0]!;
    expect(req.path).toBe('/v1/messages');
    expect(req.headers['x-api-key']).toBe('sk-test-123');
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
    const board = JSON.parse(mailroom(['board', '--json', '--root', org.root]).stdout);
    expect(board.tasks).toContainEqual(
      expect.objectContaining({ title: 'Draft the reply', creator: 'planner', status: 'open' }),
    );
  });

  it('an answer with invalid front matter is dead-lettered and bounced to the agent, which does not send the bounce to the model', async () => {
    org.drop('boss', 's.md', message({ to: 'sloppy', subject: 'Try' }, 'Go.\n'));
    await waitFor(
      () => org.events().find((e) => e.type === 'message.rejected' && e.from === 'sloppy'),
      'the rejection',
    );
    await waitFor(
      () => org.ls('workspaces', 'sloppy', 'done').length === 2,
      'the message and its bounce both in done/',
    );
    expect(provider.of('badfm')).toHaveLength(1);
    const kept = org
      .ls('bus', 'deadletter')
      .filter((n) => !n.endsWith('.reason.md'))
      .map((n) => org.read('bus', 'deadletter', n));
    expect(kept.some((t) => t.includes('priority: urgent'))).toBe(true);
  });

  it('429 with retry-after cools the lane, then the retry succeeds', async () => {
    org.drop('boss', 'l.md', message({ to: 'limited', subject: 'Busy?' }, 'Hello.\n'));
    const failed = await waitFor(() => ev('handler.failed', 'limited')[0], 'the 429');
    expect(failed).toMatchObject({ exit_code: 75, tempfail: true, final: false });
    expect(failed.stderr).toContain('HTTP 429: rate_limit_error: Rate limit reached');
    expect(Date.parse(failed.lane_cooling_until) - Date.parse(failed.time)).toBeGreaterThanOrEqual(900);
    org.drop('boss', 'o.md', message({ to: 'other', subject: 'Same lane' }, 'Hi.\n'));
    const done = await waitFor(() => ev('handler.succeeded', 'limited')[0], 'the retry', 10_000);
    expect(done.attempt).toBe(2);
    const other = await waitFor(() => ev('handler.started', 'other')[0], 'the other run in the lane');
    expect(Date.parse(other.time)).toBeGreaterThanOrEqual(Date.parse(failed.lane_cooling_until));
  });

  it("500s back off, then dead-letter the message with the provider's words and bounce it", async () => {
    org.drop('boss', 'b.md', message({ to: 'broken', subject: 'Will fail' }, 'Hello.\n'));
    const final = await waitFor(() => ev('handler.failed', 'broken').find((e) => e.final), 'the final failure', 10_000);
    expect(ev('handler.failed', 'broken').map((e) => e.attempt)).toEqual([1, 2]);
    expect(final.stderr).toContain('HTTP 500: api_error: upstream exploded');
    const reason = org
      .ls('bus', 'deadletter')
      .filter((n) => n.endsWith('.reason.md'))
      .map((n) => org.read('bus', 'deadletter', n))
      .find((t) => t.includes('broken'));
    expect(reason).toContain('upstream exploded');
    await waitFor(
      () => inboxOf('boss').some((t) => t.includes('from: mailroom') && t.includes('upstream exploded')),
      'the bounce to boss',
    );
  });

  it('an answer slower than request_timeout is a failed attempt; the next one succeeds', async () => {
    org.drop('boss', 'w.md', message({ to: 'slow', subject: 'Slow' }, 'Hello.\n'));
    const failed = await waitFor(() => ev('handler.failed', 'slow')[0], 'the timed-out request', 10_000);
    expect(failed).toMatchObject({ exit_code: 1, final: false });
    expect(failed.stderr).toContain('within request_timeout 1000 ms');
    await waitFor(() => ev('handler.succeeded', 'slow')[0], 'the retry', 10_000);
  });

  it('a torn JSON body is a failed attempt; the next one succeeds', async () => {
    org.drop('boss', 'g.md', message({ to: 'garbled', subject: 'Garbled' }, 'Hello.\n'));
    const failed = await waitFor(() => ev('handler.failed', 'garbled')[0], 'the malformed answer');
    expect(failed.stderr).toContain('a malformed answer (HTTP 200): the body is not JSON');
    await waitFor(() => ev('handler.succeeded', 'garbled')[0], 'the retry', 10_000);
  });

  it("a refused key fails fast: one attempt, exit 78, the provider's words in the bounce", async () => {
    org.drop('boss', 'r.md', message({ to: 'refused', subject: 'Key?' }, 'Hello.\n'));
    const final = await waitFor(() => ev('handler.failed', 'refused').find((e) => e.final), 'the permanent failure');
    expect(final).toMatchObject({ attempt: 1, exit_code: 78 });
    expect(provider.of('refused')).toHaveLength(1);
    await waitFor(() => inboxOf('boss').some((t) => t.includes('Incorrect API key provided')), 'the bounce to boss');
  });

  it('nothing is lost: every message boss sent was handled or is a dead letter, and no inbox of a model agent holds mail', async () => {
    const sent = org.events().filter((e) => e.type === 'message.accepted' && e.from === 'boss');
    expect(sent.length).toBe(10);
    for (const e of sent) {
      const agent = e.to[0];
      const ended = org
        .events()
        .some(
          (x) =>
            x.id === e.id &&
            x.agent === agent &&
            (x.type === 'handler.succeeded' || (x.type === 'handler.failed' && x.final)),
        );
      expect(ended, `${e.id} to ${agent}`).toBe(true);
    }
    for (const a of ['scribe', 'planner', 'sloppy', 'limited', 'other', 'broken', 'slow', 'garbled', 'refused'])
      expect(org.ls('workspaces', a, 'inbox'), a).toEqual([]);
  });
});

// The model client is node running this package: the jail must show the package (runtime/model/command.ts, modelReadOnlyPaths).
const jail = bwrapAvailable();
const skipJail = !jail.ok && process.env.MAILROOM_ALLOW_NO_JAIL === '1';

describe.skipIf(skipJail)('a jailed model handler', () => {
  it('runs in the jail (sandbox: bwrap) and answers, with the key from its secret', async () => {
    const jailed = orgFromYaml(
      `sandbox: bwrap\nagents:\n  boss: {}\n  scribe: { model: { provider: openai, model: jailed, base_url: "${provider.url}", secret: TEST_API_KEY }, timeout: 20s }\n`,
    );
    try {
      expect(mailroom(['secret', 'set', 'TEST_API_KEY', '--root', jailed.root], { input: 'sk-jailed' }).code).toBe(0);
      await jailed.start();
      jailed.drop('boss', 'j.md', message({ to: 'scribe', subject: 'Jailed' }, 'From inside.\n'));
      const reply = await waitFor(
        () =>
          jailed
            .ls('workspaces', 'boss', 'inbox')
            .map((n) => jailed.read('workspaces', 'boss', 'inbox', n))
            .find((t) => t.includes('from: scribe')),
        'the jailed reply',
        20_000,
      );
      expect(reply).toContain('From inside.');
      expect(provider.of('jailed')[0]!.headers.authorization).toBe('Bearer sk-jailed');
    } finally {
      await jailed.cleanup();
    }
  });
});
