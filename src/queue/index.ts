// Picks the queue: BullMQ on Redis when `redisUrl` (REDIS_URL) is set, else the embedded SQL queue in the store.
// The options come from the typed config's `queue` section (src/config/env.ts); nothing here reads the environment.
import type { Store, StoreWithJobs } from '../store/types.js';
import { BullQueue, type BullQueueOptions } from './bullmq.js';
import { SqlQueue, type SqlQueueOptions } from './sql-queue.js';
import type { JobQueue, RetryPolicy } from './types.js';

export interface OpenQueueOptions {
  store: Store;
  redisUrl?: string;
  /** Redis key prefix (BullMQ only; BATON_REDIS_PREFIX). */
  prefix?: string;
  retry?: RetryPolicy;
  /** How long a crashed replica's job stays blocked before another takes it over (BATON_QUEUE_LEASE_MS). */
  leaseMs?: number;
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
  const { redisUrl, prefix, leaseMs } = o;
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
