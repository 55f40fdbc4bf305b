import { decideAccess, isLoopback } from '../../src/report/dashboard/access.js';
import { createDashboardHandler } from '../../src/report/dashboard/server.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { memStore } from './mem-store.js';

describe('decideAccess', () => {
  it('without a token: open to loopback only, never through a proxy', () => {
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('203.0.113.5')).toBe(false);
    expect(decideAccess({ remoteAddress: '127.0.0.1', headers: { host: 'localhost:3000' } }, undefined)).toEqual({
      ok: true,
      via: 'localhost',
    });
    expect(decideAccess({ remoteAddress: '::1', headers: { host: '[::1]:3000' } }, undefined).ok).toBe(true);
    const remote = decideAccess({ remoteAddress: '203.0.113.5', headers: {} }, undefined);
    expect(remote).toMatchObject({ ok: false, status: 403 });
    expect((remote as { message: string }).message).toMatch(/Set BATON_DASHBOARD_TOKEN/);
    expect(
      decideAccess({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.5' } }, undefined),
    ).toMatchObject({ ok: false, status: 403 });
    expect(decideAccess({ remoteAddress: '127.0.0.1', headers: {} }, undefined, false)).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it('with a token: bearer, cookie or ?token= (which asks for a cookie); missing → 401, wrong → 403, even on localhost', () => {
    const tok = 's3cret';
    expect(decideAccess({ remoteAddress: '127.0.0.1', headers: {} }, tok)).toMatchObject({ ok: false, status: 401 });
    expect(decideAccess({ remoteAddress: '127.0.0.1', headers: { authorization: 'Bearer nope' } }, tok)).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(decideAccess({ remoteAddress: '203.0.113.5', headers: { authorization: 'Bearer s3cret' } }, tok)).toEqual({
      ok: true,
      via: 'bearer',
    });
    expect(
      decideAccess({ remoteAddress: '203.0.113.5', headers: { cookie: 'a=b; baton_dashboard=s3cret' } }, tok),
    ).toEqual({ ok: true, via: 'cookie' });
    expect(decideAccess({ remoteAddress: '203.0.113.5', headers: {}, queryToken: 's3cret' }, tok)).toEqual({
      ok: true,
      via: 'query',
      setCookie: true,
    });
  });
});

/** Calls the handler with a request as node would build it for a remote client (no socket needed). */
async function call(
  handler: ReturnType<typeof createDashboardHandler>,
  url: string,
  remoteAddress: string,
  headers: Record<string, string> = {},
) {
  const out = { status: 0, headers: {} as Record<string, unknown>, body: '' };
  const req = { url, method: 'GET', headers, socket: { remoteAddress } } as unknown as IncomingMessage;
  const res = {
    writeHead(s: number, h: Record<string, unknown>) {
      out.status = s;
      out.headers = h;
      return this;
    },
    end(b?: string | Buffer) {
      out.body = String(b ?? '');
    },
  } as unknown as ServerResponse;
  const handled = await handler(req, res);
  return { handled, ...out };
}

describe('dashboard handler access', () => {
  it('refuses a non-localhost client in sandbox mode, with the fix in the message', async () => {
    const h = createDashboardHandler({ store: memStore() });
    const r = await call(h, '/baton/api/board', '203.0.113.5');
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error).toMatch(/BATON_DASHBOARD_TOKEN/);
  });

  it('trades ?token= for an HttpOnly cookie and a redirect without the token', async () => {
    const h = createDashboardHandler({ store: memStore(), token: 'tok' });
    const r = await call(h, '/baton?token=tok&since=7d', '203.0.113.5');
    expect(r.status).toBe(303);
    expect(r.headers.Location).toBe('/baton?since=7d');
    expect(r.headers['Set-Cookie']).toMatch(/^baton_dashboard=tok; Path=\/baton; HttpOnly; SameSite=Strict/);
  });

  it('leaves other paths to the next handler and refuses writes', async () => {
    const h = createDashboardHandler({ store: memStore() });
    expect((await call(h, '/api/github/webhooks', '127.0.0.1')).handled).toBe(false);
    const req = {
      url: '/baton/api/board',
      method: 'POST',
      headers: {},
      socket: { remoteAddress: '127.0.0.1' },
    } as unknown as IncomingMessage;
    let status = 0;
    await h(req, { writeHead: (s: number) => ((status = s), {}), end: () => {} } as unknown as ServerResponse);
    expect(status).toBe(405);
  });
});

test('tokenless mode: a Host allowlist against DNS rebinding, every forwarding header alike', () => {
  const local = { remoteAddress: '127.0.0.1', queryToken: null };
  expect(decideAccess({ ...local, headers: { host: 'localhost:3000' } }, undefined).ok).toBe(true);
  expect(decideAccess({ ...local, headers: { host: '127.0.0.1:8080' } }, undefined).ok).toBe(true);
  expect(decideAccess({ ...local, headers: { host: 'attacker.example:3000' } }, undefined).ok).toBe(false);
  for (const h of ['x-forwarded-for', 'x-real-ip', 'forwarded', 'true-client-ip'])
    expect(decideAccess({ ...local, headers: { host: 'localhost', [h]: '203.0.113.5' } }, undefined).ok).toBe(false);
});
