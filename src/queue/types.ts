// The job queue: per-key strict order (one issue's jobs run one at a time, in arrival order, across replicas),
// different keys in parallel, retries with exponential backoff and jitter, dead letters.
// Implementations: embedded (durable, in the SQLite store's file) and BullMQ on Redis (REDIS_URL).

export interface Job {
  id: string; // the delivery id
  key: string; // ordering key, e.g. 'owner/repo#12'
  name: string; // webhook event name
  attempt: number; // 1-based
  /** W3C traceparent of the webhook span that enqueued the job (src/ops/tracing.ts), so the job span joins its trace. */
  traceparent?: string;
}

export type JobHandler = (job: Job) => Promise<void>;

export interface QueueStats {
  waiting: number;
  active: number;
  dead: number;
  oldestWaitingAgeMs: number;
}

export interface JobQueue {
  readonly kind: 'embedded' | 'bullmq';
  /** Durably enqueue; a second enqueue of the same id is ignored. */
  enqueue(job: { id: string; key: string; name: string; traceparent?: string }): Promise<void>;
  /** Start consuming with `concurrency` jobs in flight (each on a different key). */
  start(handler: JobHandler, opts?: { concurrency?: number }): Promise<void>;
  /** Stop taking work; wait for in-flight jobs (up to timeoutMs), release the rest for another replica. */
  stop(timeoutMs?: number): Promise<void>;
  /** Resolves when nothing is waiting or active (tests, `sandbox --once`). */
  drain(): Promise<void>;
  stats(): Promise<QueueStats>;
  ping(): Promise<boolean>;
}

export interface RetryPolicy {
  attempts: number; // total attempts before dead-lettering
  baseMs: number;
  maxMs: number;
  /** Another policy for some job names (outbound partner webhooks retry for hours, not a minute). */
  byJob?: Record<string, Omit<RetryPolicy, 'byJob'>>;
}

/** The policy a job of this name runs under. */
export function policyFor(retry: RetryPolicy, name: string): RetryPolicy {
  return retry.byJob?.[name] ?? retry;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 500, maxMs: 60_000 };

/** Exponential backoff with full jitter (AWS architecture blog's "full jitter"). */
export function backoffMs(
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}
