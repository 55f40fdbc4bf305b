// Assembles Baton: the ingress (app/ingress.ts: size limit, signature, shape) records each delivery and enqueues its
// job before it answers — before any GitHub or LLM call; Probot provides GitHub App auth and Octokit with
// retry/throttling for the worker, which does the rest. Ops endpoints and the dashboard are plain node handlers on the same HTTP server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Probot } from 'probot';
import type { Logger as PinoLogger } from 'pino';
import type { Store, StoreWithJobs } from '../store/types.js';
import { DEFAULT_RETENTION, prune, type Retention } from '../store/retention.js';
import type { Job, JobQueue } from '../queue/types.js';
import type { LlmRouter } from '../llm/types.js';
import type { Flow } from '../flow/types.js';
import { orderingKey } from '../github/events.js';
import { linkedIssue } from '../github/links.js';
import type { OctokitLike } from '../github/port.js';
import type { TaskRunners } from '../tasks/effect.js';
import { Worker, type WorkerHooks } from './worker.js';
import { RepoRegistry, SlaWatch, startTimers } from './timers.js';
import type { TickResult } from '../report/scheduler.js';
import { currentTraceparent, withParent, withSpan } from '../ops/tracing.js';
import { createIngress, type IngressOptions, type IngressOutcome } from './ingress.js';
import { createOctokit } from './octokit.js';
import { every, recoverDeliveries, type RecoveryOptions, type RecoveryReport } from './recovery.js';
import { AppHooksPort } from '../github/port.js';
import { Reconciler, type ReconcileOptions, type ReconcileReport } from './reconcile.js';
import { errorMessage } from '../ops/errors.js';
import { knowInstalledRepos, type InventoryReport } from './inventory.js';

