import { readSecrets } from '../../workspaces/secrets.js';
import type { Layout } from '../../workspaces/layout.js';
import { startPageServer, type PageServer } from '../serve/server.js';
import { EXIT, Problem, UsageError, findRoot, parse, print } from './common.js';

export const usage = `mailroom serve [--root <dir>] [--port 7077] [--host 127.0.0.1] [--token <value> | --token-secret NAME]

A read-only page over the org, for a browser or a phone: the board in columns by status (most
urgent first), every agent's inbox depth, oldest unread mail, lane and jail, the lanes, held
approvals, alerts, recent events, and charts (messages per minute, queue depth, delivery
latency, cost per day). It updates itself (server-sent events) as the files change. A separate
process from the daemon: it only reads the org, and works whether or not the daemon runs.

Options:
  --port <n>            the port (default 7077; 0 picks a free one, printed at start)
  --host <address>      the address to listen on (default 127.0.0.1). Any other address
                        (0.0.0.0, a LAN or VPN address) requires a token.
  --token <value>       every request, to any path, must carry it (at least 16 characters):
                        as "Authorization: Bearer <value>", or open the page once as
                        http://host:port/?token=<value>, which sets a cookie. Without it: 401.
  --token-secret NAME   the token from a stored secret (mailroom secret set NAME), so it is
                        not on the command line where ps shows it. Prefer this.

Examples:
  mailroom serve --root ./org                      # http://127.0.0.1:7077/
  openssl rand -hex 24 | mailroom secret set --root ./org PAGE_TOKEN
  mailroom serve --root ./org --host 0.0.0.0 --token-secret PAGE_TOKEN`;

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];

function tokenOf(layout: Layout, values: Record<string, string | boolean | undefined>): string | null {
  if (values.token !== undefined && values['token-secret'] !== undefined)
    throw new UsageError(`give --token or --token-secret, not both\n\n${usage}`);
  let token: string | null = null;
  if (typeof values.token === 'string') token = values.token;
  if (typeof values['token-secret'] === 'string') {
    const name = values['token-secret'];
    const { values: found } = readSecrets(layout, [name]);
    if (found[name] === undefined)
      throw new Problem(
        `no secret ${name} in ${layout.rel(layout.private)}/secrets/; store one with \`openssl rand -hex 24 | mailroom secret set --root ${layout.root} ${name}\``,
      );
    token = found[name]!.trim();
  }
  if (token !== null && token.length < 16)
    throw new UsageError('the token must be at least 16 characters (e.g. `openssl rand -hex 24`)');
  return token;
}

function portOf(value: string | boolean | undefined): number {
  if (value === undefined) return 7077;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port: a number from 0 to 65535, got ${JSON.stringify(value)}`);
  return port;
}

export async function run(argv: string[]): Promise<number> {
  const options = {
    root: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    token: { type: 'string' },
    'token-secret': { type: 'string' },
  } as const;
  const { values } = parse(argv, options, usage);
  if (values.help) return (print(usage), EXIT.ok);
  const port = portOf(values.port);
  const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
  const layout = findRoot(values.root as string | undefined);
  const token = tokenOf(layout, values);
  if (!LOOPBACK.includes(host) && token === null) {
    throw new UsageError(
      `--host ${host} makes the page reachable from other machines: give --token <value> or --token-secret NAME too (every request must then carry it)`,
    );
  }
  const log = (line: string) => process.stderr.write(`mailroom serve: ${line}\n`);
  let server: PageServer;
  try {
    server = await startPageServer({ layout, host, port, token, log });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new Problem(`port ${port} on ${host} is in use (another mailroom serve?); pick another with --port`);
    if (e.code === 'EADDRNOTAVAIL')
      throw new Problem(
        `${host} is not an address of this machine; --host takes one of its addresses, or 0.0.0.0 for all`,
      );
    throw err;
  }
  log(
    `serving ${server.url} for ${layout.root}${token ? ' (token required: open it once with ?token=<token>)' : ''}; stop with Ctrl-C`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.close();
  return EXIT.ok;
}
