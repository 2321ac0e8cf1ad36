/**
 * Who may read the page. On 127.0.0.1 with no token: anyone on this machine, but only under a
 * loopback Host header (a page elsewhere cannot rebind its DNS name to read it). With a token
 * (required for any other bind): every request, to any path, carries it as
 * `Authorization: Bearer <token>` or as the cookie that `?token=<token>` sets once (the
 * browser is then redirected to the same address without it). Pure.
 */
import crypto from 'node:crypto';

export const COOKIE = 'mailroom_token';

export type Verdict =
  | { kind: 'allow' }
  /** The token came in the query: set the cookie and redirect to `location`. */
  | { kind: 'set-cookie'; cookie: string; location: string }
  | { kind: 'refuse'; status: 401 | 403; why: string };

export interface RequestFacts {
  url: string;
  authorization?: string;
  cookie?: string;
  host?: string;
}

function same(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

export function authorize(req: RequestFacts, token: string | null): Verdict {
  const url = new URL(req.url, 'http://page.invalid');
  if (token === null) {
    if (!LOOPBACK_HOST.test(req.host ?? ''))
      return {
        kind: 'refuse',
        status: 403,
        why: `Host ${JSON.stringify(req.host ?? '')} is not this machine's loopback address`,
      };
    return { kind: 'allow' };
  }
  const bearer = /^Bearer\s+(.+)$/i.exec(req.authorization ?? '')?.[1]?.trim();
  if (bearer !== undefined && same(bearer, token)) return { kind: 'allow' };
  const fromCookie = cookieValue(req.cookie, COOKIE);
  if (fromCookie !== undefined && same(fromCookie, token)) return { kind: 'allow' };
  const fromQuery = url.searchParams.get('token');
  if (fromQuery !== null && same(fromQuery, token)) {
    url.searchParams.delete('token');
    const location = url.pathname + (url.searchParams.size ? `?${url.searchParams}` : '');
    return {
      kind: 'set-cookie',
      cookie: `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
      location,
    };
  }
  return {
    kind: 'refuse',
    status: 401,
    why: 'a token is required: send Authorization: Bearer <token>, or open the page once with ?token=<token>',
  };
}
