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
export const MIN_JOB_DAYS = 3;
const DAY_MS = 86_400_000;

export function cutoffs(now: Date, r: Retention): RetentionCutoffs {
  return {
    payloadsBefore: new Date(now.getTime() - r.payloadDays * DAY_MS).toISOString(),
    rowsBefore: new Date(now.getTime() - Math.max(r.jobDays, MIN_JOB_DAYS) * DAY_MS).toISOString(),
  };
}

export function prune(store: StoreWithJobs, r: Retention, now = new Date()): Promise<PruneResult> {
  return store.prune(cutoffs(now, r));
}
