// Opens what Baton runs on, from the typed config: the store (SQLite by default, PostgreSQL with DATABASE_URL), the
// queue (embedded, or BullMQ with REDIS_URL), LLM routers (one per distinct `llm:` config) and the task runners.
// The entry points (src/cli) load the config from the environment; a caller without one gets the defaults.
import { OUTBOUND_JOB, OUTBOUND_RETRY } from '../api/outbound.js';
import type { Flow } from '../flow/types.js';
import type { LedgerEntry, Store } from '../store/types.js';
import { DEFAULT_RETRY, type JobQueue, type RetryPolicy } from '../queue/types.js';
import type { LlmRouter } from '../llm/types.js';
import { openStore } from '../store/index.js';
import { openQueue } from '../queue/index.js';
import { createRouter, loadPrices } from '../llm/index.js';
import { runRiskTask, runDocsTask } from '../tasks/index.js';
import type { TaskRunners } from '../tasks/effect.js';
import { loadConfig, type Config } from '../config/env.js';
import type { Logger } from 'pino';
import { errorMessage } from '../ops/errors.js';

export interface Stack {
  store: Store;
  queue: JobQueue;
  /** Attempts and backoff of jobs (the worker marks the card stuck on the last attempt). */
  retry: RetryPolicy;
  router(flow: Flow): LlmRouter;
  /** Every LLM ledger entry (provider calls, cache hits, offline answers) also goes to `fn` (metrics). */
  observeLlm(fn: (entry: LedgerEntry) => void): void;
  tasks: TaskRunners;
  close(): Promise<void>;
}

export interface StackOptions {
  dataDir?: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** Postgres schema / Redis prefix, so several stacks can share one server. */
  namespace?: string;
  retry?: RetryPolicy;
  /** The typed configuration (src/config/env.ts); the options above win over its store and queue sections. */
  config?: Config;
  /** When LLM ledger entries happen (default the real clock; `baton simulate` and `sandbox --history` pass theirs). */
  clock?: () => Date;
  /** Where the queue's own trouble goes (a lost Redis connection, a failed lease renewal); without it, stderr. */
  log?: Pick<Logger, 'error'>;
}

/** The queue's errors as log lines: what went wrong where, with the error's message (never its payload). */
export function queueErrorsTo(log: Pick<Logger, 'error'>): (err: unknown, context: string) => void {
  return (err, context) => log.error({ err: errorMessage(err), context }, `queue: ${context}`);
}

export async function openStack(opts: StackOptions = {}): Promise<Stack> {
  const config = opts.config ?? loadConfig({});
  const llm = config.llm;
  // A broken BATON_PRICES_FILE is an operator error: fail at start with its message, not later inside a job.
  loadPrices({}, llm.pricesFile);
  const store = await openStore({
    dataDir: opts.dataDir ?? config.store.dataDir,
    databaseUrl: opts.databaseUrl ?? config.store.databaseUrl,
    ...(opts.namespace ? { schema: opts.namespace } : {}),
  });
  const base = opts.retry ?? { ...DEFAULT_RETRY, attempts: config.queue.jobAttempts };
  // A partner's receiver may be down for a while: its deliveries keep trying for hours, not for a minute.
  const retry = { ...base, byJob: { [OUTBOUND_JOB]: OUTBOUND_RETRY, ...(base.byJob ?? {}) } };
  const queue = await openQueue({
    store,
    redisUrl: opts.redisUrl ?? config.queue.redisUrl,
    retry,
    prefix: opts.namespace ?? config.queue.redisPrefix,
    leaseMs: config.queue.leaseMs,
    ...(opts.log ? { onError: queueErrorsTo(opts.log) } : {}),
  });
  const routers = new Map<string, LlmRouter>();
  const llmObservers: Array<(entry: LedgerEntry) => void> = [];
  const observe = (entry: LedgerEntry) => {
    for (const fn of llmObservers) fn(entry);
  };
  return {
    store,
    queue,
    retry,
    router(flow: Flow) {
      const key = JSON.stringify(flow.llm ?? {});
      let r = routers.get(key);
      if (!r) {
        r = createRouter({ store, config: flow.llm, llm, observe, ...(opts.clock ? { now: opts.clock } : {}) });
        routers.set(key, r);
      }
      return r;
    },
    observeLlm(fn) {
      llmObservers.push(fn);
    },
    tasks: { risk: runRiskTask, docs: runDocsTask },
    async close() {
      await queue.stop(5000).catch(() => undefined);
      await store.close();
    },
  };
}
