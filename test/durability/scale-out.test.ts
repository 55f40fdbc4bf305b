// Scale-out: 2 and 3 `baton start` replicas share Redis (BullMQ, unique prefix) and Postgres (unique schema) behind
// a round-robin proxy. A burst of signed deliveries across 30 issues must end with every run in its final stage,
// zero duplicate effects, zero lost transitions, and each issue's history in the order its events were sent —
// whichever replica received each webhook and whichever ran each job.
import { openStore } from '../../src/store/index.js';
import type { StoreWithJobs } from '../../src/store/types.js';
import { killAllChildren, sandboxWorld, settle, type World } from '../support/child.js';
import {
  deleteRedisPrefix,
  dropSchema,
  originOf,
  PG_URL,
  sharedEnv,
  startProxy,
  startReplicas,
  uniqueNamespace,
  type Proxy,
} from '../support/replicas.js';
import { auditBurst, BURST_FLOW, createIssues, sendBurst } from '../support/burst.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  await killAllChildren();
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const ISSUES = 30;
const PER_ISSUE = 10;

describe.each([2, 3])('%i replicas on Redis + Postgres', (replicas) => {
  it(`${ISSUES * PER_ISSUE} deliveries across ${ISSUES} issues: right stages, no duplicates, nothing lost, order kept`, async () => {
    const ns = uniqueNamespace(`scale${replicas}`);
    cleanups.push(
      () => dropSchema(ns),
      () => deleteRedisPrefix(ns),
    );
    const world: World = await sandboxWorld({ flowYml: BURST_FLOW });
    cleanups.push(() => world.sandbox.stop());
    const { sandbox, seeded } = world;
    const repo = seeded.repo;
    // Creates and migrates the schema before the replicas start; also the test's view of the shared store.
    const store: StoreWithJobs = await openStore({ databaseUrl: PG_URL, schema: ns });
    cleanups.push(() => store.close());
    const children = await startReplicas(replicas, {
      ...world.env,
      ...sharedEnv(ns),
      BATON_CONCURRENCY: '8',
      BATON_QUEUE_LEASE_MS: '5000',
    });
    const proxy: Proxy = await startProxy(children.map(originOf));
    cleanups.push(() => proxy.close());
    sandbox.webhookUrl = `${proxy.url}${new URL(children[0]!.webhookUrl).pathname}`;

    const issues = createIssues(sandbox, repo, ISSUES);
    const sent = sendBurst(sandbox, repo, issues, PER_ISSUE);
    expect(sent).toBe(ISSUES * PER_ISSUE);
    await settle(sandbox, store, 90_000);

    expect(
      sandbox
        .deliveries()
        .filter((d) => d.status < 200 || d.status >= 300)
        .map((d) => `${d.event} ${d.status} ${d.error ?? ''}`),
    ).toEqual([]);
    const audit = await auditBurst(sandbox, repo, issues, store);
    expect(audit.details).toEqual([]);
    expect({
      wrongStage: audit.wrongStage,
      duplicates: audit.duplicates,
      lost: audit.lost,
      outOfOrder: audit.outOfOrder,
    }).toEqual({ wrongStage: [], duplicates: 0, lost: 0, outOfOrder: [] });
    expect(audit.transitions).toBe(ISSUES * 4);
    expect(await store.deadDeliveries()).toEqual([]);
    // The load balancer really spread the webhooks over every replica.
    expect(proxy.hits.every((h) => h > 0)).toBe(true);
    await Promise.all(children.map((c) => c.kill()));
  }, 110_000);
});
