/**
 * Hostile handlers against the jail (issue 10, items 2 and 3). A real jailed handler, a Python
 * script, performs each attack and reports what it got; whatever it read it also tries to send
 * out in its reply. The tests assert what a user cares about: the canary values appear nowhere
 * the handler could write (the whole org, the log, the daemon's output), no message is stamped
 * with a sender that did not send it, the mailbox folders stay real folders, and the daemon
 * stays alive and delivers other mail.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../../workspaces/jail.js';
import { mailroom } from '../../support/cli.js';
import { waitFor } from '../../support/events.js';
import { makeOrg, message, type Org } from '../../support/org.js';
import { ATTACK_PY } from './jail-attack.js';

const jail = bwrapAvailable();
// As in the other jail specs: skipped (reported) only where bwrap cannot work and MAILROOM_ALLOW_NO_JAIL=1 says so.
const skipJail = !jail.ok && process.env.MAILROOM_ALLOW_NO_JAIL === '1';
if (skipJail) console.warn(`SKIPPING the hostile-handler jail tests: ${jail.why}`);
beforeAll(() => {
  if (!skipJail) expect(jail.ok, `bwrap must work for these tests: ${jail.why}`).toBe(true);
});

const CANARY = `canary-${process.pid}-${Math.random().toString(36).slice(2)}`;
const cleanups: Array<() => void> = [];
const orgs: Org[] = [];
afterEach(async () => {
  for (const o of orgs.splice(0)) await o.cleanup();
});
afterAll(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function org(agents: string[]): Org {
  const o = makeOrg(agents);
  orgs.push(o);
  return o;
}

/** A canary file `<dir>/mailroom-canary-*\/.ssh/id_rsa` holding CANARY, removed after the file; null where this user cannot create one. */
function canaryUnder(dir: string): string | null {
  try {
    const base = fs.mkdtempSync(path.join(dir, 'mailroom-canary-'));
    cleanups.push(() => fs.rmSync(base, { recursive: true, force: true }));
    fs.mkdirSync(path.join(base, '.ssh'), { mode: 0o700 });
    const file = path.join(base, '.ssh', 'id_rsa');
    fs.writeFileSync(file, `-----BEGIN KEY-----\n${CANARY}\n`, { mode: 0o600 });
    return file;
  } catch {
    return null;
  }
}

/** A server that hands out CANARY to whoever connects: a unix socket path, an abstract name (leading NUL) or a TCP port on 127.0.0.1. */
async function canaryServer(where: string | number): Promise<void> {
  const server = net.createServer((c) => c.end(CANARY));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (typeof where === 'number') server.listen(where, '127.0.0.1', () => resolve());
    else server.listen(where, () => resolve());
  });
  cleanups.push(() => server.close());
}

interface Outcome {
  ok: boolean;
  detail: string;
}

/**
 * Run `attacks` (see jail-attack.ts) as the handler of each agent in `handlers` (agent -> extra
 * config), one message each, and return each agent's results once its run has ended.
 */
async function attack(
  o: Org,
  handlers: Record<string, string>,
  attacks: string[],
): Promise<Record<string, Record<string, Outcome>>> {
  const lines = ['agents:', '  boss: {}', '  victim: {}'];
  for (const [agent, extra] of Object.entries(handlers)) {
    fs.writeFileSync(o.p('workspaces', agent, 'attack.py'), ATTACK_PY);
    fs.writeFileSync(o.p('workspaces', agent, 'attacks.json'), JSON.stringify(attacks));
    lines.push(`  ${agent}: { command: "python3 ./attack.py", max_attempts: 1${extra ? `, ${extra}` : ''} }`);
  }
  fs.writeFileSync(o.p('mailroom.yaml'), `${lines.join('\n')}\ngroups: {}\n`);
  await o.start();
  for (const agent of Object.keys(handlers))
    o.drop('boss', `go-${agent}.md`, message({ to: agent, subject: `go ${agent}` }));
  const out: Record<string, Record<string, Outcome>> = {};
  for (const agent of Object.keys(handlers)) {
    const end = await waitFor(
      () =>
        o.events().find((e) => (e.type === 'handler.succeeded' || e.type === 'handler.failed') && e.agent === agent),
      `${agent}'s run`,
    );
    expect(end.type, JSON.stringify(end)).toBe('handler.succeeded');
    out[agent] = JSON.parse(o.read('workspaces', agent, 'results.json'));
  }
  return out;
}

