import { describe, expect, it } from 'vitest';
import { authorize, cookieValue } from '../../../runtime/serve/auth.js';

const TOKEN = 'a-token-long-enough-0123456789';

describe('authorize', () => {
  it.each([
    ['no token: a loopback Host', { url: '/', host: '127.0.0.1:7077' }, null, 'allow'],
    ['no token: localhost', { url: '/events', host: 'localhost:7077' }, null, 'allow'],
    ['no token: [::1]', { url: '/', host: '[::1]:7077' }, null, 'allow'],
    ['no token: a rebound DNS name', { url: '/', host: 'evil.example:7077' }, null, 'refuse'],
    ['no token: no Host at all', { url: '/' }, null, 'refuse'],
    ['token: nothing given', { url: '/', host: '10.0.0.5:7077' }, TOKEN, 'refuse'],
    ['token: any path refused alike', { url: '/no/such/thing', host: 'x' }, TOKEN, 'refuse'],
    ['token: the right bearer', { url: '/api/model', authorization: `Bearer ${TOKEN}` }, TOKEN, 'allow'],
    ['token: a wrong bearer', { url: '/api/model', authorization: 'Bearer nope' }, TOKEN, 'refuse'],
    ['token: a prefix of it', { url: '/', authorization: `Bearer ${TOKEN.slice(0, -1)}` }, TOKEN, 'refuse'],
    ['token: Basic is not Bearer', { url: '/', authorization: `Basic ${TOKEN}` }, TOKEN, 'refuse'],
    ['token: the cookie', { url: '/', cookie: `x=1; mailroom_token=${TOKEN}` }, TOKEN, 'allow'],
    ['token: a wrong cookie', { url: '/', cookie: 'mailroom_token=nope' }, TOKEN, 'refuse'],
    ['token: in the query', { url: `/?token=${TOKEN}` }, TOKEN, 'set-cookie'],
    ['token: a wrong one in the query', { url: '/?token=nope' }, TOKEN, 'refuse'],
  ] as const)('%s', (_what, req, token, kind) => {
    expect(authorize(req, token).kind).toBe(kind);
  });

  it('refuses without a token with 401, and a foreign Host with 403', () => {
    expect(authorize({ url: '/' }, TOKEN)).toMatchObject({ status: 401 });
    expect(authorize({ url: '/', host: 'evil.example' }, null)).toMatchObject({ status: 403 });
  });

  it('sets an HttpOnly cookie from ?token= and redirects to the address without it', () => {
    const v = authorize({ url: `/events?x=1&token=${TOKEN}` }, TOKEN);
    expect(v).toEqual({
      kind: 'set-cookie',
      cookie: `mailroom_token=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`,
      location: '/events?x=1',
    });
  });
});

describe('cookieValue', () => {
  it.each([
    ['a=1; mailroom_token=abc', 'abc'],
    ['mailroom_token=a%20b', 'a b'],
    ['mailroom_token=%zz', undefined],
    ['xmailroom_token=abc', undefined],
    [undefined, undefined],
  ] as const)('%s', (header, value) => {
    expect(cookieValue(header, 'mailroom_token')).toBe(value);
  });
});
