/**
 * `mailroom serve`: a read-only page over an org, on node:http (four routes, one of them
 * server-sent events: a framework would add more than it saves). A separate process from the
 * daemon, reading the same files.
 *
 *   GET /                 the page (runtime/serve/page/index.html)
 *   GET /<asset>          its script and style, and uPlot under /vendor/
 *   GET /api/model        the model as JSON: { now, model }
 *   GET /events           server-sent events: `model` with the same payload, on connect and
 *                         whenever the model changes; a comment every 15 s keeps proxies open
 * Every request is authorised first (auth.ts), whatever its path.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Layout } from '../../workspaces/layout.js';
import { loadAssets, type Asset } from './assets.js';
import { authorize } from './auth.js';
import { Changes } from './changes.js';
import { FoldedState, readModel } from './read.js';

export interface ServeOptions {
  layout: Layout;
  host: string;
  port: number;
  /** Required for any bind other than loopback (the CLI enforces it). */
  token: string | null;
  pollMs?: number;
  minGapMs?: number;
  log: (line: string) => void;
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** The current model, kept as the text sent to clients; rebuilt on change. */
class Snapshot {
  text = '';
  private body = '';
  agents: string[] = [];
  private failed: string | null = null;
  private readonly folded = new FoldedState();

  constructor(
    private readonly layout: Layout,
    private readonly log: (line: string) => void,
  ) {}

  /** Rebuild; true when what the page shows changed. */
  refresh(): boolean {
    const now = new Date().toISOString();
    let body: string;
    try {
      const model = readModel(this.layout, Date.parse(now), this.folded);
      this.agents = model.agents.map((a) => a.name);
      body = JSON.stringify(model);
      this.failed = null;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.failed !== message) this.log(`cannot read the org: ${message}`);
      this.failed = message;
      body = JSON.stringify({ error: message });
    }
    if (body === this.body) return false;
    this.body = body;
    this.text = `{"now":${JSON.stringify(now)},"model":${body}}`;
    return true;
  }
}

function send(
  res: http.ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Authorise, then route; `clients` collects the open event streams. */
function handler(
  token: string | null,
  assets: Map<string, Asset>,
  snapshot: Snapshot,
  clients: Set<http.ServerResponse>,
): Handler {
  return (req, res) => {
    const verdict = authorize(
      {
        url: req.url ?? '/',
        authorization: req.headers.authorization,
        cookie: req.headers.cookie,
        host: req.headers.host,
      },
      token,
    );
    if (verdict.kind === 'refuse')
      return send(
        res,
        verdict.status,
        'text/plain; charset=utf-8',
        `${verdict.status === 401 ? 'Unauthorized' : 'Forbidden'}: ${verdict.why}\n`,
        verdict.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="mailroom"' } : {},
      );
    if (verdict.kind === 'set-cookie')
      return send(res, 303, 'text/plain; charset=utf-8', '', {
        'Set-Cookie': verdict.cookie,
        Location: verdict.location,
      });
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain; charset=utf-8', 'This page is read-only: GET only.\n', { Allow: 'GET, HEAD' });
    const pathname = new URL(req.url ?? '/', 'http://page.invalid').pathname;
    if (pathname === '/api/model') return send(res, 200, 'application/json; charset=utf-8', snapshot.text);
    if (pathname === '/events') {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/event-stream; charset=utf-8',
        'X-Accel-Buffering': 'no',
      });
      res.write(`retry: 2000\n\nevent: model\ndata: ${snapshot.text}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    const asset = assets.get(pathname);
    if (asset) return send(res, 200, asset.type, asset.body);
    send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
  };
}

export async function startPageServer(o: ServeOptions): Promise<PageServer> {
  const snapshot = new Snapshot(o.layout, o.log);
  snapshot.refresh();
  const clients = new Set<http.ServerResponse>();
  const broadcast = () => {
    for (const c of clients) c.write(`event: model\ndata: ${snapshot.text}\n\n`);
  };
  const changes = new Changes(
    o.layout,
    () => snapshot.agents,
    () => snapshot.refresh() && broadcast(),
    { pollMs: o.pollMs ?? 2000, minGapMs: o.minGapMs ?? 100 },
  );
  const ping = setInterval(() => {
    for (const c of clients) c.write(': ping\n\n');
  }, 15_000);
  ping.unref();
  const handle = handler(o.token, loadAssets(), snapshot, clients);
  const server = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      o.log(`request ${req.method} ${req.url}: ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal error.\n');
      else res.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}/`,
    close: async () => {
      changes.close();
      clearInterval(ping);
      for (const c of clients) c.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
