import { openIsolated, type Opened } from './helpers.js';
import type { LedgerEntry, TransitionRecord } from '../../src/store/types.js';

const tr = (i: number, over: Partial<TransitionRecord> = {}): TransitionRecord => ({
  id: `acme/web#1:${i}`,
  repo: 'acme/web',
  issue: 1,
  flow: 'default',
  from: i === 0 ? null : `s${i - 1}`,
  to: `s${i}`,
  kind: i === 0 ? 'start' : 'forward',
  event: 'issues.labeled',
  by: 'octocat',
  at: `2025-01-0${i + 1}T00:00:00.000Z`,
  ...over,
});

const led = (id: string, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  id,
  at: '2025-02-01T10:00:00.000Z',
  task: 'risk',
  repo: 'acme/web',
  org: 'acme',
  provider: 'openai',
  model: 'gpt-x',
  tokensIn: 100,
  tokensOut: 20,
  costUsd: 0.0012,
  latencyMs: 350,
  cacheHit: false,
  ok: true,
  ...over,
});

describe.each(['sqlite', 'postgres'] as const)('Store contract: %s', (kind) => {
  let o: Opened;
  beforeEach(async () => {
    o = await openIsolated(kind);
  });
  afterEach(async () => {
    await o.cleanup();
  });

  it('migrate is idempotent and ping answers', async () => {
    await o.store.migrate();
    await o.store.migrate();
    expect(o.store.kind).toBe(kind);
    expect(await o.store.ping()).toBe(true);
  });

  it('records deliveries once and tracks their lifecycle', async () => {
    const d = {
      id: 'd1',
      name: 'issues',
      key: 'acme/web#1',
      payload: { action: 'labeled', n: 1 },
      receivedAt: '2025-01-01T00:00:00.000Z',
    };
    expect(await o.store.recordDelivery(d)).toBe(true);
    expect(await o.store.recordDelivery(d)).toBe(false);
    expect(await o.store.getDelivery('d1')).toEqual({ ...d, status: 'pending', attempts: 0 });
    expect(await o.store.bumpDeliveryAttempts('d1', 'boom')).toBe(1);
    expect(await o.store.bumpDeliveryAttempts('d1', 'boom2')).toBe(2);
    expect((await o.store.pendingDeliveries()).map((x) => x.id)).toEqual(['d1']);
    await o.store.finishDelivery('d1', 'dead', 'gave up');
    expect(await o.store.pendingDeliveries()).toEqual([]);
    const dead = await o.store.deadDeliveries();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ id: 'd1', status: 'dead', attempts: 2, error: 'gave up' });
    expect(await o.store.reviveDelivery('d1')).toBe(true);
    expect(await o.store.reviveDelivery('d1')).toBe(false);
    expect(await o.store.getDelivery('d1')).toMatchObject({ status: 'pending', attempts: 0 });
    await o.store.finishDelivery('d1', 'done');
    const done = await o.store.getDelivery('d1');
    expect(done?.status).toBe('done');
    expect(done?.error).toBeUndefined();
    expect(await o.store.getDelivery('nope')).toBeUndefined();
  });

  it('keeps the effect journal, PR links and kv', async () => {
    expect(await o.store.effectState('e1')).toBeUndefined();
    await o.store.markEffect('e1', 'pending');
    expect(await o.store.effectState('e1')).toBe('pending');
    await o.store.markEffect('e1', 'done');
    expect(await o.store.effectState('e1')).toBe('done');

    await o.store.linkPr('acme/web', 7, 3);
    expect(await o.store.issueForPr('acme/web', 7)).toBe(3);
    await o.store.linkPr('acme/web', 7, 4);
    expect(await o.store.issueForPr('acme/web', 7)).toBe(4);
    expect(await o.store.issueForPr('acme/other', 7)).toBeUndefined();

    expect(await o.store.kvGet('flow', 'acme/web')).toBeUndefined();
    await o.store.kvSet('flow', 'acme/web', 'v1');
    await o.store.kvSet('flow', 'acme/web', 'v2');
    expect(await o.store.kvGet('flow', 'acme/web')).toBe('v2');
    expect(await o.store.kvSetIfAbsent('once', 'x', 'a')).toBe(true);
    expect(await o.store.kvSetIfAbsent('once', 'x', 'b')).toBe(false);
    expect(await o.store.kvGet('once', 'x')).toBe('a');
    await o.store.kvSet('list', 'b', '2');
    await o.store.kvSet('list', 'a', '1');
    expect(await o.store.kvList('list')).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    await o.store.kvDelete('list', 'a');
    expect(await o.store.kvList('list')).toEqual([{ key: 'b', value: '2' }]);
    expect(await o.store.kvList('empty')).toEqual([]);
  });

  it('records transitions idempotently and filters by repo and time', async () => {
    await o.store.recordTransitions([
      tr(0, { labels: ['bug'], refs: [12] }),
      tr(1, { owners: ['a', 'b'], risk: 'high', pr: 9 }),
    ]);
    await o.store.recordTransitions([tr(0), tr(1), tr(2)]); // replay: nothing twice
    await o.store.recordTransitions([tr(0, { id: 'acme/api#1:0', repo: 'acme/api' })]);
    await o.store.recordTransitions([]);
    const all = await o.store.transitions({});
    // Same time: the order they were recorded in (acme/api's came last), not the ids' alphabetical order.
    expect(all.map((t) => t.id)).toEqual(['acme/web#1:0', 'acme/api#1:0', 'acme/web#1:1', 'acme/web#1:2']);
    const web = await o.store.transitions({ repo: 'acme/web' });
    expect(web[0]).toEqual(tr(0, { labels: ['bug'], refs: [12] }));
    expect(web[1]).toEqual(tr(1, { owners: ['a', 'b'], risk: 'high', pr: 9 }));
    const window = await o.store.transitions({
      repo: 'acme/web',
      since: '2025-01-02T00:00:00.000Z',
      until: '2025-01-03T00:00:00.000Z',
    });
    expect(window.map((t) => t.id)).toEqual(['acme/web#1:1']);
  });

  it('reads moves of one second back in the order they were recorded, with their title and stages', async () => {
    const at = '2025-01-05T10:00:00.000Z';
    // Ids that sort the other way round: "spec>build" > "build>review" > "a…" as text.
    const moves = [
      tr(0, {
        id: `acme/web#2:${at}:>spec:start`,
        issue: 2,
        at,
        to: 'spec',
        title: 'Export',
        stages: ['spec', 'build', 'review'],
      }),
      tr(1, { id: `acme/web#2:${at}:spec>build:forward`, issue: 2, at, from: 'spec', to: 'build' }),
      tr(2, {
        id: `acme/web#2:${at}:build>review:forward`,
        issue: 2,
        at,
        from: 'build',
        to: 'review',
        title: 'Export to CSV',
      }),
    ];
    for (const m of moves) await o.store.recordTransitions([m]);
    const got = await o.store.transitions({ repo: 'acme/web', since: at });
    expect(got.map((t) => t.to)).toEqual(['spec', 'build', 'review']);
    expect(got[0]).toEqual(moves[0]);
    expect(got[2]!.title).toBe('Export to CSV');
  });

  it('keeps the ledger and the cache', async () => {
    await o.store.recordLedger(led('l1', { issue: 5, reason: 'fallback: 429', cacheHit: true }));
    await o.store.recordLedger(led('l2', { at: '2025-03-01T00:00:00.000Z', repo: 'acme/api', ok: false }));
    await o.store.recordLedger(led('l1')); // duplicate id ignored
    expect(await o.store.ledger({})).toHaveLength(2);
    expect(await o.store.ledger({ repo: 'acme/web', issue: 5 })).toEqual([
      led('l1', { issue: 5, reason: 'fallback: 429', cacheHit: true }),
    ]);
    expect((await o.store.ledger({ since: '2025-02-15T00:00:00.000Z' })).map((e) => e.id)).toEqual(['l2']);
    expect((await o.store.ledger({ since: '2025-02-15T00:00:00.000Z' }))[0]!.ok).toBe(false);

    expect(await o.store.cacheGet('k')).toBeUndefined();
    await o.store.cachePut('k', 'v1');
    await o.store.cachePut('k', 'v2');
    expect(await o.store.cacheGet('k')).toBe('v2');
  });

  it('reserves and settles budgets against every scope', async () => {
    const org = { scope: 'org:acme', period: '2025-01', limitUsd: 1 };
    const run = { scope: 'run:acme/web#1', period: 'all', limitUsd: 0.3 };
    const r1 = await o.store.reserveBudget([org, run], 0.2);
    expect(r1).toEqual(expect.any(String));
    expect(await o.store.reserveBudget([org, run], 0.2)).toBeUndefined(); // run limit would be exceeded
    expect(await o.store.budgetUsage(org)).toEqual({ spentUsd: 0, reservedUsd: 0.2 }); // nothing reserved by the refusal
    await o.store.settleBudget(r1!, 0.05);
    await o.store.settleBudget(r1!, 0.05); // settling twice counts once
    expect(await o.store.budgetUsage(run)).toEqual({ spentUsd: 0.05, reservedUsd: 0 });
    expect(await o.store.budgetUsage(org)).toEqual({ spentUsd: 0.05, reservedUsd: 0 });
    expect(await o.store.reserveBudget([org, run], 0.25)).toEqual(expect.any(String)); // exactly at the limit fits
    expect(await o.store.budgetUsage({ scope: 'repo:none', period: '2025-01' })).toEqual({
      spentUsd: 0,
      reservedUsd: 0,
    });
  });

  it('50 concurrent reservations never exceed the limit', async () => {
    const scope = { scope: 'org:race', period: '2025-01', limitUsd: 1 };
    const results = await Promise.all(Array.from({ length: 50 }, () => o.store.reserveBudget([scope], 0.1)));
    expect(results.filter(Boolean)).toHaveLength(10);
    const u = await o.store.budgetUsage(scope);
    expect(u.reservedUsd).toBeCloseTo(1, 9);
  });

  it('two store instances (replicas) racing never exceed the limit', async () => {
    const other = await o.twin();
    const scopes = [
      { scope: 'org:race2', period: '2025-01', limitUsd: 2 },
      { scope: 'repo:acme/web', period: '2025-01', limitUsd: 1.5 },
    ];
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? o.store : other).reserveBudget(scopes, 0.1)),
    );
    expect(results.filter(Boolean)).toHaveLength(15);
    expect((await o.store.budgetUsage(scopes[1]!)).reservedUsd).toBeCloseTo(1.5, 9);
    expect((await other.budgetUsage(scopes[0]!)).reservedUsd).toBeCloseTo(1.5, 9);
  });

  it('a job another replica claims, runs and finishes during our claim is not claimed again', async () => {
    // The window is the span of one claim: from its snapshot to its row lock. A long queue behind a leased head
    // widens that span, and 100 rounds of one claim-run-finish against four claims land in it (the Postgres claim
    // ran about one job in ten twice here before its UPDATE re-checked status).
    const other = await o.twin();
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let f = w; f < 10_000; f += 8)
          await o.store.jobs.enqueue({ id: `busy:${f}`, key: 'acme/busy#1', name: 'issues' }, 1000);
      }),
    );
    expect(await o.store.jobs.claim('x', 1000, 60_000)).toBeDefined();
    const twice: string[] = [];
    for (let i = 0; i < 100; i++) {
      const key = `acme/web#${i}`;
      await o.store.jobs.enqueue({ id: `j${i}:0`, key, name: 'issues' }, 1000);
      await o.store.jobs.enqueue({ id: `j${i}:1`, key, name: 'issues' }, 1000);
      const claims = await Promise.all([
        (async () => {
          const job = await o.store.jobs.claim('a', 1000, 60_000);
          if (job) await o.store.finishDelivery(job.id, 'done');
          return job;
        })(),
        ...Array.from({ length: 4 }, () => other.jobs.claim('b', 1000, 60_000)),
      ]);
      const ids = claims.flatMap((c) => (c ? [c.id] : []));
      twice.push(...ids.filter((id, n) => ids.indexOf(id) !== n));
      for (const c of claims.slice(1)) if (c) await other.finishDelivery(c.id, 'done');
      const next = () => o.store.jobs.claim('a', 1000, 60_000);
      for (let rest = await next(); rest; rest = await next()) await o.store.finishDelivery(rest.id, 'done');
    }
    expect(twice).toEqual([]);
    // Every round's two jobs ran and finished; only the busy key's queue is left.
    expect((await o.store.jobs.queued()).filter((j) => j.key !== 'acme/busy#1')).toEqual([]);
  });

  it('two replicas migrating at once apply each version once', async () => {
    const [a, b] = await Promise.all([o.twin(), o.twin()]);
    await Promise.all([a.migrate(), b.migrate(), o.store.migrate()]);
    expect(await a.ping()).toBe(true);
    expect(await b.getDelivery('none')).toBeUndefined();
  });
});
