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
    throw new Error(`The ${o.store.kind} store given to openQueue has no job table: open it with openStore() from src/store/index.ts.`);
  }
  const env = o.env ?? process.env;
  const redisUrl = o.redisUrl ?? env.REDIS_URL;
  const prefix = o.prefix ?? env.BATON_REDIS_PREFIX;
  const common = {
    store: o.store as StoreWithJobs,
    ...(o.retry ? { retry: o.retry } : {}),
    ...(o.leaseMs ? { leaseMs: o.leaseMs } : {}),
    ...(o.onError ? { onError: o.onError } : {}),
  };
  if (redisUrl) return new BullQueue({ ...common, redisUrl, ...(prefix ? { prefix } : {}) } satisfies BullQueueOptions);
  return new SqlQueue(common satisfies SqlQueueOptions);
}

export { BullQueue, SqlQueue };
export type { JobQueue };
