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
    const stack = await openStack({ databaseUrl: PG_URL, redisUrl: REDIS_URL, namespace: ns, env: {} });
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

    audit = await openStack({ databaseUrl: PG_URL, namespace: ns, redisUrl: '', env: {} });
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
});
