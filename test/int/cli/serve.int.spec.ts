/**
 * `mailroom serve` with a real daemon, the real CLI as a child process and headless Chromium
 * (Debian's chromium driven by playwright-core): the page shows what the files say, live.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, message, type Org } from '../../support/org.js';

const CHROMIUM = process.env.MAILROOM_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  if (process.env.CI)
    throw new Error(`${CHROMIUM} is missing and CI is set: .ci/run installs it (apt-get install -y chromium)`);
  process.stderr.write(
    `\n*** serve.int.spec: ${CHROMIUM} is missing: the BROWSER TESTS ARE SKIPPED (apt-get install -y chromium) ***\n\n`,
  );
}
const TOKEN = 'a-token-long-enough-0123456789';

interface Served {
  url: string;
  child: ChildProcess;
  stderr: () => string;
}

const children: ChildProcess[] = [];
let org: Org | undefined;
let browser: Browser | undefined;

async function serve(root: string, args: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--root', root, '--port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const url = await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${stderr}`);
    return /serving (http:\/\/\S+\/) /.exec(stderr)?.[1];
  }, 'mailroom serve to listen');
  return { url, child, stderr: () => stderr };
}

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
    }
  }
  await org?.cleanup();
  org = undefined;
});

beforeAll(async () => {
  if (HAVE_CHROMIUM) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => browser?.close());

async function cardStatus(page: Page, task: string): Promise<string | null> {
  return page.evaluate(
    (id) =>
      document.querySelector(`[data-task="${id}"]`)?.closest('[data-status]')?.getAttribute('data-status') ?? null,
    task,
  );
}

async function inboxDepth(page: Page, agent: string): Promise<string | null> {
  return page.evaluate((a) => document.querySelector(`[data-agent="${a}"] .inbox`)?.textContent ?? null, agent);
}

describe.skipIf(!HAVE_CHROMIUM)('the page in a browser', () => {
  it('shows a dropped task within a second, moves it when its status changes, and follows an inbox', async () => {
    org = makeOrg(['maya', 'legal']);
    await org.start();
    const served = await serve(org.root);
    const page = await browser!.newPage();
    await page.goto(served.url);
    await waitFor(async () => (await page.textContent('#live')) === 'live', 'the page to connect (SSE)');

    const subject = 'Review <b>sections</b> 4-7 & "liability" <script>alert(1)</script>';
    const dropped = Date.now();
    org.drop(
      'maya',
      'task.md',
      message({ to: 'legal', kind: 'task', priority: 'high', subject: JSON.stringify(subject) }),
    );
    await waitFor(async () => (await cardStatus(page, 'T-1')) === 'open', 'T-1 in the open column', 1000);
    process.stderr.write(`serve.int.spec: dropped file -> task on the page in ${Date.now() - dropped} ms\n`);
    // Hostile text is shown as text: no element was made from it.
    expect(await page.textContent('[data-task="T-1"] .title')).toBe(subject);
    expect(await page.$$('[data-task="T-1"] b, [data-task="T-1"] script')).toHaveLength(0);
    expect(await page.textContent('[data-task="T-1"] .owner')).toBe('@legal');

    await waitFor(async () => (await inboxDepth(page, 'legal')) === '1', "legal's inbox depth 1");
    org.drop('legal', 'claim.md', message({ task: 'T-1', status: 'in_progress' }));
    await waitFor(async () => (await cardStatus(page, 'T-1')) === 'in_progress', 'T-1 to move to in progress');
    // legal reads its mail: the depth follows the folder.
    for (const f of org.ls('workspaces', 'legal', 'inbox'))
      fs.renameSync(path.join(org.inbox('legal'), f), path.join(org.p('workspaces', 'legal', 'done'), f));
    await waitFor(async () => (await inboxDepth(page, 'legal')) === '0', "legal's inbox depth back to 0");
    org.drop('legal', 'done.md', message({ task: 'T-1', status: 'done' }));
    await waitFor(async () => (await cardStatus(page, 'T-1')) === 'done', 'T-1 to move to done');
    await waitFor(async () => (await inboxDepth(page, 'maya')) === '2', "maya's inbox: the two updates");
    await page.close();
  });

  it('on another address, refuses every request without the token (401) and lets the browser in once with ?token=', async () => {
    org = makeOrg(['maya', 'legal']);
    const served = await serve(org.root, ['--host', '127.0.0.2', '--token', TOKEN]);
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/$/);
    for (const p of ['', 'api/model', 'events', 'app.js', 'vendor/uplot.js', 'no/such/path', '?token=wrong']) {
      const r = await fetch(served.url + p, { redirect: 'manual' });
      expect(r.status, p).toBe(401);
      const wrong = await fetch(served.url + p, {
        headers: { Authorization: 'Bearer wrong-token-0123456789' },
        redirect: 'manual',
      });
      expect(wrong.status, p).toBe(401);
    }
    const ok = await fetch(`${served.url}api/model`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(
      ((await ok.json()) as { model: { agents: Array<{ name: string }> } }).model.agents.map((a) => a.name),
    ).toEqual(['maya', 'legal', 'operator']);

    const context = await browser!.newContext();
    const page = await context.newPage();
    const refused = await page.goto(served.url);
    expect(refused!.status()).toBe(401);
    await page.goto(`${served.url}?token=${TOKEN}`);
    expect(page.url()).toBe(served.url); // the token left the address bar
    await waitFor(async () => (await page.textContent('#live')) === 'live', 'the page to connect with the cookie');
    expect(await page.textContent('#daemon')).toBe('daemon NOT running');
    await context.close();
  });
});

describe('serve refuses what it must', () => {
  it('will not listen beyond loopback without a token', () => {
    org = makeOrg(['maya']);
    const r = spawnSync(process.execPath, [CLI, 'serve', '--root', org.root, '--host', '0.0.0.0', '--port', '0'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--host 0\.0\.0\.0 .*--token <value> or --token-secret NAME/);
    const short = spawnSync(
      process.execPath,
      [CLI, 'serve', '--root', org.root, '--host', '0.0.0.0', '--token', 'short'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(short.status).toBe(2);
    expect(short.stderr).toMatch(/at least 16 characters/);
    const missing = spawnSync(process.execPath, [CLI, 'serve', '--root', org.root, '--token-secret', 'PAGE_TOKEN'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no secret PAGE_TOKEN .*mailroom secret set/);
  });

  it('takes its token from a stored secret', async () => {
    org = makeOrg(['maya']);
    const set = spawnSync(process.execPath, [CLI, 'secret', 'set', '--root', org.root, 'PAGE_TOKEN'], {
      input: `${TOKEN}\n`,
      encoding: 'utf8',
    });
    expect(set.status, set.stderr).toBe(0);
    const served = await serve(org.root, ['--host', '127.0.0.2', '--token-secret', 'PAGE_TOKEN']);
    expect((await fetch(`${served.url}api/model`)).status).toBe(401);
    expect((await fetch(`${served.url}api/model`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});
