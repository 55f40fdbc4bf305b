// The router on the real SQLite store: budget reservations hold under 50 concurrent calls, and the cache survives
// a restart (a new router and a reopened store).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { createRouter } from '../../src/llm/router.js';
import { startFakeOpenAI, type FakeProviderServer } from '../support/fake-openai.js';
import { req } from './harness.js';
import { loadConfig } from '../../src/config/env.js';

let dir: string;
let openai: FakeProviderServer;
let store: Store;
const env = () => ({ OPENAI_API_KEY: 'sk', OPENAI_BASE_URL: `${openai.url}/v1` });
const now = () => Date.parse('2026-03-15T12:00:00Z');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-llm-sqlite-'));
  openai = await startFakeOpenAI();
  store = await openStore({ dataDir: dir });
});
afterAll(async () => {
  await store.close();
  await openai.close();
  rmSync(dir, { recursive: true, force: true });
});

it('50 concurrent calls never overspend an org budget', async () => {
  const limit = 0.04;
  const r = createRouter({ store, llm: loadConfig(env()).llm, now, config: { budgets: { org_monthly_usd: limit } } });
  const results = await Promise.all(Array.from({ length: 50 }, () => r.run(req({ task: 'risk', org: 'budget-org' }))));
  const spent = (await store.ledger({})).filter((e) => e.org === 'budget-org').reduce((s, e) => s + e.costUsd, 0);
  expect(spent).toBeLessThanOrEqual(limit);
  expect(results.filter((x) => !x.offline).length).toBeGreaterThan(0);
  expect(results.filter((x) => x.offline).length).toBeGreaterThan(0);
  const usage = await store.budgetUsage({ scope: 'org:budget-org', period: '2026-03' });
  expect(usage.spentUsd).toBeCloseTo(spent, 9);
  expect(usage.reservedUsd).toBeCloseTo(0, 9);
});

it('a restart does not bill the same request again', async () => {
  const q = req({ task: 'docs', org: 'cache-org' });
  await createRouter({ store, llm: loadConfig(env()).llm, now }).run(q);
  const before = openai.count();
  await store.close();
  store = await openStore({ dataDir: dir });
  const again = await createRouter({ store, llm: loadConfig(env()).llm, now }).run(q);
  expect(again.cached).toBe(true);
  expect(openai.count()).toBe(before);
});
