import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import { createMetrics, eventLabel, instrumentOctokit } from '../../src/ops/metrics.js';
import { routeTemplate } from '../../src/ops/route-template.js';
import type { QueueStats } from '../../src/queue/types.js';
import type { LedgerEntry } from '../../src/store/types.js';

const entry: LedgerEntry = {
  id: 'l1',
  at: '2024-01-01T00:00:00Z',
  task: 'risk',
  repo: 'acme/web',
  org: 'acme',
  issue: 12,
  provider: 'openai',
  model: 'gpt-4o-mini',
  tokensIn: 1200,
  tokensOut: 300,
  costUsd: 0.0036,
  latencyMs: 900,
  cacheHit: false,
  ok: true,
};

describe('createMetrics', () => {
  test('exposes recorded deliveries, jobs, transitions, LLM usage and KPIs', async () => {
    const m = createMetrics();
    m.recordDelivery('issues', 'queued');
    m.recordDelivery('issues', 'queued');
    m.recordDelivery('pull_request', 'duplicate');
    m.recordDelivery('Evil Header\n{x="y"}', 'rejected');
    m.recordJob('issues', 'done', 0.2);
    m.recordJob('issues', 'retry', 3);
    m.recordTransition('feature', 'review', 'forward');
    m.recordLlm(entry);
    m.recordLlm({ ...entry, cacheHit: true, tokensIn: 0, tokensOut: 0, costUsd: 0 });
    m.cycleTime.observe({ repo: 'acme/web', flow: 'feature' }, 2 * 86400);
    m.stageTime.observe({ stage: 'review' }, 7200);
    m.bounceBacks.inc({ flow: 'feature', stage: 'build' });
    m.handoffs.inc({ flow: 'feature', stage: 'review' });

    const text = await m.text();
    expect(text).toContain('baton_webhook_deliveries_total{event="issues",outcome="queued"} 2');
    expect(text).toContain('baton_webhook_deliveries_total{event="pull_request",outcome="duplicate"} 1');
    expect(text).toContain('baton_webhook_deliveries_total{event="other",outcome="rejected"} 1');
    expect(text).not.toContain('Evil');
    expect(text).toContain('baton_jobs_total{event="issues",outcome="done"} 1');
    expect(text).toContain('baton_job_duration_seconds_count{event="issues",outcome="retry"} 1');
    expect(text).toContain('baton_transitions_total{flow="feature",stage="review",kind="forward"} 1');
    expect(text).toContain(
      'baton_llm_tokens_total{provider="openai",model="gpt-4o-mini",task="risk",direction="in"} 1200',
    );
    expect(text).toContain(
      'baton_llm_tokens_total{provider="openai",model="gpt-4o-mini",task="risk",direction="out"} 300',
    );
    expect(text).toContain('baton_llm_cost_usd_total{provider="openai",model="gpt-4o-mini",task="risk"} 0.0036');
    expect(text).toContain(
      'baton_llm_requests_total{provider="openai",model="gpt-4o-mini",task="risk",outcome="cache_hit"} 1',
    );
    expect(text).toContain('baton_cycle_time_seconds_count{repo="acme/web",flow="feature"} 1');
    expect(text).toContain('baton_cycle_time_seconds_bucket{le="172800",repo="acme/web",flow="feature"} 1');
    expect(text).toContain('baton_cycle_time_seconds_bucket{le="86400",repo="acme/web",flow="feature"} 0');
    expect(text).toContain('baton_stage_time_seconds_sum{stage="review"} 7200');
    expect(text).toContain('baton_bounce_backs_total{flow="feature",stage="build"} 1');
    expect(text).toContain('baton_handoffs_total{flow="feature",stage="review"} 1');
    // default process metrics are on
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(m.contentType).toMatch(/^text\/plain/);
  });

  test('two registries do not share series', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.recordDelivery('issues', 'queued');
    expect(await a.text()).toContain('baton_webhook_deliveries_total{event="issues",outcome="queued"} 1');
    expect(await b.text()).not.toContain('event="issues"');
    expect(await b.text()).not.toContain('process_cpu_user_seconds_total');
  });

  test('queue gauges read stats once per scrape and report a failing backend as down', async () => {
    let calls = 0;
    let fail = false;
    const stats = async (): Promise<QueueStats> => {
      calls++;
      if (fail) throw new Error('redis down');
      return { waiting: 7, active: 2, dead: 1, oldestWaitingAgeMs: 4500 };
    };
    const m = createMetrics({ defaultMetrics: false });
    expect(await m.text()).not.toContain('baton_queue_jobs{');
    m.watchQueue(stats);
    const text = await m.text();
    expect(calls).toBe(1);
    expect(text).toContain('baton_queue_jobs{state="waiting"} 7');
    expect(text).toContain('baton_queue_jobs{state="active"} 2');
    expect(text).toContain('baton_queue_jobs{state="dead"} 1');
    expect(text).toContain('baton_queue_oldest_waiting_age_seconds 4.5');
    expect(text).toContain('baton_queue_up 1');
    fail = true;
    const down = await m.text();
    expect(calls).toBe(2);
    expect(down).toContain('baton_queue_up 0');
  });
});