export interface BatonOptions {
  appId: string | number;
  privateKey: string;
  secret: string;
  /** GitHub API base URL (GitHub Enterprise, or the sandbox). */
  baseUrl?: string;
  store: Store;
  queue: JobQueue;
  router(flow: Flow): LlmRouter;
  tasks: TaskRunners;
  log: PinoLogger;
  host?: string;
  port?: number;
  webhookPath?: string;
  /**
   * Minimum spacing of GitHub write requests per installation. GitHub asks integrations to leave about a second
   * between writes to avoid secondary rate limits (Octokit's throttling default); a local sandbox needs none.
   */
  writeSpacingMs?: number;
  /** Redis for Probot's throttling across replicas. */
  redisUrl?: string;
  /** Key prefix of throttling state in Redis (BATON_REDIS_PREFIX). */
  redisPrefix?: string;
  /** How long processed payloads and finished jobs are kept (BATON_PAYLOAD_RETENTION_DAYS, BATON_JOB_RETENTION_DAYS). */
  retention?: Retention;
  /** Per-attempt timeout of every GitHub request (BATON_GITHUB_TIMEOUT_MS, default 30000). */
  githubTimeoutMs?: number;
  /** The app's bot login (`<slug>[bot]`); looked up with GET /app when absent. */
  botLogin?: string;
  /** Approvals count only on the PR's current head (BATON_DISMISS_STALE_APPROVALS; default true). */
  dismissStaleApprovals?: boolean;
  concurrency?: number;
  /** Attempts the queue makes before dead-lettering (the last failure marks the card stuck). */
  maxAttempts?: number;
  /** Extra node handlers (ops endpoints, dashboard): return true when they answered. */
  handlers?: Array<(req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>>;
  hooks?: WorkerHooks & {
    delivery?(event: string, outcome: IngressOutcome): void;
    /** Every webhook answer (status and reason). */
    ingress?: IngressOptions['onAnswer'];
  };
  /** Body limit of the webhook path (GitHub's 25 MB cap by default). */
  maxWebhookBytes?: number;
  /** Time a delivery has to be received and recorded before the answer is a 503 (8000 ms). */
  recordDeadlineMs?: number;
  /** Recovery of failed deliveries: on start, then every this many ms (300000; 0 = on start only; -1 = never). */
  recoveryIntervalMs?: number;
  /** The reconcile sweep: on start, then every this many ms (600000; 0 = on start only; -1 = never). */
  reconcileIntervalMs?: number;
  /** Called once per installation Octokit (metrics and tracing hooks). */
  onOctokit?(octokit: unknown): void;
  /** List every installation's repositories at start, so idle ones are known (default true). */
  inventoryOnStart?: boolean;
  /** Handlers of Baton's own job kinds (by job name, e.g. outbound partner webhooks); the rest go to the worker. */
  jobs?: Record<string, (job: Job) => Promise<void>>;
  /**
   * What time it is for the SLA sweep and the digest (default the real clock). `baton simulate` passes the
   * scenario's clock, so a `+3d` step is three days for the nudges and the Monday digest too.
   */
  clock?: () => Date;
}

export interface RunningBaton {
  url: string;
  webhookUrl: string;
  server: Server;
  probot: Probot;
  worker: Worker;
  /** An installation's Octokit (undefined: the app itself, authenticated with its JWT). */
  octokitFor(installationId: number | undefined): Promise<OctokitLike>;
  /** Graceful: stop taking webhooks and jobs, finish or release in-flight jobs. */
  stop(timeoutMs?: number): Promise<void>;
  /** Recover failed deliveries now (what the recovery timer does); see app/recovery.ts. */
  recoverDeliveries(o?: RecoveryOptions): Promise<RecoveryReport>;
  /** Resolves when no timed recovery pass is running (the one on start included). */
  recoveryIdle(): Promise<void>;
  /** Run the reconcile sweep now (what its timer does); see app/reconcile.ts. */
  reconcile(o?: ReconcileOptions): Promise<ReconcileReport>;
  /** Run the SLA sweep now, as of `now` (the timer does this every minute); returns the nudge jobs queued. */
  sweepSla(now?: Date): Promise<number>;
  /** One digest scheduler pass as of `now` (what the timer does on each cron time); returns what it posted. */
  tickDigests(now?: Date): Promise<TickResult>;
  /** Throttling's Redis answers (readiness); true without Redis. */
  pingGithubThrottle(): Promise<boolean>;
  /** List every installation's repositories now (what the start does); see app/inventory.ts. */
  inventory(): Promise<InventoryReport>;
}

export async function startBaton(opts: BatonOptions): Promise<RunningBaton> {
  const { store, queue, log } = opts;
  const clock = opts.clock ?? (() => new Date());
  const webhookPath = opts.webhookPath ?? '/api/github/webhooks';
  const github = createOctokit({
    log,
    ...(opts.writeSpacingMs !== undefined ? { writeSpacingMs: opts.writeSpacingMs } : {}),
    ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
    ...(opts.redisPrefix ? { redisPrefix: opts.redisPrefix } : {}),
    ...(opts.githubTimeoutMs ? { timeoutMs: opts.githubTimeoutMs } : {}),
  });
  const probot = new Probot({
    appId: opts.appId,
    privateKey: opts.privateKey,
    secret: opts.secret,
    log: log.child({ name: 'probot' }),
    // Throttling's Redis is Baton's own client (createOctokit), not Probot's `redisConfig`: Probot never closes its
    // client (a process with REDIS_URL would not exit on SIGTERM) and keeps its keys outside the deployment prefix.
    Octokit: github.Octokit,
    request: { fetch: github.fetch },
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
  });

  let botLogin = opts.botLogin;
  const installations = new Map<number, Promise<OctokitLike>>();
  const octokitFor = async (id: number | undefined): Promise<OctokitLike> => {
    if (id === undefined) return (await probot.auth()) as unknown as OctokitLike;
    // Installation tokens are cached by Probot's auth; the Octokit instance (and its throttling state) is reused.
    let o = installations.get(id);
    if (!o) {
      o = probot.auth(id).then((octokit) => {
        opts.onOctokit?.(octokit);
        return octokit as unknown as OctokitLike;
      });
      installations.set(id, o);
      o.catch(() => installations.delete(id));
    }
    return o;
  };

  const sla = new SlaWatch(store);
  const repos = new RepoRegistry(store);
  const worker = new Worker({
    sla,
    repos,
    requeue: (job) => queue.enqueue(job),
    store,
    router: opts.router,
    tasks: opts.tasks,
    octokitFor,
    botLogin: () => botLogin,
    log: log.child({ name: 'worker' }),
    hooks: opts.hooks,
    maxAttempts: opts.maxAttempts,
    ...(opts.dismissStaleApprovals !== undefined ? { dismissStaleApprovals: opts.dismissStaleApprovals } : {}),
  });

  let accepting = true;
  const middleware = createIngress({
    secret: opts.secret,
    path: webhookPath,
    ...(opts.maxWebhookBytes ? { maxBytes: opts.maxWebhookBytes } : {}),
    ...(opts.recordDeadlineMs ? { deadlineMs: opts.recordDeadlineMs } : {}),
    accepting: () => accepting,
    log,
    onAnswer: opts.hooks?.ingress,
    record: ({ id, name, payload }) =>
      withSpan(`webhook ${name}`, { 'github.delivery': id, 'github.event': name }, async () => {
        const outcome = await recordDelivery(id, name, payload);
        opts.hooks?.delivery?.(name, outcome);
        return outcome;
      }),
  });

  /** Record a verified delivery and queue its job (the ingress and recovery both come through here). */
  const recordDelivery = async (id: string, name: string, payload: unknown): Promise<IngressOutcome> => {
    const p = payload as Record<string, any>;
    // Echoes of Baton's own writes (its labels, comments, check runs) can never move a run: answer without
    // recording or queueing them — on a busy installation they are more than half of all deliveries.
    if (botLogin && String(p.sender?.login ?? '').toLowerCase() === botLogin.toLowerCase()) return 'ignored';
    const repo: string = p.repository?.full_name ?? '';
    // Record a PR's issue as soon as the PR says it ("Fixes #12", branch 12-…), so later events that do not carry
    // the PR's text (check suites, check runs) are ordered with the issue's other jobs from the moment they arrive.
    if (name === 'pull_request' && p.pull_request) {
      const link = linkedIssue(p.pull_request, repo);
      if (link) await store.linkPr(repo, p.pull_request.number, link.issue);
    }
    const key = await orderingKey(name, p, (pr) => store.issueForPr(repo, pr));
    const fresh = await store.recordDelivery({ id, name, key, payload, receivedAt: new Date().toISOString() });
    // Recording and queueing are two writes: when the second failed, GitHub got a 5xx and redelivers a delivery the
    // store already has. Its job may never have been queued, so a pending duplicate is queued again (enqueue is
    // idempotent: a job already queued is not queued twice), and only a finished one is a plain duplicate.
    if (fresh || (await store.getDelivery(id))?.status === 'pending')
      await queue.enqueue({ id, key, name, traceparent: currentTraceparent() });
    return fresh ? 'queued' : 'duplicate';
  };

  const handlers = opts.handlers ?? [];
  const server = createServer(async (req, res) => {
    try {
      if (await middleware(req, res)) return;
      for (const h of handlers) if (await h(req, res)) return;
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
    } catch (err) {
      log.error({ err: errorMessage(err) }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  server.keepAliveTimeout = 30_000;
  // A busy port rejects (the CLI turns EADDRINUSE into a sentence) instead of crashing on an unhandled 'error'.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 3000, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;

  if (!botLogin) {
    try {
      const app = (await (await probot.auth()).request('GET /app')).data as { slug: string };
      botLogin = `${app.slug}[bot]`;
    } catch (err) {
      log.warn(
        { err: errorMessage(err) },
        'could not look up the app slug (GET /app); own events are recognised by bot type only',
      );
    }
  }

  const inventory = () => knowInstalledRepos({ ...worker.inventoryDeps(), log: log.child({ name: 'inventory' }) });
  if (opts.inventoryOnStart !== false)
    await inventory().catch((err) =>
      log.warn({ err: errorMessage(err) }, 'could not list the installed repositories; they are learnt from events'),
    );

  const timers = startTimers({
    store,
    queue,
    sla,
    repos,
    postDigest: (repo, week, due) => worker.postDigest(repo, week, due),
    clock,
    onError: (e, what) => log.warn({ err: errorMessage(e) }, `${what} failed`),
    ...('prune' in store ? { prune: () => prune(store as StoreWithJobs, opts.retention ?? DEFAULT_RETENTION) } : {}),
  });

  await queue.start(
    (job) =>
      withParent(job.traceparent, () =>
        withSpan(
          `job ${job.name}`,
          { 'github.delivery': job.id, 'baton.key': job.key, 'baton.attempt': job.attempt },
          () => (opts.jobs?.[job.name] ?? worker.handle)(job),
        ),
      ),
    { concurrency: opts.concurrency ?? 8 },
  );

  const recoveryLog = log.child({ name: 'recovery' });
  const recover = (o: RecoveryOptions = {}) =>
    recoverDeliveries(
      {
        store,
        hooks: async () => new AppHooksPort((await probot.auth()) as unknown as OctokitLike),
        record: (id, name, payload) => recordDelivery(id, name, payload),
        log: recoveryLog,
      },
      o,
    );
  const recoveryInterval = opts.recoveryIntervalMs ?? 300_000;
  const recovery =
    recoveryInterval >= 0
      ? every(recoveryInterval, recover, (e) =>
          recoveryLog.warn({ err: errorMessage(e) }, 'delivery recovery failed; retrying later'),
        )
      : undefined;

  const reconcileLog = log.child({ name: 'reconcile' });
  const reconciler = new Reconciler({
    store,
    sla,
    queue,
    flows: worker.flows,
    runs: worker.runs,
    octokitFor,
    botLogin: () => botLogin,
    log: reconcileLog,
  });
  const reconcileInterval = opts.reconcileIntervalMs ?? 600_000;
  const sweeps =
    reconcileInterval >= 0
      ? every(
          reconcileInterval,
          // After the start's recovery pass, so the sweep sees its jobs as pending rather than as missed.
          async () => {
            await recovery?.idle();
            return reconciler.sweep();
          },
          (e) => reconcileLog.warn({ err: errorMessage(e) }, 'reconcile sweep failed; retrying later'),
        )
      : undefined;

  return {
    url,
    webhookUrl: `${url}${webhookPath}`,
    reconcile: (o) => reconciler.sweep(o),
    recoverDeliveries: recover,
    recoveryIdle: () => recovery?.idle() ?? Promise.resolve(),
    server,
    probot,
    worker,
    octokitFor,
    sweepSla: (now = clock()) => sla.sweep(now, store, queue),
    tickDigests: (now) => timers.tickDigests(now),
    pingGithubThrottle: () => github.ping(),
    inventory,
    async stop(timeoutMs = 10_000) {
      accepting = false;
      await recovery?.stop();
      await sweeps?.stop();
      await timers.stop();
      await queue.stop(timeoutMs);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
      await github.close();
    },
  };
}
