/**
 * A `nats-server -js` of a test's own: a free port on 127.0.0.1 and its own store folder, so
 * tests never share a server. `stop` (SIGTERM), `kill9` and `start` again on the same port and
 * store (what a crash and a restart of the real server look like). Register `stopAll` in an
 * afterEach/afterAll so that no server outlives its test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './events.js';

/** nats-server from PATH, or where Debian's package puts it (/usr/sbin is not on every PATH). */
export const NATS_SERVER =
  spawnSync('nats-server', ['--version']).status === 0 ? 'nats-server' : '/usr/sbin/nats-server';

/** The bridge tests need it: fail loudly, never skip quietly (`.ci/run` installs it). */
export function requireNatsServer(): void {
  if (spawnSync(NATS_SERVER, ['--version']).status !== 0)
    throw new Error('nats-server is not installed: `apt-get install nats-server` (Debian) to run the bridge tests');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
}

const servers: NatsServer[] = [];

export class NatsServer {
  proc: ChildProcess | null = null;
  log = '';
  constructor(
    readonly port: number,
    readonly store: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.proc = spawn(NATS_SERVER, ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.store], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.log = (this.log + d).slice(-4000)));
    await waitFor(async () => (await accepts(this.port)) || this.proc?.exitCode !== null, 'nats-server to listen');
    if (this.proc.exitCode !== null) throw new Error(`nats-server exited ${this.proc.exitCode}: ${this.log}`);
  }

  private async end(signal: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await gone;
    this.proc = null;
  }

  stop(): Promise<void> {
    return this.end('SIGTERM');
  }

  kill9(): Promise<void> {
    return this.end('SIGKILL');
  }
}

/** A fresh server on a free port with its own store, started. */
export async function startNats(): Promise<NatsServer> {
  requireNatsServer();
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-nats-'));
  const s = new NatsServer(await freePort(), store);
  servers.push(s);
  await s.start();
  return s;
}

export async function stopAllNats(): Promise<void> {
  for (const s of servers.splice(0)) {
    await s.kill9();
    fs.rmSync(s.store, { recursive: true, force: true });
  }
}

/** The bridge: section for an org on `server`. */
export function bridgeYaml(server: NatsServer, org: string, peers: string[], extra = ''): string {
  return `bridge:\n  nats:\n    url: ${server.url}\n    org: ${org}\n  peers: [${peers.join(', ')}]\n  ack_wait: 2s\n${extra}`;
}