describe('routeTemplate', () => {
  test.each([
    ['/repos/{owner}/{repo}/issues/{issue_number}', '/repos/{owner}/{repo}/issues/{issue_number}'],
    ['https://api.github.com/repos/acme/web/issues/12/comments?page=2', '/repos/{owner}/{repo}/issues/{id}/comments'],
    ['/repos/acme/web/issues/12/labels/needs%20review', '/repos/{owner}/{repo}/issues/{id}/labels/{param}'],
    ['/repos/acme/web/contents/docs/a/b/c/d/e/f/g.md', '/repos/{owner}/{repo}/contents/{path}'],
    ['/repos/acme/web/git/refs/heads/feature/x', '/repos/{owner}/{repo}/git/refs/{path}'],
    [
      '/repos/acme/web/commits/0123456789abcdef0123456789abcdef01234567/check-runs',
      '/repos/{owner}/{repo}/commits/{sha}/check-runs',
    ],
    ['https://api.github.com/repositories/123/issues?page=3', '/repositories/{id}/issues'],
    ['/orgs/acme/teams/core/members', '/orgs/{org}/teams/core/members'],
    ['/app/installations/42/access_tokens', '/app/installations/{id}/access_tokens'],
  ])('%s → %s', (url, expected) => {
    expect(routeTemplate(url)).toBe(expected);
  });

  test('never keeps issue numbers or owner names', () => {
    const t = routeTemplate('https://api.github.com/repos/some-owner/secret-repo/pulls/987/files?per_page=100');
    expect(t).not.toMatch(/987|some-owner|secret-repo/);
  });

  test('eventLabel folds unknown shapes', () => {
    expect(eventLabel('check_run')).toBe('check_run');
    expect(eventLabel(undefined)).toBe('other');
    expect(eventLabel('x'.repeat(100))).toBe('other');
  });
});

describe('instrumentOctokit', () => {
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/repos/acme/web/issues/12')) {
        res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining': '4321' });
        res.end(JSON.stringify({ number: 12 }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json', 'x-ratelimit-remaining': '4320' });
        res.end(JSON.stringify({ message: 'Not Found' }));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('counts requests by method, route template and status; tracks rate limit; errors still reach the caller', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const octokit = new Octokit({
      baseUrl,
      retry: { enabled: false },
      log: { debug() {}, info() {}, warn() {}, error() {} },
    } as ConstructorParameters<typeof Octokit>[0]);
    instrumentOctokit(octokit, m);

    const ok = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
      owner: 'acme',
      repo: 'web',
      issue_number: 12,
    });
    expect(ok.data).toEqual({ number: 12 });
    let text = await m.text();
    expect(text).toContain(
      'baton_github_requests_total{method="GET",route="/repos/{owner}/{repo}/issues/{issue_number}",status="200"} 1',
    );
    expect(text).toContain('baton_github_ratelimit_remaining 4321');

    await expect(
      octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner: 'acme',
        repo: 'web',
        issue_number: 99,
        body: 'x',
      }),
    ).rejects.toMatchObject({ status: 404 });
    text = await m.text();
    expect(text).toContain(
      'baton_github_requests_total{method="POST",route="/repos/{owner}/{repo}/issues/{issue_number}/comments",status="404"} 1',
    );
    expect(text).toContain('baton_github_ratelimit_remaining 4320');
    expect(text).not.toContain('acme');
  });
});

describe('metricsHooks', () => {
  test('turns worker callbacks into transition, bounce-back, hand-off and job series', async () => {
    const { metricsHooks } = await import('../../src/ops/metrics.js');
    const m = createMetrics({ defaultMetrics: false });
    const hooks = metricsHooks(m);
    hooks.transition(
      { repo: 'acme/web', from: 'build', flow: 'feature', to: 'review', kind: 'forward', owners: ['alice'] },
      { stageSeconds: 7200 },
    );
    hooks.transition({ repo: 'acme/web', from: 'review', flow: 'feature', to: 'build', kind: 'back', owners: [] });
    hooks.transition(
      { repo: 'acme/web', from: 'merge', flow: 'feature', to: 'done', kind: 'done', owners: [] },
      { stageSeconds: 60, cycleSeconds: 86400 },
    );
    hooks.job('done', 'issues', 250);
    const text = await m.text();
    expect(text).toContain('baton_transitions_total{flow="feature",stage="review",kind="forward"} 1');
    expect(text).toContain('baton_transitions_total{flow="feature",stage="build",kind="back"} 1');
    expect(text).toContain('baton_bounce_backs_total{flow="feature",stage="build"} 1');
    expect(text).not.toContain('baton_bounce_backs_total{flow="feature",stage="review"}');
    expect(text).toContain('baton_handoffs_total{flow="feature",stage="review"} 1');
    expect(text).not.toContain('baton_handoffs_total{flow="feature",stage="build"}');
    expect(text).toContain('baton_job_duration_seconds_sum{event="issues",outcome="done"} 0.25');
    // KPI histograms: time in the stage left, and the cycle time of finished runs.
    expect(text).toContain('baton_stage_time_seconds_sum{stage="build"} 7200');
    expect(text).toContain('baton_stage_time_seconds_sum{stage="merge"} 60');
    expect(text).toContain('baton_cycle_time_seconds_sum{repo="acme/web",flow="feature"} 86400');
  });
});
