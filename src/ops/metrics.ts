// Prometheus metrics: one Registry per process with typed handles for everything an operator watches (deliveries,
// queue, jobs, transitions, GitHub calls, LLM spend) and the KPI series the report module sets.
// Label values are always bounded: event names are checked against a pattern, GitHub routes are templates (never
// raw URLs with issue numbers), stages/flows/models come from config.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Octokit } from '@octokit/rest';
import type { QueueStats } from '../queue/types.js';
import type { LedgerEntry, TransitionRecord } from '../store/types.js';
import { routeTemplate } from './route-template.js';

export type DeliveryOutcome = 'queued' | 'duplicate' | 'ignored' | 'rejected';
export type JobOutcome = 'done' | 'retry' | 'dead';

export interface MetricsOptions {
  /** Include prom-client's default process metrics (CPU, memory, event loop lag). Default true. */
  defaultMetrics?: boolean;
  /** Where queue depth comes from; read once per scrape. Can also be set later with `watchQueue`. */
  queueStats?: () => Promise<QueueStats>;
}

export interface Metrics {
  readonly registry: Registry;
  readonly deliveries: Counter<'event' | 'outcome'>;
  readonly queueJobs: Gauge<'state'>;
  readonly queueOldestAge: Gauge;
  readonly queueUp: Gauge;
  readonly jobs: Counter<'event' | 'outcome'>;
  readonly jobDuration: Histogram<'event' | 'outcome'>;
  readonly transitions: Counter<'flow' | 'stage' | 'kind'>;
  readonly githubRequests: Counter<'method' | 'route' | 'status'>;
  readonly githubRateLimitRemaining: Gauge;
  readonly llmTokens: Counter<'provider' | 'model' | 'task' | 'direction'>;
  readonly llmCostUsd: Counter<'provider' | 'model' | 'task'>;
  readonly llmRequests: Counter<'provider' | 'model' | 'task' | 'outcome'>;
  readonly llmLatency: Histogram<'provider' | 'model' | 'task'>;
  readonly llmFallbacks: Counter<'provider' | 'model' | 'task' | 'reason'>;
  // KPIs (set by the report module)
  readonly cycleTime: Histogram<'repo' | 'flow'>;
  readonly stageTime: Histogram<'stage'>;
  readonly bounceBacks: Counter<'flow' | 'stage'>;
  readonly handoffs: Counter<'flow' | 'stage'>;

  recordDelivery(event: string, outcome: DeliveryOutcome): void;
  recordJob(event: string, outcome: JobOutcome, seconds: number): void;
  recordTransition(flow: string, stage: string, kind: string): void;
  recordLlm(entry: LedgerEntry): void;
  /** Point the queue gauges at a stats source (replaces any previous one). */
  watchQueue(stats: () => Promise<QueueStats>): void;
  /** Prometheus text exposition. */
  text(): Promise<string>;
  readonly contentType: string;
}

const EVENT_NAME = /^[a-z_]{1,40}$/;
/** Webhook event names come from a request header: anything unexpected is folded into 'other'. */
export function eventLabel(event: string | undefined): string {
  return event && EVENT_NAME.test(event) ? event : 'other';
}

/** Free-form labels (model ids, task names, stage names) are cut to a sane length so a bug cannot explode series. */
function bounded(value: string | undefined, max = 64): string {
  if (!value) return 'unknown';
  return value.length > max ? value.slice(0, max) : value;
}

