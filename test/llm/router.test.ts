import type { LlmConfig } from '../../src/llm/config-schema.js';
import { Breakers } from '../../src/llm/breaker.js';
import { UnknownPriceError } from '../../src/llm/prices.js';
import { createRouter } from '../../src/llm/router.js';
import { runSpend } from '../../src/llm/costs.js';
import { harness, req, type Harness } from './harness.js';
import { memoryStore } from '../support/memory-store.js';
import { loadConfig } from '../../src/config/env.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

describe('tier choice', () => {
  it('sends each task to the cheapest worst-case candidate of its tier', async () => {
    const r = h.router();
    const risk = await r.run(req({ task: 'risk' }));
    expect(`${risk.provider}/${risk.model}`).toBe('openai/gpt-4.1'); // cheaper than gpt-4o and gemini-2.5-pro
    const docs = await r.run(req({ task: 'docs', schema: undefined }));
    expect(`${docs.provider}/${docs.model}`).toBe('openai/gpt-4.1-mini');
    const digest = await r.run(req({ task: 'digest', schema: undefined }));
    expect(`${digest.provider}/${digest.model}`).toBe('openai/gpt-4.1-nano'); // gemini estimates carry the ×1.1 margin
    expect(risk.data).toEqual({ summary: expect.any(String), level: 'low' });
    expect(risk.costUsd).toBeGreaterThan(0);
    expect(h.openai.count()).toBe(3);
    expect(h.gemini.count()).toBe(0);
  });

  it('follows flow.yml price overrides and tier/task overrides', async () => {
    const r = h.router({
      prices: { 'gemini/gemini-2.0-flash': { input: 0.01, output: 0.04 } },
      tasks: { risk: { tier: 'economy' } },
    });
    const res = await r.run(req());
    expect(`${res.provider}/${res.model}`).toBe('gemini/gemini-2.0-flash');
    expect(h.gemini.count('gemini-2.0-flash')).toBe(1);
    expect(h.gemini.requests[0]!.maxTokens).toBe(800); // risk's max output tokens reach the provider
  });
});

describe('unknown prices', () => {
  it('refuses a model with no price and names the fix', () => {
    expect(() => h.router({ tiers: { economy: ['openai/gpt-9-turbo'] } })).toThrow(UnknownPriceError);
    expect(() => h.router({ tiers: { economy: ['openai/gpt-9-turbo'] } })).toThrow(/llm\.prices/);
  });

  it('accepts it once priced under llm.prices or in BATON_PRICES_FILE', async () => {
    const r = h.router({
      tiers: { economy: ['openai/gpt-9-turbo'] },
      prices: { 'openai/gpt-9-turbo': { input: 0.05, output: 0.1 } },
    });
    const res = await r.run(req({ task: 'digest' }));
    expect(res.model).toBe('gpt-9-turbo');
    const fromFile = h.router(
      { tiers: { economy: ['openai/gpt-9-turbo'] } },
      {
        llm: { ...h.llm, pricesFile: '/prices.json' },
        readFile: () => '{"openai/gpt-9-turbo":{"input":0.05,"output":0.1}}',
      },
    );
    expect(fromFile.prices['openai/gpt-9-turbo']).toEqual({ input: 0.05, output: 0.1 });
  });
});

describe('cap on $ per 1k tokens', () => {
  it('skips candidates whose worst case passes the cap; offline when none fits', async () => {
    const r = h.router({ max_usd_per_1k_tokens: 0.001 });
    const risk = await r.run(req({ task: 'risk' })); // every strong and standard model costs more than $0.001/1k
    expect(`${risk.provider}/${risk.model}`).toBe('openai/gpt-4.1-nano');
    expect(risk.notes.join('\n')).toMatch(/skip: openai\/gpt-4.1 worst case .* > cap/);
    expect(h.openai.count() + h.gemini.count()).toBe(1);
    const none = await h.router({ max_usd_per_1k_tokens: 0.0001 }).run(req({ task: 'digest' }));
    expect(none.offline).toBe(true);
    expect(h.openai.count() + h.gemini.count()).toBe(1);
  });

  it('never exceeds the cap on actual usage, and records a provider that over-delivers', async () => {
    const cap = 0.002;
    const r = h.router({ max_usd_per_1k_tokens: cap, tasks: { risk: { tier: 'standard' } } });
    for (let i = 0; i < 6; i++) await r.run(req({ task: ['risk', 'docs', 'digest'][i % 3]! }));
    const billed = h.store.entries.filter((e) => e.costUsd > 0);
    expect(billed.length).toBe(6);
    for (const e of billed) expect((e.costUsd / (e.tokensIn + e.tokensOut)) * 1000).toBeLessThanOrEqual(cap);
    expect(r.stats().capViolations).toBe(0);

    h.openai.script('*', { kind: 'over_deliver', extra: 4000 });
    const over = await r.run(req({ task: 'digest', schema: undefined, maxOutputTokens: 50 }));
    expect(over.tokensOut).toBeGreaterThan(50);
    expect(r.stats().capViolations).toBe(1);
    expect(h.store.entries.at(-1)!.reason).toMatch(/cap-violation/);
  });
});

