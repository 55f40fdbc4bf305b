import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Octokit } from '@octokit/rest';
import {
  currentTraceparent,
  initTracing,
  shutdownTracing,
  traceOctokit,
  withLlmSpan,
  withParent,
  withSpan,
} from '../../src/ops/tracing.js';
import { loadConfig, type Env } from '../../src/config/env.js';

const tracesUrl = (env: Env) => loadConfig(env).ops.tracesUrl;

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  status?: { code?: number; message?: string };
  events?: Array<{ name: string }>;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
}

// A minimal OTLP/HTTP collector: the JSON exporter POSTs ExportTraceServiceRequest bodies to /v1/traces.
function startCollector(): Promise<{
  server: Server;
  url: string;
  spans: OtlpSpan[];
  services: string[];
  contentTypes: string[];
}> {
  const spans: OtlpSpan[] = [];
  const services: string[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(String(req.headers['content-type']));
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const parsed = JSON.parse(body.toString('utf8')) as {
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
          scopeSpans: Array<{ spans: OtlpSpan[] }>;
        }>;
      };
      for (const rs of parsed.resourceSpans) {
        const svc = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
        if (svc) services.push(svc);
        for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        spans,
        services,
        contentTypes,
      }),
    ),
  );
}

function startFakeGitHub(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/repos/acme/web/issues/7')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ number: 7 }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

test('tracesUrl follows the OTLP env conventions', () => {
  expect(tracesUrl({})).toBeUndefined();
  expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318/' })).toBe('http://otel:4318/v1/traces');
  expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b/x' })).toBe(
    'http://b/x',
  );
});

test('without an endpoint, tracing is a no-op that still runs the work', async () => {
  expect(initTracing({ url: tracesUrl({}) })).toBe(false);
  const seen: Array<string | undefined> = [];
  const value = await withSpan('webhook issues', {}, async () => {
    seen.push(currentTraceparent());
    return 42;
  });
  expect(value).toBe(42);
  expect(seen).toEqual([undefined]);
  expect(withParent('garbage', () => 'ran')).toBe('ran');
  await expect(
    withSpan('job x', {}, async () => {
      throw new Error('boom');
    }),
  ).rejects.toThrow('boom');
});

test('webhook → job → github/llm spans reach the collector with parent links', async () => {
  const collector = await startCollector();
  const github = await startFakeGitHub();
  try {
    expect(initTracing({ url: tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }) })).toBe(true);

    // The webhook handler enqueues the job with its traceparent; the job runs later, outside that context.
    let traceparent: string | undefined;
    await withSpan('webhook issues', { 'github.delivery': 'd-1' }, async () => {
      traceparent = currentTraceparent();
    });
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(currentTraceparent()).toBeUndefined();

    const octokit = new Octokit({
      baseUrl: github.url,
      retry: { enabled: false },
      log: { debug() {}, info() {}, warn() {}, error() {} },
    } as ConstructorParameters<typeof Octokit>[0]);
    traceOctokit(octokit);

    await withParent(traceparent, () =>
      withSpan('job issues', { 'baton.key': 'acme/web#7' }, async () => {
        await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
          owner: 'acme',
          repo: 'web',
          issue_number: 7,
        });
        await expect(
          octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
            owner: 'acme',
            repo: 'web',
            pull_number: 3,
          }),
        ).rejects.toMatchObject({ status: 404 });
        await withLlmSpan('openai', 'gpt-4o-mini', { 'baton.task': 'risk' }, async () => 'summary');
        await expect(
          withSpan('step fails', {}, async () => {
            throw new Error('model said no');
          }),
        ).rejects.toThrow('model said no');
      }),
    );
    await shutdownTracing();

    const byName = new Map(collector.spans.map((s) => [s.name, s]));
    const webhook = byName.get('webhook issues')!;
    const job = byName.get('job issues')!;
    const ghOk = byName.get('github GET /repos/{owner}/{repo}/issues/{issue_number}')!;
    const ghMissing = byName.get('github GET /repos/{owner}/{repo}/pulls/{pull_number}')!;
    const llm = byName.get('llm openai/gpt-4o-mini')!;
    const failed = byName.get('step fails')!;
    for (const s of [webhook, job, ghOk, ghMissing, llm, failed]) expect(s).toBeDefined();

    expect(collector.services).toContain('baton');
    expect(collector.contentTypes[0]).toMatch(/application\/json/);
    expect(webhook.parentSpanId || undefined).toBeUndefined();
    expect(job.traceId).toBe(webhook.traceId);
    expect(job.parentSpanId).toBe(webhook.spanId);
    for (const child of [ghOk, ghMissing, llm, failed]) {
      expect(child.traceId).toBe(webhook.traceId);
      expect(child.parentSpanId).toBe(job.spanId);
    }
    // status codes: 1 = OK, 2 = ERROR
    expect(ghOk.status?.code).toBe(1);
    expect(ghMissing.status?.code).toBe(2);
    expect(failed.status).toMatchObject({ code: 2, message: 'model said no' });
    expect(failed.events?.map((e) => e.name)).toContain('exception');
    const status = ghMissing.attributes?.find((a) => a.key === 'http.response.status_code')?.value;
    expect(status).toEqual({ intValue: 404 });
  } finally {
    await shutdownTracing();
    await close(collector.server);
    await close(github.server);
  }
});

test('a malformed traceparent starts a new trace instead of failing the job', async () => {
  const collector = await startCollector();
  try {
    initTracing({ url: tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }) });
    await withParent('00-zzzz-bad-01', () => withSpan('job orphan', {}, async () => undefined));
    await shutdownTracing();
    const orphan = collector.spans.find((s) => s.name === 'job orphan');
    expect(orphan).toBeDefined();
    expect(orphan!.parentSpanId || undefined).toBeUndefined();
  } finally {
    await shutdownTracing();
    await close(collector.server);
  }
});
