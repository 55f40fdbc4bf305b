// How long the store keeps what it no longer needs. Defaults: payloads of processed deliveries 1 day (they can hold
// issue and PR text, redacted once the job finished; nothing reads them after it except an operator debugging it), finished jobs and
// the effect journal 30 days (GitHub lets an app redeliver a delivery for 3 days — "Redelivering webhooks" in
// GitHub's docs — so dedupe needs the row at least that long; `baton jobs` shows the rest). Dead-lettered jobs keep
// their payload so `baton jobs retry` and `/baton retry` can still run them.
import type { PruneResult, RetentionCutoffs, StoreWithJobs } from './types.js';

export interface Retention {
  payloadDays: number;
  jobDays: number;
}

export const DEFAULT_RETENTION: Retention = { payloadDays: 1, jobDays: 30 };
/** Below this a redelivery GitHub still allows could be taken for a new delivery. */
const MIN_JOB_DAYS = 3;
const DAY_MS = 86_400_000;

/** BATON_PAYLOAD_RETENTION_DAYS and BATON_JOB_RETENTION_DAYS, with a located error for a bad value. */
export function retentionFromEnv(env: Record<string, string | undefined>): Retention {
  const days = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min)
      throw new Error(`${name}=${raw}: expected a number of days of at least ${min} (default ${fallback})`);
    return n;
  };
  return {
    payloadDays: days('BATON_PAYLOAD_RETENTION_DAYS', DEFAULT_RETENTION.payloadDays, 0),
    jobDays: days('BATON_JOB_RETENTION_DAYS', DEFAULT_RETENTION.jobDays, MIN_JOB_DAYS),
  };
}

export function cutoffs(now: Date, r: Retention): RetentionCutoffs {
  return {
    payloadsBefore: new Date(now.getTime() - r.payloadDays * DAY_MS).toISOString(),
    rowsBefore: new Date(now.getTime() - Math.max(r.jobDays, MIN_JOB_DAYS) * DAY_MS).toISOString(),
  };
}

export function prune(store: StoreWithJobs, r: Retention, now = new Date()): Promise<PruneResult> {
  return store.prune(cutoffs(now, r));
}