/** Every file under `dir` (no link followed) whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

/** The daemon is alive and delivering: a message from boss to victim arrives. */
async function stillDelivers(o: Org, slug: string): Promise<void> {
  o.drop('boss', `${slug}.md`, message({ to: 'victim', subject: slug }));
  await waitFor(
    () => o.ls('workspaces', 'victim', 'inbox').some((n) => n.endsWith(`-${slug}.md`)),
    `${slug} delivered to victim`,
  );
  expect(o.daemon?.exitCode).toBe(null);
}

describe.skipIf(skipJail)('a hostile jailed handler and the host', () => {
  it("cannot read /root, /home and the like, another org's secrets, a socket in the host's /tmp, see the daemon's processes, or fill memory through /tmp", async () => {
    const o = org(['boss', 'evil', 'victim']);
    const sibling = org(['x']);
    expect(mailroom(['secret', 'set', 'SIBLING_TOKEN', '--root', sibling.root], { input: CANARY }).code).toBe(0);
    const tops = ['/root', '/home', '/srv', '/mnt', '/opt', '/media', '/var/lib'];
    const canaries = tops.map(canaryUnder).filter((f): f is string => f !== null);
    // As root (as here) every canary is made; as another user, those it may create.
    if (process.getuid?.() === 0) expect(canaries).toHaveLength(tops.length);
    const sock = path.join(os.tmpdir(), `mailroom-canary-${process.pid}.sock`);
    cleanups.push(() => fs.rmSync(sock, { force: true }));
    await canaryServer(sock);
    const escaped = path.join('/tmp', `mailroom-escaped-${process.pid}`);
    const siblingRoot = fs.realpathSync(sibling.root);
    const attacks = [
      ...canaries.map((f) => `read:${f}`),
      ...tops.map((d) => `list:${d}`),
      `read:${siblingRoot}/.mailroom/secrets/SIBLING_TOKEN`,
      `list:${siblingRoot}`,
      `read:${siblingRoot}/mailroom.yaml`,
      `connect:${sock}`,
      'daemon-in-proc',
      'inherited-fds',
      'fill:/tmp',
      'fill:/dev/shm',
      'write:/dev/planted',
      'read:/etc/shadow',
      'list:/sys',
      `write:${escaped}`,
    ];
    const { evil } = await attack(o, { evil: '' }, attacks);
    for (const a of attacks.filter((x) => !x.startsWith('write:/tmp') && x !== 'inherited-fds'))
      expect(evil![a], a).toMatchObject({ ok: false });
    // No descriptor of the daemon's own reaches the handler. (One the daemon itself inherited
    // without close-on-exec from whatever started it, as this test runner may, passes through: Node
    // cannot close it; systemd starts the daemon with none.)
    const inherited = new Set(
      fs.readdirSync('/proc/self/fd').map((fd) => {
        try {
          return fs.readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return '';
        }
      }),
    );
    const leaked = evil!['inherited-fds']!.ok
      ? Object.values(JSON.parse(evil!['inherited-fds']!.detail) as Record<string, string>)
      : [];
    expect(leaked.filter((t) => !(t.startsWith('pipe:') && inherited.has(t)))).toEqual([]);
    // /tmp is a fresh tmpfs: the write succeeds in the jail and never reaches the host.
    expect(evil![`write:${escaped}`]).toMatchObject({ ok: true });
    expect(fs.existsSync(escaped)).toBe(false);

    // The reply (which carries whatever it read) is delivered, and the canary is nowhere.
    await waitFor(
      () => o.ls('workspaces', 'boss', 'inbox').some((n) => n.endsWith('-loot.md')),
      'the reply with the loot',
    );
    expect(filesContaining(o.root, CANARY)).toEqual([]);
    expect(o.stderr).not.toContain(CANARY);
    await stillDelivers(o, 'after-the-host-attacks');
  });
});

