// Redis runs without persistence: a Redis restart loses every queued job. The guarantee under test:
//
//   A webhook Baton answered 2xx was first recorded in the SQL store (deliveries, status 'pending') and only then
//   pushed to Redis. Redis holds nothing the SQL store does not: on start (and whenever Redis reconnects, and on a
//   periodic sweep) the BullMQ queue re-pushes every SQL-pending job Redis does not know, in the original per-issue
//   order. So every accepted delivery runs AT LEAST ONCE after any Redis loss; a job that was running during the loss
//   may run twice, and the effect journal + status card make that second run change nothing on GitHub.
//   At-least-once jobs + idempotent effects = exactly-once visible effects.
//
// Here: webhooks are accepted by a Baton whose workers are stopped (jobs pile up in Postgres and Redis), the
// prefix's Redis keys are deleted (a Redis restart that lost everything — the shared Redis server is left alone),
// then a `baton start` process runs: every run must be rebuilt and reach its stage, once.
import { openStack, type Stack } from '../../src/app/stack.js';
import { serveBaton, type ServedBaton } from '../../src/app/serve.js';
import { createLogger } from '../../src/ops/log.js';
import { BOT, APP_ID, killAllChildren, sandboxWorld, settle, startChild, type World } from '../support/child.js';
import {
  countRedisPrefix,
  deleteRedisPrefix,
  dropSchema,
  PG_URL,
  REDIS_URL,
  sharedEnv,
  uniqueNamespace,
} from '../support/replicas.js';
import { auditIssue } from '../support/audit.js';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

const ns = uniqueNamespace('redisloss');
let world: World | undefined;
let front: { stack: Stack; baton: ServedBaton } | undefined;
let audit: Stack | undefined;

afterAll(async () => {
  await killAllChildren();
  await front?.baton.stop().catch(() => undefined);
  await front?.stack.close().catch(() => undefined);
  await audit?.close().catch(() => undefined);
  await world?.sandbox.stop();
  await deleteRedisPrefix(ns);
  await dropSchema(ns);
});