describe('budgets', () => {
  it('50 concurrent calls cannot overspend a budget', async () => {
    const limit = 0.05;
    const r = h.router({ budgets: { repo_monthly_usd: limit } });
    const results = await Promise.all(Array.from({ length: 50 }, () => r.run(req({ task: 'risk' }))));
    const spent = h.store.entries.reduce((s, e) => s + e.costUsd, 0);
    expect(spent).toBeLessThanOrEqual(limit);
    const usage = await h.store.budgetUsage({ scope: 'repo:acme/web', period: '2026-03' });
    expect(usage.spentUsd).toBeCloseTo(spent, 12);
    expect(usage.reservedUsd).toBeCloseTo(0, 12);
    expect(results.some((x) => x.offline)).toBe(true);
    expect(results.some((x) => !x.offline)).toBe(true);
    expect(results.every((x) => x.data !== undefined)).toBe(true);
  });

  it('steps down a tier past 80% of a budget and goes offline when the budget is used up', async () => {
    const r = h.router({ budgets: { org_monthly_usd: 10 } });
    h.store.preSpend({ scope: 'org:acme', period: '2026-03' }, 8.5);
    const near = await r.run(req({ task: 'risk' }));
    expect(`${near.provider}/${near.model}`).toBe('openai/gpt-4.1-mini'); // strong → standard
    expect(near.notes.join(' ')).toMatch(/step-down: budget org:acme at 85%/);

    h.store.preSpend({ scope: 'org:acme', period: '2026-03' }, 1.5);
    const before = h.openai.count();
    const at = await r.run(req({ task: 'risk' }));
    expect(at.offline).toBe(true);
    expect(at.data).toEqual({ summary: 'offline heuristic', level: 'medium' });
    expect(h.openai.count()).toBe(before);
    expect(h.store.entries.at(-1)).toMatchObject({
      provider: 'offline',
      costUsd: 0,
      reason: expect.stringMatching(/budget/),
    });
  });

  it('applies a per-run budget to the run only', async () => {
    const r = h.router({ budgets: { run_usd: 0 } });
    expect((await r.run(req({ issue: 1 }))).offline).toBe(true);
    expect((await r.run(req({ issue: undefined }))).offline).toBe(false);
  });
});

describe('cascade', () => {
  it('tries economy first and escalates only when its output fails validation', async () => {
    const r = h.router({ tasks: { risk: { cascade: true } } });
    const ok = await r.run(req());
    expect(`${ok.provider}/${ok.model}`).toBe('openai/gpt-4.1-nano');
    expect(h.openai.count()).toBe(1);

    h.openai.script('gpt-4.1-nano', { kind: 'wrong_schema' });
    const esc = await r.run(req());
    expect(`${esc.provider}/${esc.model}`).toBe('openai/gpt-4.1-mini');
    expect(esc.notes).toContain('escalated: schema from economy (openai/gpt-4.1-nano)');
    expect(r.stats().escalations).toBe(1);
    const rows = h.store.entries.slice(-2);
    expect(rows[0]).toMatchObject({ model: 'gpt-4.1-nano', ok: false });
    expect(rows[1]).toMatchObject({
      model: 'gpt-4.1-mini',
      ok: true,
      reason: expect.stringMatching(/^escalated: schema/),
    });
    // The failed economy answer was billed too, and the result says so.
    expect(esc.costUsd).toBeCloseTo(rows[0]!.costUsd + rows[1]!.costUsd, 12);
  });
});

