// One test per documented `llm:` field of flow.yml (docs/flow-reference.md), each through the real router and SDKs,
// plus the defaults: they come from the schema and show in the generated reference.
import { z } from 'zod';
import {
  DEFAULT_MAX_USD_PER_1K,
  DEFAULT_TASKS,
  DEFAULT_TIERS,
  LlmConfigSchema,
  type LlmConfig,
} from '../../src/llm/config-schema.js';
import { createRouter } from '../../src/llm/router.js';
import { harness, req, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

/** A router on the config as written (no test table underneath), so defaults are the shipped ones. */
const plain = (config: LlmConfig = {}) => createRouter({ store: h.store, config, llm: h.llm, now: () => h.clock.t });
const used = (r: { provider: string; model: string }) => `${r.provider}/${r.model}`;

describe('llm.tiers', () => {
  it.each(['economy', 'standard', 'strong'] as const)('llm.tiers.%s replaces that tier’s candidates', async (tier) => {
    const r = plain({ tiers: { [tier]: ['openai/gpt-4.1-mini'] } });
    const res = await r.run(req({ task: 'summary', tier }));
    expect(used(res)).toBe('openai/gpt-4.1-mini');
  });
});

describe('llm.tasks.<task>', () => {
  it('tier: picks the task’s tier (no caller override)', async () => {
    const a = await plain({ tasks: { summary: { tier: 'strong' } } }).run(req({ task: 'summary' }));
    expect(DEFAULT_TIERS.strong).toContain(used(a));
    const b = await plain({ tasks: { summary: { tier: 'standard' } } }).run(req({ task: 'summary', prompt: 'x' }));
    expect(DEFAULT_TIERS.standard).toContain(used(b));
  });

  it('max_output_tokens: reaches the provider as max tokens, and caps a caller asking for more', async () => {
    await plain({ tasks: { risk: { max_output_tokens: 321 } } }).run(req({ maxOutputTokens: 5000 }));
    expect(h.openai.requests.concat(h.gemini.requests).map((x) => x.maxTokens)).toEqual([321]);
  });

  it('cascade: climbs a tier when the answer fails the task’s check; off, it stays on its tier', async () => {
    const wrongUnlessStrong = (text: string) => (/"level":"low"/.test(text) ? 'wrong level' : undefined);
    const check = ({ text }: { text: string }) => wrongUnlessStrong(text);
    // Every model answers level "low" (the fake's default), which the check rejects: the cascade climbs to the top.
    const on = plain({ tasks: { risk: { cascade: true, adaptive: false } } });
    const a = await on.run(req({ check }));
    expect(a.unverified).toBe('wrong level'); // the top tier's answer, kept but marked
    expect(a.notes.filter((n) => n.startsWith('escalated'))).toHaveLength(2);
    const models = h.openai.requests.concat(h.gemini.requests).map((x) => x.model);
    expect(models.some((m) => DEFAULT_TIERS.economy.some((id) => id.endsWith(m)))).toBe(true);
    expect(models.some((m) => DEFAULT_TIERS.strong.some((id) => id.endsWith(m)))).toBe(true);
    const off = plain({ tasks: { risk: { cascade: false, adaptive: false } } });
    const b = await off.run(req({ check, prompt: 'other' }));
    expect(b.notes.some((n) => n.startsWith('escalated'))).toBe(false);
  });

  it('adaptive: starts at the tier the difficulty calls for; off, a cascade starts at economy', async () => {
    const on = await plain({ tasks: { risk: { adaptive: true } } }).run(req({ difficulty: 0.97 }));
    expect(DEFAULT_TIERS.strong).toContain(used(on));
    const mid = await plain({ tasks: { risk: { adaptive: true } } }).run(req({ difficulty: 0.6, prompt: 'm' }));
    expect(DEFAULT_TIERS.standard).toContain(used(mid));
    const easy = await plain({ tasks: { risk: { adaptive: true } } }).run(req({ difficulty: 0.1, prompt: 'e' }));
    expect(DEFAULT_TIERS.economy).toContain(used(easy));
    const off = await plain({ tasks: { risk: { adaptive: false } } }).run(req({ difficulty: 0.9, prompt: 'o' }));
    expect(DEFAULT_TIERS.economy).toContain(used(off));
  });
});

describe('llm.prices', () => {
  it('input/output: an override changes what is billed and which model is cheapest', async () => {
    const model = 'openai/gpt-5.4-mini';
    const r = plain({ tiers: { strong: [model] }, prices: { [model]: { input: 10, output: 15 } } });
    const res = await r.run(req({ task: 'summary', tier: 'strong' }));
    expect(used(res)).toBe(model);
    expect(res.costUsd).toBeCloseTo((res.tokensIn * 10 + res.tokensOut * 15) / 1e6, 10);
  });

  it('cached_input: cached prompt tokens are billed at it', async () => {
    await h.close();
    h = await harness({ openai: { usage: () => ({ cached: 30 }) } });
    const model = 'openai/own-model';
    const r = plain({
      tiers: { economy: [model] },
      prices: { [model]: { input: 10, output: 10, cached_input: 1 } },
    });
    const res = await r.run(req({ task: 'summary' }));
    expect(res.costUsd).toBeCloseTo(((res.tokensIn - 30) * 10 + 30 * 1 + res.tokensOut * 10) / 1e6, 10);
  });

  it('context: a prompt that does not fit is not sent to the model', async () => {
    const model = 'openai/tiny';
    const r = plain({
      tiers: { economy: [model, 'openai/gpt-4.1-nano'] },
      prices: { [model]: { input: 0, output: 0, context: 100 } },
    });
    const res = await r.run(req({ task: 'summary', prompt: 'token '.repeat(200) }));
    expect(res.model).toBe('gpt-4.1-nano');
    expect(res.notes.join('\n')).toMatch(/skip: openai\/tiny context 100/);
  });

  it('long_context: above its threshold the call is billed at the long rates', async () => {
    const model = 'openai/long';
    const prices = { [model]: { input: 1, output: 1, long_context: { above: 10, input: 7, output: 9 } } };
    const res = await plain({ tiers: { economy: [model] }, prices }).run(req({ task: 'summary' }));
    expect(res.tokensIn).toBeGreaterThan(10);
    expect(res.costUsd).toBeCloseTo((res.tokensIn * 7 + res.tokensOut * 9) / 1e6, 10);
  });

  it('shutdown and replacement: refused from that day, with the replacement named', async () => {
    const model = 'openai/old';
    const prices = { [model]: { input: 0, output: 0, shutdown: '2026-03-01', replacement: 'openai/new' } };
    const res = await plain({ tiers: { economy: [model] }, prices }).run(req({ task: 'summary' }));
    expect(res.model).not.toBe('old'); // another tier answered
    expect(res.notes.join('\n')).toMatch(/openai\/old was shut down by its provider on 2026-03-01; use openai\/new/);
    expect(h.openai.count('old')).toBe(0);
  });

  it('deprecated: answers from a deprecated model say so', async () => {
    const model = 'openai/gpt-4o-mini';
    const res = await plain({ tiers: { economy: [model] } }).run(req({ task: 'summary' }));
    expect(res.model).toBe('gpt-4o-mini');
    expect(res.notes).toContain('deprecated: openai/gpt-4o-mini since 2026-06-01; move to openai/gpt-5.4-mini');
  });
});

describe('llm.max_usd_per_1k_tokens', () => {
  it('skips a candidate whose worst case passes it', async () => {
    const tiers = { economy: ['openai/gpt-5.4-mini', 'openai/gpt-4.1-nano'] };
    const cheap = await plain({ tiers, max_usd_per_1k_tokens: 0.001 }).run(req({ task: 'summary' }));
    expect(cheap.model).toBe('gpt-4.1-nano');
    expect(cheap.notes.join('\n')).toMatch(/skip: openai\/gpt-5\.4-mini worst case .* > cap \$0\.001\/1k/);
  });
});

describe('llm.budgets', () => {
  it.each([
    ['org_monthly_usd', { org_monthly_usd: 0 }],
    ['repo_monthly_usd', { repo_monthly_usd: 0 }],
    ['run_usd', { run_usd: 0 }],
  ] as const)('%s: a spent budget answers offline and calls no provider', async (field, budgets) => {
    const res = await plain({ budgets }).run(req({ task: 'summary' }));
    expect([field, res.offline]).toEqual([field, true]);
    expect(res.notes.join('\n')).toMatch(/budget reached/);
    expect(h.openai.count() + h.gemini.count()).toBe(0);
  });
});

describe('defaults', () => {
  it('live in the schema: the JSON Schema carries each default the router applies', () => {
    const js = JSON.stringify(z.toJSONSchema(LlmConfigSchema, { io: 'input' }));
    for (const [task, d] of Object.entries(DEFAULT_TASKS)) {
      expect([task, js]).toEqual([task, expect.stringContaining(`"default":"${d.tier}"`)]);
      expect(js).toContain(`"default":${d.max_output_tokens}`);
    }
    expect(js).toContain(`"default":${DEFAULT_MAX_USD_PER_1K}`);
    expect(js).toContain(JSON.stringify(DEFAULT_TIERS.economy));
  });

  it('a flow with no llm section runs every task on the shipped defaults', async () => {
    const r = plain();
    await r.run(req({ task: 'risk', difficulty: 0.95 }));
    const sent = h.openai.requests.concat(h.gemini.requests);
    expect(sent.map((x) => x.maxTokens)).toEqual([DEFAULT_TASKS.risk!.max_output_tokens]);
    expect(DEFAULT_TIERS.strong.map((id) => id.split('/')[1])).toContain(sent[0]!.model);
  });
});
