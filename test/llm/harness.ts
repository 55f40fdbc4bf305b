// Shared set-up for router tests: both fake providers, a memory store, a controllable clock.
import { z } from 'zod';
import { createRouter, type RouterOptions } from '../../src/llm/router.js';
import type { LlmConfig } from '../../src/llm/config-schema.js';
import type { LlmRequest } from '../../src/llm/types.js';
import { startFakeGemini } from '../support/fake-gemini.js';
import { startFakeOpenAI, type FakeOptions, type FakeProviderServer } from '../support/fake-openai.js';
import { memoryStore } from '../support/memory-store.js';

export const RiskAnswer = z.object({ summary: z.string().min(1), level: z.enum(['low', 'medium', 'high']) });

export interface Harness {
  openai: FakeProviderServer;
  gemini: FakeProviderServer;
  store: ReturnType<typeof memoryStore>;
  clock: { t: number };
  env: Record<string, string>;
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
    router: (config = {}, extra = {}) =>
      createRouter({ store, config, env, now: () => clock.t, timeoutMs: 400, ...extra }),
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
