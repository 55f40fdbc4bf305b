import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { opsHandler, type NodeHandler, type OpsDeps } from '../../src/ops/health.js';
import { createMetrics } from '../../src/ops/metrics.js';

// Serves handlers the way Probot 14's Server does: each in turn until one returns true, then 404.
async function serve(handlers: NodeHandler[]): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    for (const h of handlers) if (await h(req, res)) return;
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

function deps(store: () => Promise<boolean>, queue: () => Promise<boolean>, extra: Partial<OpsDeps> = {}): OpsDeps {
  return { store: { kind: 'sqlite', ping: store }, queue: { kind: 'bullmq', ping: queue }, ...extra };
}
const up = async () => true;

describe('ops routes', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const s of servers) await close(s);
  });
  async function start(d: OpsDeps): Promise<string> {
    const { server, url } = await serve([opsHandler(d)]);
    servers.push(server);
    return url;
  }

  test('/healthz answers 200 even when dependencies are down', async () => {
    const url = await start(
      deps(
        async () => false,
        async () => false,
      ),
    );
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  test('/readyz is 200 when store and queue answer', async () => {
    const url = await start(deps(up, up));
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      ok: true,
      failed: [],
      checks: { store: { ok: true, kind: 'sqlite' }, queue: { ok: true, kind: 'bullmq' } },
    });
  });

  test('/readyz is 503 and names the queue when its ping is false', async () => {
    const url = await start(deps(up, async () => false));
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body).toMatchObject({
      ok: false,
      failed: ['queue'],
      checks: { store: { ok: true }, queue: { ok: false, error: 'queue ping returned false' } },
    });
  });

  test('/readyz is 503 with the error when the store throws, and when a ping hangs', async () => {
    const url = await start(
      deps(
        async () => {
          throw new Error('SQLITE_CANTOPEN: unable to open database file');
        },
        () => new Promise<boolean>(() => {}),
        { pingTimeoutMs: 50 },
      ),
    );
    const res = await fetch(`${url}/readyz?verbose=1`);
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.failed).toEqual(['store', 'queue']);
    expect(body.checks.store.error).toContain('SQLITE_CANTOPEN');
    expect(body.checks.queue.error).toBe('queue ping did not answer within 50 ms');
  });

  test('/metrics serves the registry in Prometheus text format', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.recordDelivery('issues', 'queued');
    const url = await start(deps(up, up, { metrics }));
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(metrics.contentType);
    expect(await res.text()).toContain('baton_webhook_deliveries_total{event="issues",outcome="queued"} 1');
  });

  test('/metrics asks for the bearer token when one is configured', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const url = await start(deps(up, up, { metrics, metricsToken: 's3cret' }));
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer s3cret' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('baton_queue_up');
  });

  test('other paths and methods fall through to the next handler', async () => {
    const url = await start(deps(up, up));
    expect((await fetch(`${url}/api/github/webhooks`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${url}/metrics`)).status).toBe(404); // no registry given
  });
});