describe('fallback', () => {
  const economy: LlmConfig = { tiers: { economy: ['openai/gpt-4.1-nano', 'gemini/gemini-2.0-flash'] } };

  it.each([
    ['rate_limit', { kind: 'rate_limit' as const, retryAfterSec: 30 }, /fallback: 429/],
    ['server', { kind: 'server' as const }, /fallback: 500/],
    ['timeout', { kind: 'slow' as const, delayMs: 3000 }, /fallback: timeout/],
    ['malformed response', { kind: 'malformed' as const }, /fallback: malformed/],
    ['wrong-schema output', { kind: 'wrong_schema' as const }, /fallback: schema/],
  ])('moves to the next candidate on %s', async (_name, behaviour, note) => {
    const r = h.router({ ...economy });
    h.openai.script('gpt-4.1-nano', behaviour);
    const res = await r.run(req({ task: 'digest' }));
    expect(`${res.provider}/${res.model}`).toBe('gemini/gemini-2.0-flash');
    expect(res.offline).toBe(false);
    expect(res.notes.join('\n')).toMatch(note);
    expect(h.openai.count('gpt-4.1-nano')).toBe(1);
    expect(h.gemini.count('gemini-2.0-flash')).toBe(1);
  });

  it('respects Retry-After: the model cools down until then', async () => {
    const r = h.router({ ...economy });
    h.openai.script('gpt-4.1-nano', { kind: 'rate_limit', retryAfterSec: 30 });
    await r.run(req({ task: 'digest' }));
    await r.run(req({ task: 'digest' }));
    expect(h.openai.count('gpt-4.1-nano')).toBe(1); // skipped while cooling down
    h.clock.t += 31_000;
    const after = await r.run(req({ task: 'digest' }));
    expect(after.model).toBe('gpt-4.1-nano');
    expect(h.openai.count('gpt-4.1-nano')).toBe(2);
  });

  it('waits for a short Retry-After when nothing else can answer, instead of going offline', async () => {
    const slept: number[] = [];
    const r = h.router(
      {
        tiers: { economy: ['openai/gpt-4.1-nano'], standard: ['openai/gpt-4.1-nano'], strong: ['openai/gpt-4.1-nano'] },
      },
      { sleep: async (ms) => void (slept.push(ms), (h.clock.t += ms)) },
    );
    h.openai.script('gpt-4.1-nano', { kind: 'rate_limit', retryAfterSec: 2 });
    const res = await r.run(req({ task: 'digest' }));
    expect(res.offline).toBe(false);
    expect(slept).toEqual([2000]);
    expect(res.notes).toContain('wait: 2000 ms for Retry-After');
    h.openai.script('gpt-4.1-nano', { kind: 'rate_limit', retryAfterSec: 60 });
    expect((await r.run(req({ task: 'digest' }))).offline).toBe(true); // too long to wait
  });

  it('reads Gemini RetryInfo as Retry-After', async () => {
    const r = h.router({ tiers: { economy: ['gemini/gemini-2.0-flash', 'openai/gpt-4o-mini'] } });
    h.gemini.script('gemini-2.0-flash', { kind: 'rate_limit', retryAfterSec: 20 });
    expect((await r.run(req({ task: 'digest' }))).model).toBe('gpt-4o-mini');
    expect((await r.run(req({ task: 'digest' }))).model).toBe('gpt-4o-mini');
    expect(h.gemini.count()).toBe(1);
  });

  it('answers offline, never throwing, when every provider fails', async () => {
    const r = h.router({ ...economy });
    h.openai.script('*', ...Array.from({ length: 20 }, () => ({ kind: 'server' as const })));
    h.gemini.script('*', ...Array.from({ length: 20 }, () => ({ kind: 'server' as const, status: 503 })));
    const res = await r.run(req({ task: 'digest' }));
    expect(res.offline).toBe(true);
    expect(res.data).toEqual({ summary: 'offline heuristic', level: 'medium' });
    // economy, then the other tiers (standard 2 + strong 3 candidates), then offline
    expect(h.store.entries.filter((e) => !e.ok)).toHaveLength(7);
    expect(h.store.entries.at(-1)).toMatchObject({ provider: 'offline', ok: true });
  });

  it('tries another tier before going offline when a whole tier fails', async () => {
    const r = h.router({ ...economy });
    h.openai.script('gpt-4.1-nano', { kind: 'server' });
    h.gemini.script('gemini-2.0-flash', { kind: 'server' });
    const res = await r.run(req({ task: 'digest' }));
    expect(`${res.provider}/${res.model}`).toBe('openai/gpt-4.1-mini');
    expect(res.notes).toContain('fallback: standard tier');
  });
});

