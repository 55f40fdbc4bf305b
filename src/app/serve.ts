// Baton with its operations around it: metrics, health/readiness, traces, the dashboard. Used by `baton start` for
// both the real app and the sandbox, so the sandbox shows exactly what production runs.
import type { Logger as PinoLogger } from 'pino';
import { createMetrics, instrumentOctokit, metricsHooks, type Metrics, type TransitionTiming } from '../ops/metrics.js';
import type { TransitionRecord } from '../store/types.js';
import { opsHandler } from '../ops/health.js';
import { traceOctokit } from '../ops/tracing.js';
import { createDashboardHandler } from '../report/dashboard/index.js';
import { startBaton, type BatonOptions, type RunningBaton } from './baton.js';
import type { Stack } from './stack.js';
import { createPartnerApi, type PartnerApi } from '../api/index.js';
import type { Retention } from '../store/retention.js';

export interface ServeOptions {
  appId: string | number;
  privateKey: string;
  secret: string;
  baseUrl?: string;
  host?: string;
  port?: number;
  log: PinoLogger;
  writeSpacingMs?: number;
  redisUrl?: string;
  /** BATON_REDIS_PREFIX: throttling keys live under it too. */
  redisPrefix?: string;
  /** BATON_GITHUB_TIMEOUT_MS: per-attempt timeout of GitHub requests. */
  githubTimeoutMs?: number;
  botLogin?: string;
  /** Approvals count only on the PR's current head (BATON_DISMISS_STALE_APPROVALS; default true). */
  dismissStaleApprovals?: boolean;
  concurrency?: number;
  metricsToken?: string;
  /** Dashboard access token; without one the dashboard answers localhost only. */
  dashboardToken?: string;
  /** How long processed payloads and finished jobs are kept (BATON_*_RETENTION_DAYS; default DEFAULT_RETENTION). */
  retention?: Retention;
  /** Time a webhook has to be received and recorded before Baton answers 503 (8000 ms). */
  recordDeadlineMs?: number;
  /** Failed-delivery recovery: every this many ms after the pass on start (0 = on start only, -1 = never). */
  recoveryIntervalMs?: number;
  /** Partner API: requests per token per minute. */
  apiRatePerMinute?: number;
  /** Partner API: allow http and private-address callback URLs (the sandbox only). */
  apiAllowPrivateCallbacks?: boolean;
  /** Reconcile sweep interval (0 = on start only, -1 = never). */
  reconcileIntervalMs?: number;
  /** The time the SLA sweep and the digest go by (`baton simulate` passes the scenario's clock). */
  clock?: () => Date;
}

export interface ServedBaton extends RunningBaton {
  metrics: Metrics;
  api: PartnerApi;
}

export async function serveBaton(stack: Stack, o: ServeOptions): Promise<ServedBaton> {
  const metrics = createMetrics({ queueStats: () => stack.queue.stats() });
  // LLM tokens, dollars, latency and fallbacks per provider/model/task, as the router records them.
  stack.observeLlm((entry) => metrics.recordLlm(entry));
  const api = createPartnerApi({
    store: stack.store,
    queue: stack.queue,
    ...(o.apiRatePerMinute ? { ratePerMinute: o.apiRatePerMinute } : {}),
    ...(o.apiAllowPrivateCallbacks ? { allowPrivateCallbacks: true } : {}),
    log: o.log,
  });
  const m = metricsHooks(metrics);
  const hooks = {
    ...m,
    transition: async (t: Parameters<typeof m.transition>[0] & TransitionRecord, timing?: TransitionTiming) => {
      m.transition(t, timing);
      await api.onTransition(t);
    },
    delivery: (event: string, outcome: 'queued' | 'duplicate' | 'ignored') => metrics.recordDelivery(event, outcome),
  };
  let baton: RunningBaton | undefined;
  const handlers: NonNullable<BatonOptions['handlers']> = [
    opsHandler({
      store: stack.store,
      queue: stack.queue,
      ...(o.redisUrl
        ? {
            extra: {
              github_throttle: { kind: 'redis', ping: async () => (await baton?.pingGithubThrottle()) ?? true },
            },
          }
        : {}),
      metrics,
      ...(o.metricsToken ? { metricsToken: o.metricsToken } : {}),
    }),
  ];
  handlers.push((req, res) => api.handler(req, res));
  handlers.push(
    createDashboardHandler({
      store: stack.store,
      sources: () => api.service.sources(),
      knownRepos: async () => (await stack.store.kvList('repo')).map((r) => r.key),
      ...(o.dashboardToken ? { token: o.dashboardToken } : {}),
      openOnLocalhost: true,
      onError: (e) => o.log.warn({ err: String(e) }, 'dashboard error'),
    }),
  );
  baton = await startBaton({
    appId: o.appId,
    privateKey: o.privateKey,
    secret: o.secret,
    baseUrl: o.baseUrl,
    store: stack.store,
    queue: stack.queue,
    router: (flow) => stack.router(flow),
    tasks: stack.tasks,
    log: o.log,
    host: o.host,
    port: o.port,
    writeSpacingMs: o.writeSpacingMs,
    redisUrl: o.redisUrl,
    ...(o.redisPrefix ? { redisPrefix: o.redisPrefix } : {}),
    ...(o.githubTimeoutMs ? { githubTimeoutMs: o.githubTimeoutMs } : {}),
    ...(o.retention ? { retention: o.retention } : {}),
    botLogin: o.botLogin,
    ...(o.dismissStaleApprovals !== undefined ? { dismissStaleApprovals: o.dismissStaleApprovals } : {}),
    concurrency: o.concurrency,
    maxAttempts: stack.retry.attempts,
    ...(o.recordDeadlineMs ? { recordDeadlineMs: o.recordDeadlineMs } : {}),
    ...(o.recoveryIntervalMs !== undefined ? { recoveryIntervalMs: o.recoveryIntervalMs } : {}),
    ...(o.reconcileIntervalMs !== undefined ? { reconcileIntervalMs: o.reconcileIntervalMs } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
    handlers,
    hooks,
    jobs: api.jobs,
    onOctokit: (octokit) => {
      instrumentOctokit(octokit as never, metrics);
      traceOctokit(octokit as never);
    },
  });
  api.bind({
    octokitFor: (id) => baton.octokitFor(id),
    loadFlow: async (port, branch) => (await baton.worker.flows.get(port, branch)).flow,
  });
  return Object.assign(baton, { metrics, api });
}
