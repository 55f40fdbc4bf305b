// Spend counted right: thinking / reasoning tokens billed as output, cached input at its rate, long-context rates,
// shut-down models refused, and a cap that binds on the shipped table.
import { costUsd, PRICES, priceOf, ratesFor } from '../../src/llm/prices.js';
import { harness, req, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const one = (model: string) => ({ tiers: { economy: [model], standard: [model], strong: [model] } });

describe('thinking and reasoning tokens', () => {
  it('bills Gemini thoughtsTokenCount as output on top of candidatesTokenCount', async () => {
    h = await harness({ gemini: { outputTokens: () => 100, usage: () => ({ thinking: 600 }) } });
    const r = h.router(one('gemini/gemini-2.5-pro'));
    const res = await r.run(req());
    const p = priceOf(r.prices, 'gemini/gemini-2.5-pro');
    expect(res.tokensOut).toBeGreaterThanOrEqual(600 + 20);
    expect(res.costUsd).toBeCloseTo(costUsd(p, res.tokensIn, res.tokensOut), 10);
    // Without the thoughts the bill would be at least 600 output tokens short.
    expect(res.costUsd - costUsd(p, res.tokensIn, res.tokensOut - 600)).toBeCloseTo((600 * p.output) / 1e6, 10);
    expect(r.stats().thinkingTokens).toBe(600);
  });

  it('bills OpenAI reasoning tokens once: they are already inside completion_tokens', async () => {
    h = await harness({ openai: { outputTokens: () => 100, usage: () => ({ thinking: 500 }) } });
    const r = h.router(one('openai/gpt-5.4'));
    const res = await r.run(req());
    const answerTokens = res.tokensOut - 500;
    expect(answerTokens).toBeGreaterThan(0);
    expect(answerTokens).toBeLessThanOrEqual(100);
    expect(r.stats().thinkingTokens).toBe(500);
    expect(res.costUsd).toBeCloseTo(costUsd(priceOf(r.prices, 'openai/gpt-5.4'), res.tokensIn, res.tokensOut), 10);
  });

  it('keeps thinking inside max output tokens, so the reserved worst case still holds', async () => {
    h = await harness({ gemini: { outputTokens: () => 400, usage: () => ({ thinking: 5000 }) } });
    const r = h.router({ ...one('gemini/gemini-2.5-flash'), tasks: { risk: { max_output_tokens: 300 } } });
    const res = await r.run(req());
    expect(h.gemini.requests[0]!.maxTokens).toBe(300);
    expect(res.tokensOut).toBeLessThanOrEqual(300);
    expect(r.stats().capViolations).toBe(0);
  });
});

describe('cached input', () => {
  it('bills cached prompt tokens at the cached rate (OpenAI prompt_tokens_details, Gemini cachedContentTokenCount)', async () => {
    h = await harness({ openai: { usage: () => ({ cached: 40 }) }, gemini: { usage: () => ({ cached: 40 }) } });
    for (const model of ['openai/gpt-5.4-mini', 'gemini/gemini-3-flash-preview']) {
      const r = h.router(one(model));
      const res = await r.run(req());
      const p = priceOf(r.prices, model);
      const full = costUsd(p, res.tokensIn, res.tokensOut);
      expect(res.costUsd).toBeCloseTo(full - (40 * (p.input - p.cached_input!)) / 1e6, 10);
      expect(res.costUsd).toBeLessThan(full);
    }
  });
});

describe('long-context prices', () => {
  it('bills Gemini 2.5 Pro above 200k prompt tokens at its long-context rates, the whole call', () => {
    const p = PRICES['gemini/gemini-2.5-pro']!;
    expect(ratesFor(p, 200_000)).toEqual({ input: 1.25, output: 10, cached: 0.125 });
    expect(ratesFor(p, 200_001)).toEqual({ input: 2.5, output: 15, cached: 0.25 });
    expect(costUsd(p, 300_000, 1_000)).toBeCloseTo((300_000 * 2.5 + 1_000 * 15) / 1e6, 10);
    expect(costUsd(p, 100_000, 1_000)).toBeCloseTo((100_000 * 1.25 + 1_000 * 10) / 1e6, 10);
  });

  it('reserves and bills at the long rate through the router when the prompt passes the threshold', async () => {
    h = await harness();
    const model = 'openai/long-test';
    const r = h.router({
      ...one(model),
      prices: {
        [model]: { input: 1, output: 2, context: 1_000_000, long_context: { above: 50, input: 10, output: 20 } },
      },
    });
    const res = await r.run(req({ prompt: 'word '.repeat(400) }));
    expect(res.tokensIn).toBeGreaterThan(50);
    expect(res.costUsd).toBeCloseTo((res.tokensIn * 10 + res.tokensOut * 20) / 1e6, 10);
  });
});

describe('deprecations', () => {
  it('refuses a model from its shutdown date on, naming the replacement; uses it before', async () => {
    h = await harness();
    const cfg = { tiers: { strong: ['gemini/gemini-2.5-pro', 'gemini/gemini-3.1-pro-preview'] } };
    h.clock.t = Date.parse('2026-06-16T12:00:00Z');
    const before = await h.router(cfg).run(req());
    expect(before.model).toBe('gemini-2.5-pro');
    h.clock.t = Date.parse('2026-06-17T00:00:00Z');
    const after = await h.router(cfg).run(req({ prompt: 'another diff' }));
    expect(after.model).toBe('gemini-3.1-pro-preview');
    expect(after.notes.join('\n')).toMatch(
      /gemini-2\.5-pro was shut down .* on 2026-06-17; use gemini\/gemini-3\.1-pro-preview/,
    );
    expect(h.gemini.count('gemini-2.5-pro')).toBe(1);
  });

  it('every shipped price names its source, and every default-tier model is current', async () => {
    for (const [id, p] of Object.entries(PRICES))
      expect([id, p.source]).toEqual([id, expect.stringMatching(/\d{4}-\d{2}-\d{2}/)]);
    const { DEFAULT_TIERS } = await import('../../src/llm/config-schema.js');
    for (const id of Object.values(DEFAULT_TIERS).flat()) {
      expect([id, PRICES[id]?.shutdown, PRICES[id]?.deprecated]).toEqual([id, undefined, undefined]);
    }
  });
});

describe('the per-call cap binds on the shipped table', () => {
  it('skips the flagship under the default cap and calls it once the cap allows', async () => {
    h = await harness();
    const tiers = { strong: ['openai/gpt-5.5', 'gemini/gemini-3.1-pro-preview'] };
    // Router defaults, not the mechanics table: the shipped cap ($0.01/1k) must be the thing that binds.
    const { createRouter } = await import('../../src/llm/router.js');
    const strict = createRouter({ store: h.store, llm: h.llm, now: () => h.clock.t, config: { tiers } });
    // An output-heavy call (short prompt, 500 tokens out) on a task with no cascade: the flagship's worst case is
    // ≈ $0.028/1k, gemini-3.1-pro's ≈ $0.011/1k.
    const a = await strict.run(req({ task: 'summary', tier: 'strong', prompt: 'short diff' }));
    expect(a.model).toBe('gemini-3.1-pro-preview');
    expect(a.notes.join('\n')).toMatch(/skip: openai\/gpt-5\.5 worst case \$0\.0\d+\/1k > cap \$0\.02\/1k/);
    const loose = createRouter({
      store: h.store,
      llm: h.llm,
      now: () => h.clock.t,
      config: { tiers: { strong: ['openai/gpt-5.5'] }, max_usd_per_1k_tokens: 0.05 },
    });
    const b = await loose.run(req({ task: 'summary', tier: 'strong', prompt: 'other diff' }));
    expect(b.model).toBe('gpt-5.5');
    expect(h.openai.count('gpt-5.5')).toBe(1);
  });
});