describe('circuit breaker', () => {
  it('opens after 3 consecutive failures, lets one probe through after the cool-down, closes on success', async () => {
    const r = h.router(
      { tiers: { economy: ['openai/gpt-4.1-nano', 'gemini/gemini-2.0-flash'] } },
      { breaker: { cooldownMs: 10_000 } },
    );
    h.openai.script('gpt-4.1-nano', { kind: 'server' }, { kind: 'server' }, { kind: 'server' });
    for (let i = 0; i < 3; i++) await r.run(req({ task: 'digest' }));
    expect(r.breakers.state('openai/gpt-4.1-nano')).toBe('open');
    const skipped = await r.run(req({ task: 'digest' }));
    expect(skipped.notes).toContain('skip: openai/gpt-4.1-nano breaker open');
    expect(h.openai.count('gpt-4.1-nano')).toBe(3);

    h.clock.t += 10_000;
    expect(r.breakers.state('openai/gpt-4.1-nano')).toBe('half-open');
    const probe = await r.run(req({ task: 'digest' }));
    expect(probe.model).toBe('gpt-4.1-nano');
    expect(r.breakers.state('openai/gpt-4.1-nano')).toBe('closed');
  });

  it('re-opens when the half-open probe fails', async () => {
    const r = h.router(
      { tiers: { economy: ['openai/gpt-4.1-nano', 'gemini/gemini-2.0-flash'] } },
      { breaker: { cooldownMs: 10_000 } },
    );
    h.openai.script('gpt-4.1-nano', ...Array.from({ length: 4 }, () => ({ kind: 'server' as const })));
    for (let i = 0; i < 3; i++) await r.run(req({ task: 'digest' }));
    h.clock.t += 10_000;
    await r.run(req({ task: 'digest' }));
    expect(h.openai.count('gpt-4.1-nano')).toBe(4);
    expect(r.breakers.state('openai/gpt-4.1-nano')).toBe('open');
  });

  it('grants a single probe while half-open', () => {
    let t = 0;
    const b = new Breakers({ threshold: 2, cooldownMs: 100, now: () => t });
    b.failure('m');
    expect(b.tryAcquire('m')).toBe(true);
    b.failure('m');
    expect(b.tryAcquire('m')).toBe(false);
    t = 100;
    expect(b.tryAcquire('m')).toBe(true);
    expect(b.tryAcquire('m')).toBe(false);
    b.success('m');
    expect(b.tryAcquire('m')).toBe(true);
    expect(b.state('m')).toBe('closed');
  });
});

describe('cache', () => {
  it('never bills twice for the same request (redelivery, retry, restart, concurrent duplicate)', async () => {
    const r = h.router();
    const q = req({ task: 'docs' });
    const first = await r.run(q);
    const again = await r.run({ ...q, prompt: q.prompt.replace(/\n/g, '  \r\n') }); // whitespace-only change
    const restarted = await h.router().run(q);
    expect(h.openai.count() + h.gemini.count()).toBe(1);
    expect(again).toMatchObject({ cached: true, costUsd: 0, text: first.text, data: first.data });
    expect(restarted.cached).toBe(true);
    expect(h.store.entries.filter((e) => e.cacheHit)).toHaveLength(2);
    expect(h.store.entries.filter((e) => e.cacheHit).every((e) => e.costUsd === 0)).toBe(true);

    const dup = req({ task: 'digest' });
    const both = await Promise.all([r.run(dup), r.run(dup), r.run(dup)]);
    expect(h.openai.count() + h.gemini.count()).toBe(2);
    expect(both.filter((x) => x.cached)).toHaveLength(2);
  });

  it('keys on the tier: a different tier is a different answer', async () => {
    const r = h.router();
    const q = req({ task: 'docs' });
    await r.run(q);
    await r.run({ ...q, tier: 'strong' });
    expect(h.openai.count()).toBe(2);
  });
});

describe('ledger', () => {
  it('records every call; totals equal the sum of the results; runSpend sums a run', async () => {
    const r = h.router({
      tiers: { economy: ['openai/gpt-4.1-nano', 'gemini/gemini-2.0-flash'] },
      tasks: { risk: { cascade: true } },
    });
    h.openai.script('gpt-4.1-nano', { kind: 'server' }, { kind: 'wrong_schema' });
    const results = [];
    for (let i = 0; i < 6; i++)
      results.push(await r.run(req({ task: ['risk', 'digest', 'docs'][i % 3]!, issue: i % 2 ? 7 : 8 })));
    results.push(await r.run(req({ task: 'digest', issue: 7, prompt: 'same' })));
    results.push(await r.run(req({ task: 'digest', issue: 7, prompt: 'same' })));
    const ledgerTotal = h.store.entries.reduce((s, e) => s + e.costUsd, 0);
    expect(ledgerTotal).toBeCloseTo(
      results.reduce((s, x) => s + x.costUsd, 0),
      12,
    );
    expect(h.store.entries.length).toBeGreaterThan(results.length); // failures are ledgered too
    expect(h.store.entries.filter((e) => !e.ok)).toHaveLength(2);
    const spent7 = h.store.entries.filter((e) => e.issue === 7).reduce((s, e) => s + e.costUsd, 0);
    expect(await runSpend(h.store, 'acme/web', 7)).toBeCloseTo(spent7, 12);
    for (const e of h.store.entries.filter((x) => !x.cacheHit && x.ok && x.provider !== 'offline')) {
      expect(e.tokensIn).toBeGreaterThan(0);
      expect(e.tokensOut).toBeGreaterThan(0);
      expect(e).toMatchObject({ org: 'acme', repo: 'acme/web', task: expect.any(String) });
    }
  });
});