describe('Redis loses everything while jobs are queued', () => {
  it('a started Baton rebuilds the queue from the SQL store: every run reaches its stage, in order, once', async () => {
    world = await sandboxWorld();
    const { sandbox, seeded } = world;
    const repo = seeded.repo;
    // The webhook tier only: a real Probot app recording and enqueueing, with its queue consumer never started.
    const stack = await openStack({ databaseUrl: PG_URL, redisUrl: REDIS_URL, namespace: ns });
    stack.queue.start = async () => undefined;
    const baton = await serveBaton(stack, {
      appId: APP_ID,
      privateKey: world.privateKey,
      secret: world.secret,
      baseUrl: world.env.GITHUB_API_URL,
      log: createLogger({ level: 'silent' }),
      host: '127.0.0.1',
      port: 0,
      writeSpacingMs: 0,
      botLogin: BOT,
    });
    front = { stack, baton };
    sandbox.webhookUrl = baton.webhookUrl;

    const issues: number[] = [];
    for (let i = 0; i < 6; i++) issues.push(sandbox.createIssue({ title: `Queued ${i}`, by: 'alice', repo }).number);
    // Two moves per issue, queued back to back: the second must still run after the first.
    for (const n of issues) sandbox.labelIssue(n, 'flow:feature', { by: 'alice', repo });
    for (const n of issues) sandbox.labelIssue(n, 'spec:ready', { by: 'alice', repo });
    await sandbox.settled();
    expect(sandbox.deliveries().every((d) => d.status === 200)).toBe(true);
    const pending = await stack.store.pendingDeliveries();
    expect(pending.length).toBe(sandbox.deliveries().length);
    expect(await countRedisPrefix(ns)).toBeGreaterThan(0);
    await baton.stop();
    await stack.close();
    front = undefined;

    // The "Redis restart": every key of this deployment is gone.
    await deleteRedisPrefix(ns);
    expect(await countRedisPrefix(ns)).toBe(0);

    audit = await openStack({ databaseUrl: PG_URL, namespace: ns, redisUrl: '' });
    const child = await startChild({ ...world.env, ...sharedEnv(ns) });
    sandbox.webhookUrl = child.webhookUrl;
    await settle(sandbox, audit.store);

    for (const n of issues) {
      const a = auditIssue(sandbox, repo, n, BOT);
      expect([n, a.run?.history.map((h) => h.to), a.cards, a.stageLabels, a.duplicateComments]).toEqual([
        n,
        ['spec', 'build'],
        1,
        ['baton:build'],
        [],
      ]);
    }
    const transitions = await audit.store.transitions({ repo });
    expect(transitions).toHaveLength(issues.length * 2);
    expect(await audit.store.deadDeliveries()).toEqual([]);
    // The rebuilt queue lives in Redis again under this prefix (and nowhere else).
    expect(await countRedisPrefix(ns)).toBeGreaterThan(0);
    await child.kill();
  }, 90_000);

  it('Redis losing its data under a running replica: GitHub calls keep working, runs move on, /readyz says ready, SIGTERM exits 0', async () => {
    const ns2 = uniqueNamespace('redisflush');
    const w = await sandboxWorld();
    const store = await openStack({ databaseUrl: PG_URL, namespace: ns2, redisUrl: '' });
    try {
      const child = await startChild({ ...w.env, ...sharedEnv(ns2) });
      w.sandbox.webhookUrl = child.webhookUrl;
      const repo = w.seeded.repo;
      const issue = w.sandbox.createIssue({ title: 'Flushed', by: 'alice', repo }).number;
      w.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
      await settle(w.sandbox, store.store);
      // Everything of this deployment in Redis goes: queue, per-key locks, and Bottleneck's throttling state (kept
      // under the same prefix), as after a restart without persistence.
      expect(await countRedisPrefix(`${ns2}:throttle`)).toBeGreaterThan(0);
      await deleteRedisPrefix(ns2);
      w.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
      await settle(w.sandbox, store.store);
      const a = auditIssue(w.sandbox, repo, issue, BOT);
      expect({ stage: a.run?.stage, cards: a.cards, labels: a.stageLabels }).toEqual({
        stage: 'build',
        cards: 1,
        labels: ['baton:build'],
      });
      expect(await store.store.deadDeliveries()).toEqual([]);
      const ready = await fetch(`${child.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: Record<string, { ok: boolean }> }).checks.github_throttle?.ok).toBe(
        true,
      );
      // Baton owns throttling's Redis client and closes it: the process exits on SIGTERM.
      child.proc.kill('SIGTERM');
      expect(await child.exited).toEqual({ code: 0, signal: null });
    } finally {
      await store.close();
      await w.sandbox.stop();
      await deleteRedisPrefix(ns2);
      await dropSchema(ns2);
    }
  }, 90_000);

  it('/readyz goes unready while Redis is unreachable or the throttling state is broken, and ready again after', async () => {
    const ns3 = uniqueNamespace('redisready');
    const link = await redisLink();
    const w = await sandboxWorld();
    const store = await openStack({ databaseUrl: PG_URL, namespace: ns3, redisUrl: '' });
    try {
      const child = await startChild({ ...w.env, ...sharedEnv(ns3), REDIS_URL: link.url });
      const ready = async () => {
        const r = await fetch(`${child.url}/readyz`);
        const body = (await r.json()) as { failed: string[]; checks: Record<string, { error?: string }> };
        return { status: r.status, failed: body.failed.sort(), checks: body.checks };
      };
      expect((await ready()).status).toBe(200);
      link.cut();
      expect(await ready()).toMatchObject({ status: 503, failed: ['github_throttle', 'queue'] });
      link.restore();
      await waitUntil(async () => (await ready()).status === 200);
      // Redis answers, but the throttling keys hold something Bottleneck cannot use.
      const keys = await redisKeys(`${ns3}:throttle:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redisSetAll(keys, 'not a hash');
      const broken = await ready();
      expect(broken).toMatchObject({ status: 503, failed: ['github_throttle'] });
      expect(broken.checks.github_throttle?.error).toMatch(/throttling state in Redis is broken/);
      await deleteRedisPrefix(`${ns3}:throttle`);
      // Ready again once Bottleneck re-created its keys and any call that failed meanwhile is forgotten (15 s).
      await waitUntil(async () => (await ready()).status === 200);
      expect((await ready()).status).toBe(200);
      await child.kill();
    } finally {
      link.close();
      await store.close();
      await w.sandbox.stop();
      await deleteRedisPrefix(ns3);
      await dropSchema(ns3);
    }
  }, 90_000);
});

/** A TCP link to Redis that the test can cut (every connection dropped, new ones refused) and restore. */
async function redisLink(): Promise<{ url: string; cut(): void; restore(): void; close(): void }> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  let up = true;
  const server: Server = createServer((client) => {
    if (!up) return client.destroy();
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      up = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      up = true;
    },
    close() {
      up = false;
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function redisKeys(pattern: string): Promise<string[]> {
  const { Redis } = await import('ioredis');
  const r = new Redis(REDIS_URL);
  try {
    return await r.keys(pattern);
  } finally {
    r.disconnect();
  }
}

async function redisSetAll(keys: string[], value: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const r = new Redis(REDIS_URL);
  try {
    for (const k of keys) await r.set(k, value);
  } finally {
    r.disconnect();
  }
}
