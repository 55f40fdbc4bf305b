// Builds isolated queues of each kind over isolated stores, plus Redis cleanup for a test's key prefix.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { openIsolated, type Opened } from '../store/helpers.js';
import { BullQueue, type BullQueueOptions } from '../../src/queue/bullmq.js';
import { SqlQueue, type SqlQueueOptions } from '../../src/queue/sql-queue.js';
import type { JobQueue, RetryPolicy } from '../../src/queue/types.js';
import type { StoreWithJobs } from '../../src/store/types.js';

import { REDIS_URL } from '../support/services.js';

export { REDIS_URL };
export type QueueKind = 'sqlite-sql-queue' | 'postgres-sql-queue' | 'bullmq';

export interface MakeOpts {
  retry?: RetryPolicy;
  leaseMs?: number;
  /** Use a second store instance (another replica's connection) for this queue. */
  store?: StoreWithJobs;
}

export interface Harness {
  kind: QueueKind;
  opened: Opened;
  prefix: string;
  make(o?: MakeOpts): JobQueue;
  cleanup(): Promise<void>;
}

const quietErrors = () => {};

export async function deletePrefix(prefix: string): Promise<number> {
  const r = new Redis(REDIS_URL);
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) n += await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return n;
}

export async function harness(kind: QueueKind): Promise<Harness> {
  const opened = await openIsolated(kind === 'postgres-sql-queue' ? 'postgres' : 'sqlite');
  const prefix = `baton-test-${randomBytes(5).toString('hex')}`;
  const made: JobQueue[] = [];
  return {
    kind,
    opened,
    prefix,
    make(o = {}) {
      const store = o.store ?? opened.store;
      const q =
        kind === 'bullmq'
          ? new BullQueue({
              store,
              redisUrl: REDIS_URL,
              prefix,
              onError: quietErrors,
              sweepMs: 1000,
              busyRetryMs: 20,
              ...(o.retry ? { retry: o.retry } : {}),
              ...(o.leaseMs ? { leaseMs: o.leaseMs, stalledIntervalMs: Math.max(100, Math.floor(o.leaseMs / 2)) } : {}),
            } satisfies BullQueueOptions)
          : new SqlQueue({
              store,
              pollMs: 25,
              onError: quietErrors,
              ...(o.retry ? { retry: o.retry } : {}),
              ...(o.leaseMs ? { leaseMs: o.leaseMs } : {}),
            } satisfies SqlQueueOptions);
      made.push(q);
      return q;
    },
    async cleanup() {
      for (const q of made) await q.stop(2000).catch(() => {});
      if (kind === 'bullmq') await deletePrefix(prefix);
      await opened.cleanup();
    },
  };
}
