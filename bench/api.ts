// `npm run bench -- api`: the partner API against the sandbox, in one run —
//  1. create latency (p50/p99) and the GitHub requests a run started through the API costs, against a run a person
//     starts with a label (the same start, measured the same way: the ratio is the API's overhead);
//  2. retries: each request sent three times at once plus once more later, one of them aborted by the client, with
//     one Idempotency-Key → duplicate runs; the same retries without a key are the control (they must duplicate);
//  3. outbound webhooks to a receiver that is down at first (10 refusals in a row, more than the queue's default 6
//     attempts for webhook jobs) and then fails a quarter of the time (seeded), with a
//     Baton restart in the middle → deliveries lost (expected from the store's transitions vs received ids).
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startLocalBaton } from '../src/sandbox/local-baton.js';
import { rng } from '../src/report/history.js';
import { DEFAULT_RETRY } from '../src/queue/types.js';
import { OUTBOUND_JOB, OUTBOUND_RETRY } from '../src/api/outbound.js';

const CREATES = 60;
const RETRIED = 30;
const FOLLOWED = 24;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

export default async function bench({ log }: { log: (...a: unknown[]) => void }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-bench-api-'));
  const lb = await startLocalBaton({
    dataDir,
    databaseUrl: '',
    redisUrl: '',
    logLevel: 'silent',
    apiRatePerMinute: 100_000,
    // Production's outbound policy (20 attempts) on a faster clock, so a receiver's downtime costs seconds here.
    retry: { ...DEFAULT_RETRY, byJob: { [OUTBOUND_JOB]: { ...OUTBOUND_RETRY, baseMs: 20, maxMs: 1000 } } },
  });
  const repo = lb.seeded.repo;
  const { token } = await lb.baton.api.tokens.create({
    name: 'bench',
    repo,
    can: ['create', 'read', 'comment', 'cancel', 'webhooks'],
  });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`${lb.baton.url}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  const issuesTitled = (prefix: string) =>
    [...lb.sandbox.repo(repo).issues.values()].filter((i) => i.title.startsWith(prefix));

  try {
    // Warm caches (installation, repository, flow file) the way a running server has them.
    await post('/runs', { repo, title: 'warm-up' });
    await lb.settle();

    // 1a. Runs a person starts with a label: the baseline cost of a run's start.
    lb.sandbox.resetCounts();
    for (let i = 0; i < CREATES; i++) {
      const n = lb.sandbox.createIssue({ title: `by label ${i}`, by: 'alice', repo }).number;
      lb.sandbox.labelIssue(n, 'flow:feature', { by: 'alice', repo });
    }
    await lb.settle();
    const perLabelRun = lb.sandbox.requests().total / CREATES;

    // 1b. The same through the API, sequentially (latency as a partner sees it).
    lb.sandbox.resetCounts();
    const latencies: number[] = [];
    for (let i = 0; i < CREATES; i++) {
      const t = performance.now();
      const res = await post(
        '/runs',
        { repo, title: `by api ${i}`, fields: { customer: `c${i}` } },
        { 'idempotency-key': `create-${i}` },
      );
      await res.arrayBuffer();
      latencies.push(performance.now() - t);
      if (res.status !== 201) throw new Error(`create answered ${res.status}`);
    }
    await lb.settle();
    const perApiRun = lb.sandbox.requests().total / CREATES;
    const started = issuesTitled('by api ').filter((i) => i.labels.includes('baton:spec')).length;
    log(
      `create: p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms; GitHub requests per run started: API ${perApiRun.toFixed(2)} vs label ${perLabelRun.toFixed(2)}; ${started}/${CREATES} started`,
    );

    // 2. Retries with and without an Idempotency-Key.
    for (let i = 0; i < RETRIED; i++) {
      const body = { repo, title: `retried ${i}` };
      const key = { 'idempotency-key': `retry-${i}` };
      const aborted = new AbortController();
      const first = post('/runs', body, key, aborted.signal).catch(() => undefined);
      aborted.abort(); // the client gives up at once and retries
      await Promise.all([first, post('/runs', body, key), post('/runs', body, key)]);
      await post('/runs', body, key);
      const control = { repo, title: `no key ${i}` };
      await post('/runs', control);
      await post('/runs', control);
    }
    await lb.settle();
    const count = (title: string) => issuesTitled(title).filter((x) => x.title === title).length;
    let duplicates = 0;
    let controlDuplicates = 0;
    for (let i = 0; i < RETRIED; i++) {
      duplicates += Math.max(0, count(`retried ${i}`) - 1);
      controlDuplicates += Math.max(0, count(`no key ${i}`) - 1);
    }
    const missingRetried = Array.from({ length: RETRIED }, (_, i) => count(`retried ${i}`)).filter(
      (c) => c === 0,
    ).length;
    log(
      `retries: ${duplicates} duplicate runs with Idempotency-Key (${missingRetried} never created); ${controlDuplicates} without (control)`,
    );

    // 3. Outbound webhooks through a flaky receiver and a restart.
    const rand = rng(7);
    const received = new Map<string, number>();
    let requests = 0;
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        requests++;
        if (requests <= 10 || rand() < 0.25) return res.writeHead(503).end();
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { delivery: string };
        received.set(body.delivery, (received.get(body.delivery) ?? 0) + 1);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = await post('/webhooks', { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/` });
    if (hook.status !== 201) throw new Error(`webhook registration answered ${hook.status}`);
    const runs: Array<{ id: string; issue: number }> = [];
    for (let i = 0; i < FOLLOWED; i++) {
      const r = (await (await post('/runs', { repo, title: `followed ${i}` })).json()) as { id: string; issue: number };
      runs.push(r);
    }
    await lb.settle();
    for (const r of runs.slice(0, FOLLOWED / 2)) lb.sandbox.labelIssue(r.issue, 'spec:ready', { by: 'alice', repo });
    // A deploy in the middle: queued deliveries must survive it.
    await lb.stopBaton();
    await lb.restartBaton();
    for (const r of runs.slice(FOLLOWED / 2)) lb.sandbox.labelIssue(r.issue, 'spec:ready', { by: 'alice', repo });
    await lb.settle();
    for (const r of runs.filter((_, i) => i % 3 === 0)) await post(`/runs/${r.id}/cancel`, {});
    await lb.settle();
    await new Promise<void>((r) => receiver.close(() => r()));

    const followed = new Set(runs.map((r) => r.issue));
    const expected = (await lb.stack.store.transitions({ repo })).filter((t) => followed.has(t.issue)).length;
    const lost = Math.max(0, expected - received.size);
    const duplicatesReceived = [...received.values()].reduce((a, n) => a + n - 1, 0);
    const dead = (await lb.stack.store.deadDeliveries(1000)).filter((d) => d.name === 'baton.outbound').length;
    log(
      `outbound: ${received.size}/${expected} stage changes delivered through ${requests} attempts (${requests - received.size - duplicatesReceived} refused), ${lost} lost, ${duplicatesReceived} received twice, ${dead} dead-lettered`,
    );

    return {
      create_run_p50_ms: r2(pct(latencies, 50)),
      create_run_p99_ms: r2(pct(latencies, 99)),
      github_requests_per_created_run: r2(perApiRun),
      github_requests_per_label_started_run: r2(perLabelRun),
      api_request_overhead_ratio: r2(perApiRun / perLabelRun),
      runs_started: started,
      duplicate_runs_on_retry: duplicates,
      retried_runs_never_created: missingRetried,
      duplicate_runs_without_idempotency_key: controlDuplicates,
      outbound_expected: expected,
      outbound_delivered: received.size,
      outbound_deliveries_lost: lost,
      outbound_duplicates_received: duplicatesReceived,
      outbound_dead_lettered: dead,
      outbound_attempts: requests,
    };
  } finally {
    await lb.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
