import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { harness, REDIS_URL, type Harness, type QueueKind } from './helpers.js';
import { PG_URL } from '../store/helpers.js';
import type { Job } from '../../src/queue/types.js';

const FAST = { attempts: 3, baseMs: 5, maxMs: 20 };
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['sqlite-sql-queue', 'postgres-sql-queue', 'bullmq'] as QueueKind[])('JobQueue contract: %s', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness(kind);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('keeps per-key order with no overlap, across two replicas, while running keys in parallel', async () => {
    const KEYS = 20;
    const PER_KEY = 30;
    const ran = new Map<string, number[]>();
    const activeByKey = new Map<string, number>();
    let overlaps = 0;
    let active = 0;
    let maxActive = 0;
    const handler = async (job: Job) => {
      const n = (activeByKey.get(job.key) ?? 0) + 1;
      activeByKey.set(job.key, n);
      if (n > 1) overlaps++;
      maxActive = Math.max(maxActive, ++active);
      ran.set(job.key, [...(ran.get(job.key) ?? []), Number(job.id.split(':')[1])]);
      await tick(Math.floor(Math.random() * 4));
      active--;
      activeByKey.set(job.key, n - 1);
    };
    const a = h.make();
    const b = h.make({ store: await h.opened.twin() });
    for (let j = 0; j < PER_KEY; j++) {
      for (let k = 0; k < KEYS; k++) await a.enqueue({ id: `k${k}:${j}`, key: `acme/web#${k}`, name: 'issues' });
    }
    await a.start(handler, { concurrency: 6 });
    await b.start(handler, { concurrency: 6 });
    await a.drain();
    expect(overlaps).toBe(0);
    expect(ran.size).toBe(KEYS);
    for (const order of ran.values()) expect(order).toEqual(Array.from({ length: PER_KEY }, (_, i) => i));
    expect(maxActive).toBeGreaterThan(1); // different keys overlapped
    expect((await a.stats()).waiting).toBe(0);
  });

  it('retries a failing job with backoff, then succeeds', async () => {
    const q = h.make({ retry: { ...FAST, attempts: 4 } });
    const attempts: number[] = [];
    await q.start(async (job) => {
      attempts.push(job.attempt);
      if (job.attempt < 3) throw new Error(`flaky ${job.attempt}`);
    });
    await q.enqueue({ id: 'r1', key: 'acme/web#1', name: 'issues' });
    await q.drain();
    expect(attempts).toEqual([1, 2, 3]);
    const d = await h.opened.store.getDelivery('r1');
    expect(d?.status).toBe('done');
    expect(d?.error).toBeUndefined();
  });

  it('dead-letters after the last attempt, keeps the error, and lets the key move on', async () => {
    const q = h.make({ retry: FAST });
    const seen: string[] = [];
    await q.start(async (job) => {
      seen.push(`${job.id}@${job.attempt}`);
      if (job.id === 'bad') throw new Error(`boom ${job.attempt}`);
    });
    await q.enqueue({ id: 'bad', key: 'acme/web#2', name: 'issues' });
    await q.enqueue({ id: 'next', key: 'acme/web#2', name: 'issue_comment' });
    await q.drain();
    expect(seen).toEqual(['bad@1', 'bad@2', 'bad@3', 'next@1']);
    const dead = await h.opened.store.deadDeliveries();
    expect(dead.map((d) => [d.id, d.status, d.error])).toEqual([['bad', 'dead', 'boom 3']]);
    expect((await q.stats()).dead).toBe(1);
  });

  it('runs a job name under its own retry policy (more attempts than the default)', async () => {
    const q = h.make({ retry: { ...FAST, byJob: { 'baton.outbound': { ...FAST, attempts: 6 } } } });
    const seen: string[] = [];
    await q.start(async (job) => {
      seen.push(`${job.id}@${job.attempt}`);
      if (job.attempt < 5) throw new Error(`receiver down ${job.attempt}`);
    });
    await q.enqueue({ id: 'out', key: 'outbound:wh_1', name: 'baton.outbound' });
    await q.enqueue({ id: 'hook', key: 'acme/web#3', name: 'issues' });
    await q.drain();
    expect(seen.filter((s) => s.startsWith('out@'))).toEqual(['out@1', 'out@2', 'out@3', 'out@4', 'out@5']);
    expect(seen.filter((s) => s.startsWith('hook@'))).toEqual(['hook@1', 'hook@2', 'hook@3']);
    expect((await h.opened.store.getDelivery('out'))?.status).toBe('done');
    expect((await h.opened.store.getDelivery('hook'))?.status).toBe('dead');
  });

  it('ignores a duplicate enqueue, before and after the job ran', async () => {
    const q = h.make();
    const seen: string[] = [];
    await q.enqueue({ id: 'dup', key: 'acme/web#3', name: 'issues' });
    await q.enqueue({ id: 'dup', key: 'acme/web#3', name: 'issues' });
    await q.start(async (job) => void seen.push(job.id));
    await q.drain();
    await q.enqueue({ id: 'dup', key: 'acme/web#3', name: 'issues' });
    await q.enqueue({ id: 'other', key: 'acme/web#3', name: 'issues' });
    await q.drain();
    expect(seen).toEqual(['dup', 'other']);
  });

  it('stop() waits for the in-flight job to finish', async () => {
    const q = h.make();
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    await q.start(async () => {
      started();
      await gate;
      events.push('handler finished');
    });
    await q.enqueue({ id: 's1', key: 'acme/web#4', name: 'issues' });
    await running;
    const stopping = q.stop(30_000).then(() => events.push('stopped'));
    await tick(50);
    events.push('released');
    release();
    await stopping;
    expect(events).toEqual(['released', 'handler finished', 'stopped']);
    expect((await h.opened.store.getDelivery('s1'))?.status).toBe('done');
  });

  if (kind !== 'bullmq') {
    // BullMQ cannot hand back a running job's lock; its stuck jobs are taken over after the lease instead (tested below).
    it('stop() past its timeout releases the stuck job to another consumer without counting the attempt', async () => {
      const stuck = h.make();
      let started!: () => void;
      const running = new Promise<void>((r) => (started = r));
      await stuck.start(() => {
        started();
        return new Promise<void>(() => {});
      });
      await stuck.enqueue({ id: 't1', key: 'acme/web#6', name: 'issues' });
      await running;
      await stuck.stop(20);
      const next = h.make({ store: await h.opened.twin() });
      const attempts: number[] = [];
      await next.start(async (job) => void attempts.push(job.attempt));
      await next.drain();
      expect(attempts).toEqual([1]);
      expect((await h.opened.store.getDelivery('t1'))?.status).toBe('done');
    });
  }

  it('renews the lease of a job that runs longer than the lease, so no other consumer takes it', async () => {
    const LEASE = 600;
    const a = h.make({ leaseMs: LEASE });
    const b = h.make({ leaseMs: LEASE, store: await h.opened.twin() });
    const runs: string[] = [];
    const handler = async (job: Job) => {
      runs.push(job.id);
      if (job.id === 'long') await tick(LEASE * 3);
    };
    await a.enqueue({ id: 'long', key: 'acme/web#7', name: 'issues' });
    await a.enqueue({ id: 'after', key: 'acme/web#7', name: 'issues' });
    await a.start(handler, { concurrency: 2 });
    await b.start(handler, { concurrency: 2 });
    await a.drain();
    expect(runs).toEqual(['long', 'after']);
  });

  it("takes over a SIGKILLed consumer's job once its lease expires, keeping key order", async () => {
    const LEASE = 800;
    const q = h.make({ leaseMs: LEASE });
    await q.enqueue({ id: 'c1', key: 'acme/web#5', name: 'issues' });
    await q.enqueue({ id: 'c2', key: 'acme/web#5', name: 'issues' });
    const fixture = fileURLToPath(new URL('./fixtures/crash-consumer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, kind, h.opened.where, h.prefix, String(LEASE)], {
      env: { ...process.env, NODE_OPTIONS: '', PG_URL, REDIS_URL },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    const exited = new Promise((r) => child.on('exit', r));
    await new Promise<void>((resolve, reject) => {
      lines.on('line', (l) => l === 'started c1' && resolve());
      child.on('exit', (code) => reject(new Error(`crash consumer exited early (${code})`)));
    });
    child.kill('SIGKILL');
    await exited;
    const seen: string[] = [];
    await q.start(async (job) => void seen.push(job.id));
    await q.drain();
    expect(seen).toEqual(['c1', 'c2']);
    expect((await h.opened.store.getDelivery('c1'))?.status).toBe('done');
  });
});

describe('BullMQ recovery', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness('bullmq');
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('notices Redis losing its data under a running queue within a second (not at the next sweep) and runs what was lost', async () => {
    const { BullQueue } = await import('../../src/queue/bullmq.js');
    const { deletePrefix, REDIS_URL } = await import('./helpers.js');
    // A sweep an hour away: only the sentinel key can tell this queue that Redis was emptied.
    const q = new BullQueue({
      store: h.opened.store,
      redisUrl: REDIS_URL,
      prefix: h.prefix,
      sweepMs: 3_600_000,
      busyRetryMs: 20,
      onError: () => {},
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const ran: string[] = [];
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    await q.start(async (job) => {
      ran.push(job.id);
      if (job.id === 'a') {
        started();
        await gate;
      }
    });
    try {
      await q.enqueue({ id: 'a', key: 'acme/web#1', name: 'issues' });
      await q.enqueue({ id: 'b', key: 'acme/web#1', name: 'issues' });
      await running;
      // b waits behind a in its key's list; the list, BullMQ's keys and the sentinel all go.
      expect(await deletePrefix(h.prefix)).toBeGreaterThan(0);
      release();
      await q.drain();
      // b runs once, after a (a job running during the loss may run again: handlers are idempotent).
      expect([ran[0], ran.at(-1), ran.filter((x) => x === 'b').length]).toEqual(['a', 'b', 1]);
      expect((await h.opened.store.getDelivery('b'))?.status).toBe('done');
    } finally {
      await q.stop(2000);
    }
  });

  it('re-enqueues from the SQL store after Redis lost every key of the prefix', async () => {
    const { deletePrefix } = await import('./helpers.js');
    const q = h.make() as import('../../src/queue/bullmq.js').BullQueue;
    for (let i = 0; i < 12; i++) await q.enqueue({ id: `j${i}`, key: `acme/web#${i % 3}`, name: 'issues' });
    expect(await deletePrefix(h.prefix)).toBeGreaterThan(0); // what a Redis restart without persistence does
    expect(await q.recover()).toBe(12);
    expect(await q.recover()).toBe(0); // nothing pushed twice
    const ran: string[] = [];
    await q.start(async (job) => void ran.push(job.id));
    await q.drain();
    expect(ran.filter((id) => ['j0', 'j3', 'j6', 'j9'].includes(id))).toEqual(['j0', 'j3', 'j6', 'j9']);
    expect(ran.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `j${i}`).sort());
  });
});