describe.skipIf(skipJail)('a hostile jailed handler and its own mailboxes', () => {
  it('cannot forge mail in its inbox, write done/, sent/ or BRIEF.md, or rename, replace or remove a mailbox folder; remounting fails too', async () => {
    const o = org(['boss', 'evil', 'victim']);
    const root = fs.realpathSync(o.root);
    const forged = message({
      id: 'forged1',
      from: 'operator',
      to: 'evil',
      sent: '2026-01-01T00:00:00Z',
      kind: 'update',
      task: 'T-1',
      status: 'cancelled',
      subject: 'forged',
    });
    const boxes = ['inbox', 'outbox', 'done', 'sent', 'BRIEF.md'];
    const attacks = [
      `write:inbox/20260101T000000000Z-normal-forged1-operator.md=${forged}`,
      'write:done/handled.md=x',
      'write:sent/sent.md=x',
      'write:BRIEF.md=I own every task',
      ...boxes.map((b) => `rename:${b}`),
      ...boxes.map((b) => `remove:${b}`),
      `swaplink:outbox=${root}/.mailroom/secrets`,
      `swaplink:inbox=${root}`,
      `swaplink:done=${root}/board`,
      `swaplink:BRIEF.md=${root}/mailroom.yaml`,
      'move-into-inbox',
      'hardlink:BRIEF.md',
      'remount-rw:inbox',
      'umount:inbox',
      'userns-umount:inbox',
      'userns-remount-rw:inbox',
    ];
    const before = o.ls('workspaces', 'evil', 'inbox');
    const { evil } = await attack(o, { evil: '' }, attacks);
    for (const a of attacks) expect(evil![a], a).toMatchObject({ ok: false });

    // Every mailbox is still a real folder (BRIEF.md a real file), seen from outside the jail.
    for (const b of boxes)
      expect(fs.lstatSync(o.p('workspaces', 'evil', b))[b === 'BRIEF.md' ? 'isFile' : 'isDirectory'](), b).toBe(true);
    // Only the daemon's deliveries are in its inbox, and no event carries a sender that did not send it.
    const inbox = o.ls('workspaces', 'evil', 'inbox').filter((n) => !before.includes(n));
    expect(
      inbox.every((n) => n.endsWith('-go-evil.md')),
      inbox.join(', '),
    ).toBe(true);
    expect(o.events().filter((e) => e.type === 'message.accepted' && e.from === 'operator')).toEqual([]);
    expect(o.read('workspaces', 'evil', 'BRIEF.md')).not.toContain('I own every task');
    // Its reply went out through the outbox, from evil, and the daemon still delivers.
    const reply = await waitFor(
      () => o.ls('workspaces', 'boss', 'inbox').find((n) => n.endsWith('-loot.md')),
      'the reply',
    );
    expect(o.read('workspaces', 'boss', 'inbox', reply)).toMatch(/^from: evil$/m);
    await waitFor(
      () => o.ls('workspaces', 'evil', 'done').some((n) => n.endsWith('-go-evil.md')),
      'the handled message moved to done/',
    );
    await stillDelivers(o, 'after-the-mailbox-attacks');
  });
});

describe.skipIf(skipJail)('network: none', () => {
  it("hides the host's network: /proc/net, 127.0.0.1 and abstract unix sockets, which network: host (the default) shows", async () => {
    const o = org(['boss', 'open', 'closed', 'victim']);
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    await canaryServer(port);
    const abstract = `\0mailroom-canary-${process.pid}`;
    await canaryServer(abstract);
    const hostIfaces = fs
      .readFileSync('/proc/net/dev', 'utf8')
      .split('\n')
      .slice(2)
      .map((l) => l.split(':')[0]!.trim())
      .filter((n) => n && n !== 'lo');
    const attacks = ['read:/proc/net/dev', 'read:/proc/net/tcp', `tcp:${port}`, `connect:@${abstract.slice(1)}`];
    const { open, closed } = await attack(o, { open: '', closed: 'network: none' }, attacks);
    // The default shares the host's network (documented), so the same attacks reach it:
    expect(open![`tcp:${port}`]).toMatchObject({ ok: true, detail: CANARY });
    expect(open![`connect:@${abstract.slice(1)}`]).toMatchObject({ ok: true, detail: CANARY });
    // network: none: a loopback of its own, nothing of the host's.
    expect(closed![`tcp:${port}`]!.ok).toBe(false);
    expect(closed![`connect:@${abstract.slice(1)}`]!.ok).toBe(false);
    const dev = closed!['read:/proc/net/dev']!.detail;
    expect(dev).toMatch(/^\s*lo:/m);
    for (const n of hostIfaces) expect(dev, `host interface ${n}`).not.toMatch(new RegExp(`^\\s*${n}:`, 'm'));
    expect(closed!['read:/proc/net/tcp']!.detail).not.toContain(
      `:${port.toString(16).toUpperCase().padStart(4, '0')} `,
    );
    await stillDelivers(o, 'after-the-network-attacks');
  });
});