describe('offline-only mode', () => {
  it('with no keys, answers offline for free and says so', async () => {
    const store = memoryStore();
    const r = createRouter({ store, now: () => 0 });
    expect(r.offlineOnly).toBe(true);
    const res = await r.run(req({ offline: () => 'plain offline text', schema: undefined }));
    expect(res).toMatchObject({ offline: true, provider: 'offline', costUsd: 0, text: 'plain offline text' });
    expect(store.entries).toHaveLength(1);
    expect(store.entries[0]).toMatchObject({ provider: 'offline', reason: 'offline: no provider key configured' });
    expect(h.openai.count() + h.gemini.count()).toBe(0);
  });

  it('uses only the provider that has a key', async () => {
    const r = h.router({}, { llm: loadConfig({ GOOGLE_API_KEY: 'g', GEMINI_BASE_URL: h.gemini.url }).llm });
    expect(r.offlineOnly).toBe(false);
    const res = await r.run(req({ task: 'risk' }));
    expect(`${res.provider}/${res.model}`).toBe('gemini/gemini-2.5-pro');
    expect(res.tokensIn).toBe(h.store.entries[0]!.tokensIn);
    expect(h.openai.count()).toBe(0);
  });
});

describe('answer checks', () => {
  const wrongLevel = ({ text }: { text: string }) => (/"level":"low"/.test(text) ? 'level low disagrees' : undefined);

  it('never pays the same model twice for one request, even when every tier lists it', async () => {
    const m = 'openai/gpt-4.1-mini';
    const r = h.router({ tiers: { economy: [m], standard: [m], strong: [m] } });
    const res = await r.run(req({ check: wrongLevel }));
    expect(h.openai.count()).toBe(1);
    expect(res.costUsd).toBeGreaterThan(0);
  });

  it('keeps the top tier’s schema-valid answer, marked unverified, when the check refuses every tier; cached so', async () => {
    const r = h.router({ tasks: { risk: { cascade: true } } });
    const res = await r.run(req({ check: wrongLevel, prompt: 'diff unverified' }));
    expect(res.offline).toBe(false);
    expect(res.unverified).toBe('level low disagrees');
    expect(res.notes.filter((n) => n.startsWith('escalated'))).toHaveLength(2);
    const calls = h.openai.count() + h.gemini.count();
    expect(calls).toBe(3); // one per tier: no sibling or lower tier after the top tier's refusal
    const again = await h
      .router({ tasks: { risk: { cascade: true } } })
      .run(req({ check: wrongLevel, prompt: 'diff unverified' }));
    expect(again.cached).toBe(true);
    expect(again.unverified).toBe('level low disagrees');
    expect(h.openai.count() + h.gemini.count()).toBe(calls);
    expect(r.stats().checkRejections).toBe(3);
  });
});

describe('a store that cannot record a call the provider answered', () => {
  it('keeps the answer (no second provider is paid for it) and notes what was not recorded', async () => {
    const broken = Object.assign(Object.create(h.store), {
      recordLedger: async () => {
        throw new Error('SQLITE_FULL: database or disk is full (/var/lib/baton/baton.db)');
      },
    });
    const res = await h.router({}, { store: broken }).run(req({ task: 'risk' }));
    expect(res.offline).toBe(false);
    expect(`${res.provider}/${res.model}`).toBe('openai/gpt-4.1');
    expect(res.calls).toBe(1);
    expect(h.openai.count() + h.gemini.count()).toBe(1);
    expect(res.notes).toContain('not recorded: ledger (the store refused the write)');
    expect(res.notes.join('\n')).not.toMatch(/SQLITE|baton\.db/);
  });
});
