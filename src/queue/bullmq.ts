// The Redis queue (REDIS_URL): BullMQ moves the jobs between replicas; Baton adds what BullMQ's open-source edition
// lacks — strict per-key order with one job per key at a time (BullMQ "groups" are a Pro feature).
//
// Design: "only heads are in BullMQ".
//   - Per key, a Redis list `<prefix>:baton:list:<key>` holds the job ids in enqueue order. Only the head of a list
//     is ever handed to BullMQ (as a job whose id is the delivery id). Enqueue = one Lua script (RPUSH + bookkeeping);
//     when the list was empty the new job is the head and is added to BullMQ right away.
//   - When the head finishes (done, or dead-lettered after its last attempt) one Lua script pops it, releases the
//     key lock and returns the new head, which is then added to BullMQ. So the next job of a key can only start
//     after the previous one finished: order and one-at-a-time follow from the list, whatever replica runs it.
//   - Defence in depth: the processor re-checks that its job is the head, and takes a per-key lock
//     (`SET NX PX lease`, renewed while running). A job that is not the head, or whose key is locked by someone else,
//     is moved back to BullMQ's delayed set and tried again shortly.
//   - Retries: BullMQ's attempts with a custom backoff (`backoffMs`, full jitter). A retrying job stays the head,
//     so later jobs of its key wait. The last failure dead-letters it in the SQL store (with the error) and hands off.
//   - A SIGKILLed replica stops renewing both BullMQ's job lock and the key lock; after `leaseMs` BullMQ's stalled
//     checker (on any live replica) puts the job back in wait, the key lock has expired, and another replica runs it.
//     A process restarted on the same host does not wait for that: the key locks of its dead predecessor (the lock
//     value names its owner, src/queue/owner.ts) are released and their jobs moved back to wait when it starts.
//   - A periodic sweep repairs the two crash windows (enqueue killed between RPUSH and add; hand-off killed between
//     pop and add): any list whose head has no BullMQ job gets one.
//
// Durability and recovery guarantee: enqueue() first records the job in the SQL store (deliveries.queued = 1, which
// also dedupes by id), then pushes it to Redis. The SQL store is the source of truth; Redis holds only the
// in-flight order. `recover()` (run by start(), by the sweep, and when the Redis connection comes back) re-pushes
// every SQL-pending job that Redis does not know, in original enqueue order. So after Redis loses everything (it
// runs without persistence), every job whose enqueue() resolved still runs AT LEAST ONCE, and jobs of one key still
// run in their enqueue order — except that a job enqueued after the loss but before recovery ran may go first, and a
// job that was running during the loss may run again. Handlers must be idempotent (Baton's effect journal is).
import { DelayedError, Job as BullJobClass, Queue, Worker, type Job as BullJob, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { StoreWithJobs } from '../store/types.js';
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

export interface BullQueueOptions {
  store: StoreWithJobs;
  redisUrl: string;
  /** Prefix of every Redis key (BullMQ's and Baton's), so deployments and tests can share one Redis. */
  prefix?: string;
  queueName?: string;
  retry?: RetryPolicy;
  /** BullMQ job lock and key lock duration (ms): how long a dead replica's job stays blocked. */
  leaseMs?: number;
  /** How often each replica checks for stalled jobs (ms); defaults to leaseMs. */
  stalledIntervalMs?: number;
  /** How often the recovery sweep runs (ms). */
  sweepMs?: number;
  /** Delay before a job that found its key busy tries again (ms). */
  busyRetryMs?: number;
  random?: () => number;
  onError?: (err: unknown, context: string) => void;
}

interface Data {
  key: string;
}

const PUSH = `
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return -1 end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[2])
return redis.call('RPUSH', KEYS[2], ARGV[1])`;

// Pop the finished job, release the key lock if ours, return [newHeadId, newHeadName] or nil.
const ADVANCE = `
redis.call('LREM', KEYS[2], 1, ARGV[1])
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
if redis.call('GET', KEYS[5]) == ARGV[3] then redis.call('DEL', KEYS[5]) end
local head = redis.call('LINDEX', KEYS[2], 0)
if not head then
  redis.call('SREM', KEYS[3], ARGV[2])
  return nil
end
return {head, redis.call('HGET', KEYS[4], head) or ''}`;

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

type Scripted = Redis & {
  batonPush(
    listed: string,
    list: string,
    keys: string,
    names: string,
    id: string,
    key: string,
    name: string,
  ): Promise<number>;
  batonAdvance(
    listed: string,
    list: string,
    keys: string,
    names: string,
    lock: string,
    id: string,
    key: string,
    lockVal: string,
  ): Promise<[string, string] | null>;
  batonRenew(lock: string, val: string, ms: number): Promise<number>;
  batonUnlock(lock: string, val: string): Promise<number>;
};

// BullMQ rejects custom job ids containing ':' (its key separator); delivery ids are ours to choose, so escape.
const toJobId = (id: string) => id.replaceAll('%', '%25').replaceAll(':', '%3A');
const fromJobId = (jobId: string) => jobId.replaceAll('%3A', ':').replaceAll('%25', '%');

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export class BullQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  private readonly o: Required<Omit<BullQueueOptions, 'stalledIntervalMs'>> & { stalledIntervalMs: number };
  private readonly redis: Scripted;
  private readonly queue: Queue;
  private readonly owner = newOwner();
  private readonly k: {
    listed: string;
    keys: string;
    alive: string;
    names: string;
    list: (key: string) => string;
    lock: (key: string) => string;
  };
  private worker?: Worker;
  private workerRedis?: Redis;
  private sweepTimer?: NodeJS.Timeout;
  private aliveTimer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private closed = false;

  constructor(opts: BullQueueOptions) {
    const leaseMs = opts.leaseMs ?? 30_000;
    this.o = {
      prefix: 'baton',
      queueName: 'jobs',
      retry: DEFAULT_RETRY,
      sweepMs: 15_000,
      busyRetryMs: 100,
      random: Math.random,
      onError: (err, context) => console.error(`baton queue (redis): ${context}: ${errorMessage(err)}`),
      ...opts,
      leaseMs,
      stalledIntervalMs: opts.stalledIntervalMs ?? leaseMs,
    };
    // maxRetriesPerRequest: null is what BullMQ requires: commands wait for a reconnect instead of failing.
    this.redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null }) as Scripted;
    this.redis.on('error', () => {}); // reconnects on its own; failures surface on the commands that need Redis
    this.redis.defineCommand('batonPush', { numberOfKeys: 4, lua: PUSH });
    this.redis.defineCommand('batonAdvance', { numberOfKeys: 5, lua: ADVANCE });
    this.redis.defineCommand('batonRenew', { numberOfKeys: 1, lua: RENEW });
    this.redis.defineCommand('batonUnlock', { numberOfKeys: 1, lua: UNLOCK });
    const base = `${this.o.prefix}:baton`;
    this.k = {
      listed: `${base}:listed`,
      keys: `${base}:keys`,
      alive: `${base}:alive`,
      names: `${base}:names`,
      list: (key) => `${base}:list:${key}`,
      lock: (key) => `${base}:lock:${key}`,
    };
    this.queue = new Queue(this.o.queueName, { connection: this.redis, prefix: this.o.prefix });
    this.queue.on('error', (err) => this.o.onError(err, 'BullMQ queue'));
  }

  private jobOpts(id: string, name: string): JobsOptions {
    return {
      jobId: toJobId(id),
      attempts: policyFor(this.o.retry, name).attempts,
      backoff: { type: 'baton' },
      // Removed when finished so a later hand-off of the same id (recovery) is not swallowed by BullMQ's dedupe.
      removeOnComplete: true,
      removeOnFail: true,
    };
  }

  private async addHead(id: string, key: string, name: string): Promise<void> {
    await this.queue.add(name || 'job', { key } satisfies Data, this.jobOpts(id, name));
  }

  /** Push to the key's list; when it became the head, hand it to BullMQ. */
  private async push(job: { id: string; key: string; name: string }): Promise<boolean> {
    const n = await this.redis.batonPush(
      this.k.listed,
      this.k.list(job.key),
      this.k.keys,
      this.k.names,
      job.id,
      job.key,
      job.name,
    );
    if (n === 1) await this.addHead(job.id, job.key, job.name);
    return n > 0;
  }

  async enqueue(job: { id: string; key: string; name: string }): Promise<void> {
    if (!(await this.o.store.jobs.enqueue(job, Date.now()))) return; // duplicate
    try {
      await this.push(job);
    } catch (err) {
      // The job is durable in the SQL store; the sweep (recover) pushes it once Redis answers again.
      this.o.onError(err, `enqueue of ${job.id} reached the store but not Redis (recover() will retry it)`);
    }
  }

  /** Re-push every SQL-pending job Redis does not know, in enqueue order. Returns how many were pushed. */
  async recover(): Promise<number> {
    let pushed = 0;
    for (const j of await this.o.store.jobs.queued()) if (await this.push(j)) pushed++;
    // Heads without a BullMQ job (a replica died between pop/push and add) get one.
    for (const key of await this.redis.smembers(this.k.keys)) {
      const head = await this.redis.lindex(this.k.list(key), 0);
      if (!head) continue;
      if ((await this.queue.getJobState(toJobId(head))) === 'unknown') {
        await this.addHead(head, key, (await this.redis.hget(this.k.names, head)) ?? '');
      }
    }
    return pushed;
  }

  private sweep(): Promise<void> {
    // One sweep at a time per replica; overlapping sweeps are harmless but wasteful.
    this.sweeping ??= this.recover()
      .then(() => undefined)
      .catch((err) => this.o.onError(err, 'recovery sweep'))
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  async start(handler: JobHandler, opts: { concurrency?: number } = {}): Promise<void> {
    if (this.worker) throw new Error('Queue already started: call stop() before starting it again.');
    this.workerRedis = new Redis(this.o.redisUrl, { maxRetriesPerRequest: null });
    this.workerRedis.on('error', () => {});
    this.worker = new Worker<Data>(this.o.queueName, (job, token) => this.process(handler, job, token), {
      connection: this.workerRedis,
      prefix: this.o.prefix,
      concurrency: Math.max(1, opts.concurrency ?? 4),
      lockDuration: this.o.leaseMs,
      stalledInterval: this.o.stalledIntervalMs,
      // A crash is not the job's fault: let it be taken over many times (the SQL attempts still show it).
      maxStalledCount: 1000,
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, _err?: Error, job?: { name: string }) =>
          backoffMs(attemptsMade, policyFor(this.o.retry, job?.name ?? ''), this.o.random),
      },
    });
    this.worker.on('error', (err) => this.o.onError(err, 'BullMQ worker'));
    await this.reclaimOwn().catch((err) => this.o.onError(err, 'taking back jobs of a previous run of this process'));
    await this.worker.waitUntilReady();
    await this.redis.set(this.k.alive, this.owner);
    await this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.o.sweepMs);
    this.sweepTimer.unref();
    // Redis can lose its data without a reconnect (FLUSHALL, eviction, a failover to an empty replica): a sentinel
    // key that vanished says so within a second, and the queue is rebuilt from the store then, not at the next sweep.
    this.aliveTimer = setInterval(() => {
      this.redis
        .set(this.k.alive, this.owner, 'NX')
        .then((set) => (set === 'OK' ? this.sweep() : undefined))
        .catch(() => undefined);
    }, 1000);
    this.aliveTimer.unref();
    // Redis came back (possibly empty: no persistence): rebuild from the store.
    this.redis.on('ready', () => void this.sweep());
  }

  /**
   * The jobs a dead earlier run of this process was running (their key locks name it as owner) go back to wait at
   * once, with their attempts kept, instead of after a whole lease: nobody can renew those locks any more.
   * Returns how many were taken back.
   */
  async reclaimOwn(): Promise<number> {
    let n = 0;
    let cursor = '0';
    const locks: string[] = [];
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.k.lock('*'), 'COUNT', 1000);
      cursor = next;
      locks.push(...keys);
    } while (cursor !== '0');
    for (const lock of locks) {
      const val = await this.redis.get(lock);
      // The value is `<owner>:<delivery id>` and an owner is `host:pid:random` (ids may hold ':' themselves).
      const parts = val?.split(':') ?? [];
      if (!val || parts.length < 4 || !deadPredecessor(parts.slice(0, 3).join(':'), this.owner)) continue;
      const jobId = toJobId(parts.slice(3).join(':'));
      const job = await BullJobClass.fromId(this.queue, jobId);
      if (job && (await job.getState()) === 'active') {
        const token = (await this.redis.get(`${this.queue.toKey(jobId)}:lock`)) ?? '0';
        await job.moveToWait(token).catch((err) => this.o.onError(err, `moving ${jobId} back to wait`));
      }
      await this.redis.batonUnlock(lock, val);
      n++;
    }
    return n;
  }

  private async process(handler: JobHandler, job: BullJob<Data>, token?: string): Promise<void> {
    const id = fromJobId(job.id!);
    const { key } = job.data;
    const list = this.k.list(key);
    const head = await this.redis.lindex(list, 0);
    if (head !== id) {
      if ((await this.redis.lpos(list, id)) === null) return; // stale hand-off: this job already finished
      return this.later(job, token);
    }
    const delivery = await this.o.store.getDelivery(id);
    const lockVal = `${this.owner}:${id}`;
    if (delivery && delivery.status !== 'pending') {
      // Finished before a crash cut the hand-off short: just hand off now.
      return this.handOff(key, id, lockVal);
    }
    const lock = this.k.lock(key);
    if (
      (await this.redis.set(lock, lockVal, 'PX', this.o.leaseMs, 'NX')) !== 'OK' &&
      (await this.redis.get(lock)) !== lockVal
    ) {
      return this.later(job, token); // a previous runner's lease has not expired yet
    }
    const renew = setInterval(
      () => {
        this.redis
          .batonRenew(lock, lockVal, this.o.leaseMs)
          .catch((err) => this.o.onError(err, `renewing the key lock of ${id}`));
      },
      Math.max(10, Math.floor(this.o.leaseMs / 3)),
    );
    renew.unref();
    const attempt = job.attemptsMade + 1;
    try {
      await handler({ id, key, name: job.name, attempt });
    } catch (err) {
      clearInterval(renew);
      const error = errorMessage(err);
      await this.o.store.bumpDeliveryAttempts(id, error);
      if (attempt >= policyFor(this.o.retry, job.name).attempts) {
        await this.o.store.finishDelivery(id, 'dead', error);
        return this.handOff(key, id, lockVal);
      }
      await this.redis.batonUnlock(lock, lockVal);
      throw err; // BullMQ schedules the retry with our backoff; the job stays the head of its key
    }
    clearInterval(renew);
    await this.o.store.finishDelivery(id, 'done');
    return this.handOff(key, id, lockVal);
  }

  private async later(job: BullJob<Data>, token?: string): Promise<never> {
    await job.moveToDelayed(Date.now() + this.o.busyRetryMs, token);
    throw new DelayedError();
  }

  private async handOff(key: string, id: string, lockVal: string): Promise<void> {
    const next = await this.redis.batonAdvance(
      this.k.listed,
      this.k.list(key),
      this.k.keys,
      this.k.names,
      this.k.lock(key),
      id,
      key,
      lockVal,
    );
    if (next) await this.addHead(next[0], key, next[1]);
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    clearInterval(this.aliveTimer);
    await this.sweeping;
    if (this.worker) {
      const w = this.worker;
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        w.close().then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
      ]);
      clearTimeout(timer);
      // Jobs still running past the timeout keep their (unrenewed) locks; another replica takes them over after leaseMs.
      if (!finished) await w.close(true).catch(() => {});
    }
    await this.queue.close().catch(() => {});
    for (const r of [this.redis, this.workerRedis]) await r?.quit().catch(() => r.disconnect());
  }

  async drain(): Promise<void> {
    for (;;) {
      const c = await this.o.store.jobs.counts(Date.now());
      if (c.waiting === 0 && c.active === 0) return;
      await sleep(20);
    }
  }

  async stats(): Promise<QueueStats> {
    const now = Date.now();
    const [c, active] = await Promise.all([this.o.store.jobs.counts(now), this.queue.getActiveCount()]);
    return {
      waiting: Math.max(0, c.waiting + c.active - active),
      active,
      dead: c.dead,
      oldestWaitingAgeMs: c.oldestEnqueuedAt === undefined ? 0 : Math.max(0, now - c.oldestEnqueuedAt),
    };
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG' && (await this.o.store.ping());
    } catch {
      return false;
    }
  }
}
