// The router's calls on /metrics (tokens, dollars, latency, fallbacks per provider/model/task) and in traces (one
// `llm <provider>/<model>` span per provider call, under the job's span).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics } from '../../src/ops/metrics.js';
import { flushTracing, initTracing, shutdownTracing, withSpan } from '../../src/ops/tracing.js';
import { harness, req, type Harness } from './harness.js';
import { loadConfig } from '../../src/config/env.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

it('puts every call on /metrics: tokens, dollars, latency and fallbacks per provider, model and task', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const r = h.router({}, { observe: (e) => metrics.recordLlm(e) });
  h.openai.script('gpt-4.1', { kind: 'server' });
  const res = await r.run(req({ task: 'risk' })); // gpt-4.1 fails (500), the next strong candidate answers
  expect(res.notes.join('\n')).toMatch(/fallback: 500 from openai\/gpt-4\.1/);
  await r.run(req({ task: 'risk', prompt: 'same' })); // gpt-4.1 answers this time
  await r.run(req({ task: 'risk', prompt: 'same' })); // a cache hit
  const text = await metrics.text();
  const answered = `provider="${res.provider}",model="${res.model}",task="risk"`;
  const first = 'provider="openai",model="gpt-4.1",task="risk"';
  expect(text).toContain(`baton_llm_fallbacks_total{provider="openai",model="gpt-4.1",task="risk",reason="error"} 1`);
  expect(text).toMatch(new RegExp(`baton_llm_tokens_total\\{${answered},direction="out"\\} [1-9]`));
  expect(text).toMatch(new RegExp(`baton_llm_cost_usd_total\\{${answered}\\} 0\\.0\\d+`));
  expect(text).toContain(`baton_llm_latency_seconds_count{${answered}} 1`);
  expect(text).toContain(`baton_llm_latency_seconds_count{${first}} 2`); // the failed call and the answer
  expect(text).toContain(`baton_llm_requests_total{${first},outcome="cache_hit"} 1`);
  expect(text).toContain(`baton_llm_requests_total{${first},outcome="error"} 1`);
});

interface Span {
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: Array<{ key: string; value: { intValue?: string | number; stringValue?: string } }>;
}

it('makes each provider call a span under the job’s span, with tokens and cost', async () => {
  const spans: Span[] = [];
  const collector: Server = createServer((q, s) => {
    const chunks: Buffer[] = [];
    q.on('data', (c: Buffer) => chunks.push(c));
    q.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: Span[] }> }>;
      };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      s.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((ok) => collector.listen(0, '127.0.0.1', () => ok()));
  try {
    const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    expect(initTracing({ url: loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: url }).ops.tracesUrl })).toBe(true);
    const r = h.router();
    h.openai.script('gpt-4.1', { kind: 'server' });
    await withSpan('job pull_request', {}, () => r.run(req({ task: 'risk' })));
    await flushTracing();
    const job = spans.find((s) => s.name === 'job pull_request')!;
    const llm = spans.filter((s) => s.name.startsWith('llm '));
    expect(llm.map((s) => s.name)).toEqual(['llm openai/gpt-4.1', 'llm gemini/gemini-2.5-pro']);
    for (const s of llm) expect(s.parentSpanId).toBe(job.spanId);
    const attrs = Object.fromEntries((llm[1]!.attributes ?? []).map((a) => [a.key, a.value]));
    expect(Number(attrs['gen_ai.usage.output_tokens']?.intValue)).toBeGreaterThan(0);
    expect(attrs['baton.task']?.stringValue).toBe('risk');
  } finally {
    await shutdownTracing();
    await new Promise<void>((ok) => collector.close(() => ok()));
  }
});

it('the stack hands every router’s ledger entries to its observers (what serve.ts feeds /metrics from)', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { openStack } = await import('../../src/app/stack.js');
  const dir = mkdtempSync(join(tmpdir(), 'baton-llm-obs-'));
  const stack = await openStack({ dataDir: dir, config: loadConfig(h.env) });
  try {
    const seen: string[] = [];
    stack.observeLlm((e) => seen.push(`${e.provider}/${e.model}:${e.task}`));
    const router = stack.router({ llm: { tasks: { summary: { tier: 'economy' } } } } as never);
    const res = await router.run(req({ task: 'summary' }));
    expect(seen).toEqual([`${res.provider}/${res.model}:summary`]);
  } finally {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
