/**
 * `npm run screenshots`: the README's pictures of `mailroom serve`. A small org (two people-run
 * agents, four mock handlers sharing one lane) works for a couple of minutes, then headless
 * Chromium (Debian's, through playwright-core) takes docs/page.png (desktop) and
 * docs/page-phone.png (a phone's width). Needs /usr/bin/chromium (or MAILROOM_CHROMIUM).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '..', 'runtime', 'cli', 'main.js');
const MOCK = path.resolve(here, 'mock-agent.js');
const DOCS = path.resolve(here, '..', '..', 'docs');
const MINUTES = Number(process.env.SCREENSHOT_MINUTES ?? 2);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-screens-'));
const root = path.join(tmp, 'acme');
const children: ChildProcess[] = [];

function cli(args: string[], input = ''): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mailroom ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function send(from: string, to: string, subject: string, extra: string[] = [], body = 'See the attached notes.') {
  cli(['send', '--root', root, '--from', from, '--to', to, '--subject', subject, ...extra], body);
}

function background(args: string[], ready: RegExp): Promise<string> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = ready.exec(err);
      if (m) resolve(m[1] ?? '');
    });
    child.once('exit', (code) => reject(new Error(`mailroom ${args[0]} exited ${code}: ${err}`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function scenario(): Promise<void> {
  send('maya', 'legal', 'Review the operator agreement, sections 4-7', ['--kind', 'task', '--priority', 'high']);
  send('maya', 'cfo', 'Approve the Q4 compute budget', ['--kind', 'task', '--priority', 'critical']);
  send('cfo', 'legal', 'Check the <vendor> contract renewal & terms', ['--kind', 'task']);
  send('maya', 'legal', "Archive last year's NDAs", ['--kind', 'task', '--priority', 'low']);
  send('maya', 'scout', 'Survey GPU prices this week', ['--kind', 'task'], 'mock: sleep 600000');
  send('legal', 'maya', 'Which template for the reseller deal?');
  await sleep(1500);
  send('legal', 'maya', 'on it', ['--task', 'T-1', '--status', 'in_progress']);
  send('cfo', 'maya', 'waiting for the usage report', ['--task', 'T-2', '--status', 'blocked']);
  send('legal', 'maya', 'done, see notes', ['--task', 'T-4', '--status', 'done']);
  const end = Date.now() + MINUTES * 60_000;
  for (let i = 0; Date.now() < end; i++) {
    const to = ['builder', 'radar', 'pulse'][i % 3]!;
    send(
      'maya',
      to,
      `Nightly check ${i + 1}`,
      ['--kind', i % 4 === 0 ? 'task' : 'message'],
      `mock: sleep ${200 + (i % 5) * 300}`,
    );
    if (i % 7 === 3) send('oliver', 'legal', `Question ${i + 1} about the contract`);
    await sleep(2500 + (i % 3) * 1500);
  }
}

async function main(): Promise<void> {
  cli(['init', root, '--agents', 'maya,oliver,legal,cfo,scout,builder,radar,pulse']);
  const handler = (a: string) => `  ${a}: { command: ${JSON.stringify(`node ${MOCK}`)}, lane: deepseek, timeout: 20m }`;
  const yaml = [
    'agents:',
    '  maya: {}',
    '  oliver: {}',
    '  legal: {}',
    '  cfo: {}',
    ...['scout', 'builder', 'radar', 'pulse'].map(handler),
    'groups: {}',
    'lanes:',
    '  deepseek: { concurrency: 2, per_minute: 30 }',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(root, 'mailroom.yaml'), yaml);
  await background(['start', '--root', root], /(watching )/);
  const url = await background(['serve', '--root', root, '--port', '0'], /serving (http:\S+) /);
  await scenario();
  const browser = await chromium.launch({
    executablePath: process.env.MAILROOM_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  fs.mkdirSync(DOCS, { recursive: true });
  for (const [name, width, height] of [
    ['page.png', 1400, 1000],
    ['page-phone.png', 390, 844],
  ] as const) {
    const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: width < 500 ? 2 : 1 });
    await page.goto(url);
    await page.waitForSelector('[data-task="T-1"]');
    await sleep(500);
    await page.screenshot({ path: path.join(DOCS, name), fullPage: width > 500 });
    await page.close();
  }
  await browser.close();
  process.stdout.write(`wrote ${path.join(DOCS, 'page.png')} and page-phone.png\n`);
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`screenshots: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill('SIGTERM');
    setTimeout(() => fs.rmSync(tmp, { recursive: true, force: true }), 1000);
  });
