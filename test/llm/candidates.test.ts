import { candidatesFor, type CandidateEnv } from '../../src/llm/candidates.js';
import { PRICES } from '../../src/llm/prices.js';
import type { Provider } from '../../src/llm/providers/types.js';

const provider = (name: string, available = true): Provider => ({
  name,
  available,
  complete: async () => ({ text: '', tokensIn: 0, tokensOut: 0 }),
});
const env = (over: Partial<CandidateEnv> = {}): CandidateEnv => ({
  providers: { openai: provider('openai'), gemini: provider('gemini') },
  prices: { ...PRICES },
  cap: 1,
  now: () => Date.parse('2026-03-15T12:00:00Z'),
  ...over,
});
const ids = (r: ReturnType<typeof candidatesFor>) => r.candidates.map((c) => c.id);

describe('candidatesFor', () => {
  it('orders by worst-case cost, keeping the configured order among equal prices', () => {
    const r = candidatesFor(
      ['openai/gpt-4o', 'openai/gpt-4.1', 'openai/gpt-4.1-nano', 'openai/gpt-4.1-nano'],
      env(),
      'sys',
      'prompt',
      500,
    );
    expect(ids(r)).toEqual(['openai/gpt-4.1-nano', 'openai/gpt-4.1-nano', 'openai/gpt-4.1', 'openai/gpt-4o']);
    expect(r.notes).toEqual([]);
    const nano = r.candidates[0]!;
    expect(nano).toMatchObject({ provider: { name: 'openai' }, model: 'gpt-4.1-nano' });
    expect(nano.worstPer1k).toBeCloseTo((nano.worstUsd / (nano.promptTokens + 500)) * 1000, 12);
  });

  it('leaves out a provider with no key silently, and says why it leaves out the others', () => {
    const r = candidatesFor(
      ['gemini/gemini-2.0-flash', 'openai/gpt-4.1', 'openai/gpt-4.1-nano', 'gemini/gemini-2.5-pro'],
      env({
        providers: { openai: provider('openai'), gemini: provider('gemini', false) },
        prices: { ...PRICES, 'openai/gpt-4.1-nano': { input: 0.1, output: 0.4, context: 300 } },
        cap: 0.005,
      }),
      'sys',
      'prompt',
      400,
    );
    expect(ids(r)).toEqual([]);
    expect(r.notes).toEqual([
      expect.stringMatching(/^skip: openai\/gpt-4\.1 worst case \$0\.00\d\d\/1k > cap \$0\.005\/1k$/),
      expect.stringMatching(/^skip: openai\/gpt-4\.1-nano context 300 < \d+ tokens$/),
    ]);
  });

  it('refuses a model from its shutdown date on', () => {
    const before = candidatesFor(['gemini/gemini-2.5-pro'], env(), 's', 'p', 100);
    expect(ids(before)).toEqual(['gemini/gemini-2.5-pro']);
    const after = candidatesFor(
      ['gemini/gemini-2.5-pro'],
      env({ now: () => Date.parse('2026-06-17T00:00:00Z') }),
      's',
      'p',
      100,
    );
    expect(ids(after)).toEqual([]);
    expect(after.notes).toEqual([
      'skip: gemini/gemini-2.5-pro was shut down by its provider on 2026-06-17; use gemini/gemini-3.1-pro-preview',
    ]);
  });

  it('names the fix for a model written without its provider', () => {
    expect(() => candidatesFor(['gpt-4.1'], env(), 's', 'p', 100)).toThrow(/must be written "provider\/model"/);
  });
});
