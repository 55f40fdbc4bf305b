// Shared set-up for router tests: both fake providers, a memory store, a controllable clock.
import { z } from 'zod';
import { createRouter, type RouterOptions } from '../../src/llm/router.js';
import type { LlmConfig } from '../../src/llm/config-schema.js';
import type { LlmRequest } from '../../src/llm/types.js';
import { startFakeGemini } from '../support/fake-gemini.js';
import { startFakeOpenAI, type FakeOptions, type FakeProviderServer } from '../support/fake-openai.js';
import { memoryStore } from '../support/memory-store.js';
import { loadConfig, type Config } from '../../src/config/env.js';

/**
 * The router's mechanisms (caps, budgets, fallback, breaker, cache) are tested on a fixed table of priced models
 * with one tier per task and no cascade, so a change of the shipped defaults does not move these tests; the
 * defaults themselves are tested in config-fields.test.ts.
 */
export const MECHANICS: LlmConfig = {
  tiers: {
    economy: ['openai/gpt-4.1-nano', 'openai/gpt-4o-mini', 'gemini/gemini-2.0-flash', 'gemini/gemini-2.5-flash-lite'],
    standard: ['openai/gpt-4.1-mini', 'gemini/gemini-2.5-flash'],
    strong: ['openai/gpt-4.1', 'openai/gpt-4o', 'gemini/gemini-2.5-pro'],
  },
  tasks: {
    risk: { tier: 'strong', max_output_tokens: 800, cascade: false, adaptive: false },
    docs: { tier: 'standard', max_output_tokens: 1500, cascade: false, adaptive: false },
    digest: { tier: 'economy', max_output_tokens: 1000, cascade: false, adaptive: false },
  },
  max_usd_per_1k_tokens: 0.03,
};

export function withMechanics(config: LlmConfig = {}): LlmConfig {
  const tasks: Record<string, object> = { ...MECHANICS.tasks };
  for (const [k, v] of Object.entries(config.tasks ?? {})) tasks[k] = { ...(tasks[k] ?? {}), ...v };
  return {
    ...MECHANICS,
    ...config,
    tiers: { ...MECHANICS.tiers, ...config.tiers },
    tasks: tasks as LlmConfig['tasks'],
  };
}

export const RiskAnswer = z.object({ summary: z.string().min(1), level: z.enum(['low', 'medium', 'high']) });

export interface Harness {
  openai: FakeProviderServer;
  gemini: FakeProviderServer;
  store: ReturnType<typeof memoryStore>;
  clock: { t: number };
  env: Record<string, string>;
  /** The same environment as the typed config's `llm` section (what the router takes). */
  llm: Config['llm'];
  router: (config?: LlmConfig, extra?: Partial<RouterOptions>) => ReturnType<typeof createRouter>;
  close: () => Promise<void>;
}

export async function harness(opts: { openai?: FakeOptions; gemini?: FakeOptions } = {}): Promise<Harness> {
  const openai = await startFakeOpenAI(opts.openai);
  const gemini = await startFakeGemini(opts.gemini);
  const store = memoryStore();
  const clock = { t: Date.parse('2026-03-15T12:00:00Z') };
  const env = {
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: `${openai.url}/v1`,
    GEMINI_API_KEY: 'g-test',
    GEMINI_BASE_URL: gemini.url,
  };
  return {
    openai,
    gemini,
    store,
    clock,
    env,
    llm: loadConfig(env).llm,
    router: (config = {}, extra = {}) =>
      createRouter({
        store,
        config: withMechanics(config),
        llm: loadConfig(env).llm,
        now: () => clock.t,
        timeoutMs: 400,
        ...extra,
      }),
    close: async () => {
      await openai.close();
      await gemini.close();
    },
  };
}

let seq = 0;
export function req(
  over: Partial<LlmRequest<z.infer<typeof RiskAnswer>>> = {},
): LlmRequest<z.infer<typeof RiskAnswer>> {
  seq += 1;
  return {
    task: 'risk',
    system: 'You assess the risk of a pull request. Answer in JSON.',
    prompt: `diff --git a/src/x${seq}.ts b/src/x${seq}.ts\n+export const x = ${seq};\n`,
    schema: RiskAnswer,
    org: 'acme',
    repo: 'acme/web',
    issue: 7,
    offline: () => ({ summary: 'offline heuristic', level: 'medium' as const }),
    ...over,
  };
}
