// The embedded queue: durable in the store's own database (the jobs are the deliveries rows), so a single
// process — or several replicas on one Postgres — needs no Redis. Each consumer polls for the oldest runnable job
// that is the head of its key (strict per-key order), leases it, and renews the lease while the handler runs; a
// crashed consumer stops renewing and its job is taken over once the lease expires. Failures are retried with
// exponential backoff and full jitter; after the last attempt the delivery is dead-lettered with its error kept.
// A local enqueue wakes the poller at once, so in a single process a job starts without waiting for the interval.
import type { StoreWithJobs, QueuedJob } from '../store/types.js';
import {
  backoffMs,
  DEFAULT_RETRY,
  policyFor,
  type JobHandler,
  type JobQueue,
  type QueueStats,
  type RetryPolicy,
} from './types.js';
import { errorMessage } from '../ops/errors.js';
import { deadPredecessor, newOwner } from './owner.js';

export interface SqlQueueOptions {
  store: StoreWithJobs;
  retry?: RetryPolicy;
  /** How long a claimed job stays ours without renewal (ms). A crashed consumer's jobs restart after this. */
  leaseMs?: number;
  /** Poll interval when idle (ms); other replicas' enqueues are seen within this. */
  pollMs?: number;
  /** Identifies this consumer in locked_by (host:pid:random by default). */
  owner?: string;
  now?: () => number;
  random?: () => number;
  /** Infrastructure errors (database unreachable…); handler errors are recorded on the job instead. */
  onError?: (err: unknown, context: string) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
interface InFlight {
  job: QueuedJob;
  done: Promise<void>;
  released: boolean;
}

export class SqlQueue implements JobQueue {
  readonly kind = 'embedded' as const;
  private readonly store: StoreWithJobs;
  private readonly retry: RetryPolicy;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly owner: string;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly onError: (err: unknown, context: string) => void;
  private readonly inflight = new Map<string, InFlight>();
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** Set by kick(): something became runnable while we were busy claiming, so skip the next sleep. */
  private kicked = false;
  private handler?: JobHandler;
  private concurrency = 1;

  constructor(o: SqlQueueOptions) {
    this.store = o.store;
    this.retry = o.retry ?? DEFAULT_RETRY;
    this.leaseMs = o.leaseMs ?? 30_000;
    this.pollMs = o.pollMs ?? 250;
    this.owner = o.owner ?? newOwner();
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
    this.onError = o.onError ?? ((err, context) => console.error(`baton queue: ${context}: ${errorMessage(err)}`));
  }

  async enqueue(job: { id: string; key: string; name: string }): Promise<void> {
    if (await this.store.jobs.enqueue(job, this.now())) this.kick();
  }

  async start(handler: JobHandler, opts: { concurrency?: number } = {}): Promise<void> {
    if (this.running) throw new Error('Queue already started: call stop() before starting it again.');
    this.handler = handler;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    await this.reclaimOwn().catch((err) => this.onError(err, 'taking back jobs of a previous run of this process'));
    this.running = true;
    this.loop = this.pump();
  }

  /** Leases of a dead earlier run of this process are taken back at once (src/queue/owner.ts). */
  private async reclaimOwn(): Promise<void> {
    for (const l of await this.store.jobs.leases())
      if (deadPredecessor(l.owner, this.owner)) await this.store.jobs.release(l.id, l.owner);
  }

  private kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Claim while there is room, then sleep until the poll interval passes or something wakes us. */
  private async pump(): Promise<void> {
    while (this.running) {
      this.kicked = false;
      try {
        while (this.running && this.inflight.size < this.concurrency) {
          const job = await this.store.jobs.claim(this.owner, this.now(), this.leaseMs);
          if (!job) break;
          if (!this.running) {
            await this.store.jobs.release(job.id, this.owner);
            break;
          }
          this.launch(job);
        }
      } catch (err) {
        this.onError(err, 'claiming a job failed (will retry)');
      }
      if (!this.running) break;
      if (this.kicked) continue;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, this.pollMs).unref();
      });
      this.wake = undefined;
    }
  }

  private launch(job: QueuedJob): void {
    const entry: InFlight = { job, released: false, done: Promise.resolve() };
    entry.done = this.runJob(entry).finally(() => {
      this.inflight.delete(job.id);
      this.kick(); // the next job of this key (or a free slot) is runnable now
    });
    this.inflight.set(job.id, entry);
  }

  private async runJob(entry: InFlight): Promise<void> {
    const { job } = entry;
    const retry = policyFor(this.retry, job.name);
    if (job.attempts > retry.attempts) {
      // Only reachable when earlier attempts never reported back (their consumers died mid-job): stop the loop.
      await this.settle(entry, () =>
        this.store.finishDelivery(
          job.id,
          'dead',
          `gave up after ${job.attempts - 1} attempts that never finished (consumer crashed or lost its lease)`,
        ),
      );
      return;
    }
    const renew = setInterval(
      () => {
        this.store.jobs
          .renew(job.id, this.owner, this.now() + this.leaseMs)
          .catch((err) => this.onError(err, `renewing the lease of ${job.id}`));
      },
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    renew.unref();
    try {
      await this.handler!({ id: job.id, key: job.key, name: job.name, attempt: job.attempts });
      clearInterval(renew);
      await this.settle(entry, () => this.store.finishDelivery(job.id, 'done'));
    } catch (err) {
      clearInterval(renew);
      const error = errorMessage(err);
      await this.settle(entry, async () => {
        if (job.attempts >= retry.attempts) await this.store.finishDelivery(job.id, 'dead', error);
        else
          await this.store.jobs.retryAt(
            job.id,
            this.owner,
            this.now() + backoffMs(job.attempts, retry, this.random),
            error,
          );
      });
    }
  }

  /** Record the outcome unless stop() already handed the job back to another consumer. */
  private async settle(entry: InFlight, record: () => Promise<unknown>): Promise<void> {
    if (entry.released) return;
    try {
      await record();
    } catch (err) {
      // The lease will expire and another consumer re-runs the job: at-least-once, never lost.
      this.onError(err, `recording the outcome of ${entry.job.id}`);
    }
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
    const pending = [...this.inflight.values()];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(pending.map((e) => e.done)),
      new Promise<void>((r) => (timer = setTimeout(r, timeoutMs))),
    ]);
    clearTimeout(timer);
    for (const e of this.inflight.values()) {
      e.released = true;
      await this.store.jobs.release(e.job.id, this.owner).catch((err) => this.onError(err, `releasing ${e.job.id}`));
    }
  }

  async drain(): Promise<void> {
    for (;;) {
      const c = await this.store.jobs.counts(this.now());
      if (c.waiting === 0 && c.active === 0 && this.inflight.size === 0) return;
      await sleep(Math.min(this.pollMs, 20));
    }
  }

  async stats(): Promise<QueueStats> {
    const now = this.now();
    const c = await this.store.jobs.counts(now);
    return {
      waiting: c.waiting,
      active: c.active,
      dead: c.dead,
      oldestWaitingAgeMs: c.oldestEnqueuedAt === undefined ? 0 : Math.max(0, now - c.oldestEnqueuedAt),
    };
  }

  ping(): Promise<boolean> {
    return this.store.ping();
  }
}
