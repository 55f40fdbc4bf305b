// Picks the queue: BullMQ on Redis when REDIS_URL (or `redisUrl`) is set, else the embedded SQL queue in the store.
import type { Store, StoreWithJobs } from '../store/types.js';
import { BullQueue, type BullQueueOptions } from './bullmq.js';
import { SqlQueue, type SqlQueueOptions } from './sql-queue.js';
import type { JobQueue, RetryPolicy } from './types.js';

export interface OpenQueueOptions {
  store: Store;
  redisUrl?: string;
  /** Redis key prefix (BullMQ only; default env BATON_REDIS_PREFIX, else 'baton'). */
  prefix?: string;
  retry?: RetryPolicy;
  leaseMs?: number;
  env?: NodeJS.ProcessEnv;
  onError?: (err: unknown, context: string) => void;
}

export type AnyQueue = SqlQueue | BullQueue;

export function openQueue(o: OpenQueueOptions): AnyQueue {
  const store = o.store as Partial<StoreWithJobs>;
  if (!store.jobs) {
    throw new Error(
      `The ${o.store.kind} store given to openQueue has no job table: open it with openStore() from src/store/index.ts.`,
    );
  }
  const env = o.env ?? process.env;
  const redisUrl = o.redisUrl ?? env.REDIS_URL;
  const prefix = o.prefix ?? env.BATON_REDIS_PREFIX;
  // How long a crashed replica's job stays blocked before another takes it over (default 30 s); lower it when jobs
  // are short and fast recovery matters more than tolerance of long GC or network pauses.
  const envLease = Number(env.BATON_QUEUE_LEASE_MS);
  const leaseMs = o.leaseMs ?? (envLease > 0 ? envLease : undefined);
  const common = {
    store: o.store as StoreWithJobs,
    ...(o.retry ? { retry: o.retry } : {}),
    ...(leaseMs ? { leaseMs } : {}),
    ...(o.onError ? { onError: o.onError } : {}),
  };
  if (redisUrl) return new BullQueue({ ...common, redisUrl, ...(prefix ? { prefix } : {}) } satisfies BullQueueOptions);
  return new SqlQueue(common satisfies SqlQueueOptions);
}

export { BullQueue, SqlQueue };
export type { JobQueue };