// Seconds: cycle times run from hours to weeks; stage times from minutes to days.
const CYCLE_BUCKETS = [3600, 4 * 3600, 12 * 3600, 86400, 2 * 86400, 4 * 86400, 7 * 86400, 14 * 86400, 30 * 86400];
const STAGE_BUCKETS = [60, 600, 3600, 4 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400];
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  let statsSource = opts.queueStats;
  // Several gauges collect in parallel during one scrape: share one stats() call between them.
  let inflight: Promise<QueueStats | undefined> | undefined;
  const readStats = (): Promise<QueueStats | undefined> => {
    if (!statsSource) return Promise.resolve(undefined);
    if (!inflight) {
      const source = statsSource;
      inflight = source()
        .catch(() => undefined)
        .finally(() => {
          inflight = undefined;
        });
    }
    return inflight;
  };

  const queueUp = new Gauge({
    name: 'baton_queue_up',
    help: '1 when the last queue stats read succeeded, 0 when the queue backend did not answer',
    registers,
    async collect() {
      if (!statsSource) return;
      this.set((await readStats()) ? 1 : 0);
    },
  });
  const queueJobs = new Gauge<'state'>({
    name: 'baton_queue_jobs',
    help: 'Jobs in the queue by state (waiting, active, dead)',
    labelNames: ['state'],
    registers,
    async collect() {
      const s = await readStats();
      if (!s) return;
      this.set({ state: 'waiting' }, s.waiting);
      this.set({ state: 'active' }, s.active);
      this.set({ state: 'dead' }, s.dead);
    },
  });
  const queueOldestAge = new Gauge({
    name: 'baton_queue_oldest_waiting_age_seconds',
    help: 'Age of the oldest waiting job, in seconds (0 when none waits)',
    registers,
    async collect() {
      const s = await readStats();
      if (!s) return;
      this.set(s.oldestWaitingAgeMs / 1000);
    },
  });

  const deliveries = new Counter<'event' | 'outcome'>({
    name: 'baton_webhook_deliveries_total',
    help: 'Webhook deliveries received, by event and outcome (queued, duplicate, rejected)',
    labelNames: ['event', 'outcome'],
    registers,
  });
  const jobs = new Counter<'event' | 'outcome'>({
    name: 'baton_jobs_total',
    help: 'Job attempts finished, by event and outcome (done, retry, dead)',
    labelNames: ['event', 'outcome'],
    registers,
  });
  const jobDuration = new Histogram<'event' | 'outcome'>({
    name: 'baton_job_duration_seconds',
    help: 'Wall time of one job attempt',
    labelNames: ['event', 'outcome'],
    buckets: JOB_BUCKETS,
    registers,
  });
  const transitions = new Counter<'flow' | 'stage' | 'kind'>({
    name: 'baton_transitions_total',
    help: 'Stage transitions, by flow, target stage and kind (start, forward, back, manual, done, cancel)',
    labelNames: ['flow', 'stage', 'kind'],
    registers,
  });
  const githubRequests = new Counter<'method' | 'route' | 'status'>({
    name: 'baton_github_requests_total',
    help: 'GitHub REST requests, by method, route template and HTTP status',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const githubRateLimitRemaining = new Gauge({
    name: 'baton_github_ratelimit_remaining',
    help: 'x-ratelimit-remaining from the last GitHub response that carried it',
    registers,
  });
  const llmTokens = new Counter<'provider' | 'model' | 'task' | 'direction'>({
    name: 'baton_llm_tokens_total',
    help: 'LLM tokens, by provider, model, task and direction (in, out)',
    labelNames: ['provider', 'model', 'task', 'direction'],
    registers,
  });
  const llmCostUsd = new Counter<'provider' | 'model' | 'task'>({
    name: 'baton_llm_cost_usd_total',
    help: 'LLM spend in US dollars, by provider, model and task',
    labelNames: ['provider', 'model', 'task'],
    registers,
  });
  const llmRequests = new Counter<'provider' | 'model' | 'task' | 'outcome'>({
    name: 'baton_llm_requests_total',
    help: 'LLM calls, by provider, model, task and outcome (ok, cache_hit, error)',
    labelNames: ['provider', 'model', 'task', 'outcome'],
    registers,
  });
  const llmLatency = new Histogram<'provider' | 'model' | 'task'>({
    name: 'baton_llm_latency_seconds',
    help: 'Wall time of one LLM provider call (cache hits and offline answers excluded)',
    labelNames: ['provider', 'model', 'task'],
    buckets: [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60],
    registers,
  });
  const llmFallbacks = new Counter<'provider' | 'model' | 'task' | 'reason'>({
    name: 'baton_llm_fallbacks_total',
    help: 'LLM calls the router moved on from, by the model left and why (error, invalid, check)',
    labelNames: ['provider', 'model', 'task', 'reason'],
    registers,
  });
  const cycleTime = new Histogram<'repo' | 'flow'>({
    name: 'baton_cycle_time_seconds',
    help: 'Run cycle time (start to done), by repository and flow',
    labelNames: ['repo', 'flow'],
    buckets: CYCLE_BUCKETS,
    registers,
  });
  const stageTime = new Histogram<'stage'>({
    name: 'baton_stage_time_seconds',
    help: 'Time an issue spent in a stage before leaving it',
    labelNames: ['stage'],
    buckets: STAGE_BUCKETS,
    registers,
  });
  const bounceBacks = new Counter<'flow' | 'stage'>({
    name: 'baton_bounce_backs_total',
    help: 'Backward transitions (work sent back to an earlier stage), by flow and target stage',
    labelNames: ['flow', 'stage'],
    registers,
  });
  const handoffs = new Counter<'flow' | 'stage'>({
    name: 'baton_handoffs_total',
    help: 'Hand-offs to a new owner, by flow and target stage',
    labelNames: ['flow', 'stage'],
    registers,
  });

  return {
    registry,
    deliveries,
    queueJobs,
    queueOldestAge,
    queueUp,
    jobs,
    jobDuration,
    transitions,
    githubRequests,
    githubRateLimitRemaining,
    llmTokens,
    llmCostUsd,
    llmRequests,
    llmLatency,
    llmFallbacks,
    cycleTime,
    stageTime,
    bounceBacks,
    handoffs,
    contentType: registry.contentType,
    recordDelivery(event, outcome) {
      deliveries.inc({ event: eventLabel(event), outcome });
    },
    recordJob(event, outcome, seconds) {
      const labels = { event: eventLabel(event), outcome };
      jobs.inc(labels);
      jobDuration.observe(labels, seconds);
    },
    recordTransition(flow, stage, kind) {
      transitions.inc({ flow: bounded(flow), stage: bounded(stage), kind: bounded(kind, 16) });
    },
    recordLlm(entry) {
      const base = {
        provider: bounded(entry.provider, 32),
        model: bounded(entry.model),
        task: bounded(entry.task, 32),
      };
      llmTokens.inc({ ...base, direction: 'in' }, entry.tokensIn);
      llmTokens.inc({ ...base, direction: 'out' }, entry.tokensOut);
      llmCostUsd.inc(base, entry.costUsd);
      llmRequests.inc({ ...base, outcome: !entry.ok ? 'error' : entry.cacheHit ? 'cache_hit' : 'ok' });
      if (!entry.cacheHit && entry.provider !== 'offline') llmLatency.observe(base, entry.latencyMs / 1000);
      if (!entry.ok) {
        const r = entry.reason ?? '';
        const reason = /invalid: check/.test(r) ? 'check' : /invalid:/.test(r) ? 'invalid' : 'error';
        llmFallbacks.inc({ ...base, reason });
      }
    },
    watchQueue(stats) {
      statsSource = stats;
    },
    text: () => registry.metrics(),
  };
}

// ---- Octokit instrumentation ---------------------------------------------------------------------------------

export type HookableOctokit = Pick<Octokit, 'hook'>;

interface RequestOptionsLike {
  method?: string;
  url?: string;
}

function recordGithubResponse(
  metrics: Metrics,
  options: RequestOptionsLike,
  status: number | string,
  headers: Record<string, unknown> | undefined,
): void {
  metrics.githubRequests.inc({
    method: (options.method ?? 'GET').toUpperCase(),
    route: routeTemplate(options.url ?? ''),
    status: String(status),
  });
  const remaining = Number(headers?.['x-ratelimit-remaining']);
  if (headers?.['x-ratelimit-remaining'] !== undefined && Number.isFinite(remaining)) {
    metrics.githubRateLimitRemaining.set(remaining);
  }
}

/** Count every GitHub request by method, route template and status; track the remaining rate limit. */
export function instrumentOctokit(octokit: HookableOctokit, metrics: Metrics): void {
  octokit.hook.after('request', (response, options) => {
    recordGithubResponse(metrics, options, response.status, response.headers as Record<string, unknown>);
  });
  octokit.hook.error('request', (error, options) => {
    const e = error as { status?: number; response?: { headers?: Record<string, unknown> } };
    recordGithubResponse(metrics, options, e.status ?? 'error', e.response?.headers);
    // before-after-hook: an error hook that returns swallows the error; rethrow so callers still see it.
    throw error;
  });
}

// ---- Worker hooks ----------------------------------------------------------------------------------------------

/**
 * Hooks for the worker (`WorkerDeps.hooks` in src/app/worker.ts): counts transitions, bounce-backs (kind 'back')
 * and hand-offs (a transition that names owners), and job outcomes with their duration.
 * Cycle and stage times need a run's history, so the report module observes those histograms itself.
 */
export interface TransitionTiming {
  stageSeconds?: number;
  cycleSeconds?: number;
}

export function metricsHooks(metrics: Metrics): {
  transition(
    t: Pick<TransitionRecord, 'flow' | 'to' | 'kind' | 'owners' | 'from' | 'repo'>,
    timing?: TransitionTiming,
  ): void;
  job(outcome: JobOutcome, name: string, ms: number): void;
} {
  return {
    transition(t, timing) {
      metrics.recordTransition(t.flow, t.to, t.kind);
      const labels = { flow: bounded(t.flow), stage: bounded(t.to) };
      if (t.kind === 'back') metrics.bounceBacks.inc(labels);
      if (t.owners && t.owners.length > 0) metrics.handoffs.inc(labels);
      // Time the run spent in the stage it just left, and, when it finished, its whole cycle.
      if (timing?.stageSeconds !== undefined && t.from)
        metrics.stageTime.observe({ stage: bounded(t.from) }, timing.stageSeconds);
      if (timing?.cycleSeconds !== undefined)
        metrics.cycleTime.observe({ repo: bounded(t.repo), flow: bounded(t.flow) }, timing.cycleSeconds);
    },
    job(outcome, name, ms) {
      metrics.recordJob(name, outcome, ms / 1000);
    },
  };
}
