// The cost-aware router. For each request: cache first; then a ladder of tiers up to the task's tier (stepped down
// near a budget): adaptive tasks start at the tier the request's difficulty calls for, the cascade climbs one tier
// each time an answer fails validation (schema, then the task's own check). Candidates are sorted by worst-case cost,
// skipping those that would not fit the context window, could exceed the $/1k cap, are shut down, have no key, are
// cooling down after a 429 or have an open breaker. Each provider call is an `llm <provider>/<model>` span (child of
// the job's span) and a ledger entry handed to the observer (metrics). The
// worst-case cost is RESERVED against every budget before the call and settled with the actual cost after, so
// concurrent calls cannot overspend. Any provider trouble moves on to the next candidate; the last resort is the
// request's offline answer, so run() never throws for provider trouble.
// This file wires the router's state and effects; the steps are plan.ts (which tiers), candidates.ts (which models of
// a tier), search.ts (tiers and 429 rounds) and attempt.ts (one call: breaker, budget, span, ledger, verification).
import { z } from 'zod';
import type { LedgerEntry, Store } from '../store/types.js';
import { DEFAULT_MAX_USD_PER_1K, TIERS, resolveLlmConfig, type LlmConfig, type Tier } from './config-schema.js';
import type { LlmRequest, LlmResult, LlmRouter } from './types.js';
import { Breakers } from './breaker.js';
import { budgetScopes, type LimitedScope } from './budget.js';
import { planTiers, stepDownFor, type StepDown } from './plan.js';
import { cacheKey } from './cache-key.js';
import { candidatesFor } from './candidates.js';
import { DEFAULT_RATE_LIMIT_COOLDOWN_MS, type Search } from './attempt.js';
import { cachedAnswer, offlineAnswer, unverifiedAnswer, type AnswerDeps } from './answers.js';
import { createLedger } from './ledger.js';
import { search, type SearchDeps } from './search.js';
import { emptyStats, type RouterStats } from './stats.js';
import { loadPrices, priceOf, UnknownPriceError, type PriceTable } from './prices.js';
import { createGeminiProvider } from './providers/gemini.js';
import { createOfflineProvider } from './providers/offline.js';
import { createOpenAiProvider } from './providers/openai.js';
import type { Provider } from './providers/types.js';
import type { Config } from '../config/env.js';

export { DEFAULT_MAX_USD_PER_1K };
export const DEFAULT_TIMEOUT_MS = 30_000;
export { DEFAULT_RATE_LIMIT_COOLDOWN_MS };
export type { RouterStats };

export interface RouterOptions {
  store: Store;
  config?: LlmConfig;
  /** Provider keys and endpoints, the prices file and the call timeout: the typed config's `llm` section. */
  llm?: Partial<Config['llm']>;
  /** Clock (ms or Date): budget months, breaker cool-downs and Retry-After. */
  now?: () => number | Date;
  /** Override providers by name ('openai', 'gemini', 'offline'); default: built from the `llm` keys. */
  providers?: Partial<Record<string, Provider>>;
  /** Per-call timeout (default `llm.timeoutMs`, BATON_LLM_TIMEOUT_MS, or 30 s). */
  timeoutMs?: number;
  breaker?: { threshold?: number; cooldownMs?: number };
  /** Longest Retry-After worth waiting for when every other candidate failed (default 5 s). */
  maxRetryWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Reads BATON_PRICES_FILE (injected for tests). */
  readFile?: (path: string) => string;
  /** Sees every ledger entry as it is recorded (metrics: tokens, dollars, latency, fallbacks). */
  observe?: (entry: LedgerEntry) => void;
}

export interface CostRouter extends LlmRouter {
  stats(): RouterStats;
  readonly prices: PriceTable;
  readonly breakers: Breakers;
}

/** Refuses a config whose tiers name a model with no price (the error names the fix). */
export function checkPrices(config: LlmConfig | undefined, prices: PriceTable): void {
  const tiers = resolveLlmConfig(config).tiers;
  for (const tier of TIERS) for (const id of tiers[tier]) priceOf(prices, id);
}

function jsonSchemaText(schema: z.ZodType | undefined): string | undefined {
  if (!schema) return undefined;
  try {
    return JSON.stringify(z.toJSONSchema(schema, { unrepresentable: 'any' }));
  } catch {
    return schema.description ?? 'schema';
  }
}

export function createRouter(opts: RouterOptions): CostRouter {
  const llm = opts.llm ?? {};
  const config = opts.config ?? {};
  const resolved = resolveLlmConfig(config);
  const nowMs = (): number => {
    const v = opts.now ? opts.now() : Date.now();
    return typeof v === 'number' ? v : v.getTime();
  };
  const prices = loadPrices(config, llm.pricesFile, opts.readFile);
  checkPrices(config, prices);
  const providers: Record<string, Provider> = {
    openai:
      opts.providers?.openai ??
      createOpenAiProvider({ apiKey: llm.openai?.apiKey, baseURL: llm.openai?.baseUrl, now: nowMs }),
    gemini:
      opts.providers?.gemini ??
      createGeminiProvider({
        apiKey: llm.gemini?.apiKey,
        baseUrl: llm.gemini?.baseUrl,
        now: nowMs,
      }),
    offline: opts.providers?.offline ?? createOfflineProvider(),
  };
  for (const [k, p] of Object.entries(opts.providers ?? {})) if (p) providers[k] = p;
  const timeoutMs = opts.timeoutMs ?? llm.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cap = resolved.maxUsdPer1k;
  const maxRetryWaitMs = opts.maxRetryWaitMs ?? 5_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const breakers = new Breakers({ ...opts.breaker, now: nowMs });
  const coolingUntil = new Map<string, number>();
  const inFlight = new Map<string, Promise<unknown>>();
  const store = opts.store;
  const stats = emptyStats();
  const offlineOnly = !Object.entries(providers).some(([name, p]) => name !== 'offline' && p.available);
  const ledger = createLedger(store, nowMs, opts.observe);
  const answerDeps: AnswerDeps = { store, stats, ledger, offline: providers.offline!, timeoutMs };

  /** The first budget past STEP_DOWN_AT steps the request down; usage is read one budget at a time, until then. */
  async function stepDownIfNear(scopes: LimitedScope[], tier: Tier): Promise<StepDown | undefined> {
    for (const s of scopes) {
      if (s.limitUsd <= 0) continue;
      const down = stepDownFor(s, await store.budgetUsage(s), tier);
      if (down) {
        stats.stepDowns += 1;
        return down;
      }
    }
    return undefined;
  }

  const candidateEnv = { providers, prices, cap, now: nowMs };
  const searchDeps: SearchDeps = {
    store,
    breakers,
    coolingUntil,
    stats,
    now: nowMs,
    timeoutMs,
    cap,
    ledger,
    candidates: (tier, system, prompt, maxOut) =>
      candidatesFor(resolved.tiers[tier], candidateEnv, system, prompt, maxOut),
    maxRetryWaitMs,
    sleep,
  };

  async function route<T>(req: LlmRequest<T>, key: string, requested: Tier): Promise<LlmResult<T>> {
    const policy = resolved.task(req.task);
    const maxOut = Math.min(req.maxOutputTokens ?? policy.maxOutputTokens, policy.maxOutputTokens);
    const schemaText = jsonSchemaText(req.schema as z.ZodType | undefined);
    const system = schemaText
      ? `${req.system}\n\nAnswer with one JSON object that matches this JSON Schema:\n${schemaText}`
      : req.system;
    const scopes = budgetScopes(config.budgets, req, nowMs());
    const plan = planTiers(policy, requested, req.difficulty, await stepDownIfNear(scopes, requested));
    const s: Search<T> = {
      req,
      key,
      system,
      maxOut,
      scopes,
      cascade: policy.cascade,
      notes: [...plan.notes],
      spent: 0,
      calls: 0,
      answered: new Set(),
      pendingReason: plan.reason,
    };
    const end = await search(searchDeps, s, plan.steps);
    if (end.kind === 'answer') return end.result;
    if (end.kind === 'over-budget')
      return offlineAnswer(answerDeps, s, `budget reached (${scopes.map((x) => x.scope).join(', ')})`);
    if (s.unverified) return unverifiedAnswer(answerDeps, s, s.unverified);
    return offlineAnswer(answerDeps, s, offlineOnly ? 'no provider key configured' : 'no candidate could answer');
  }

  return {
    offlineOnly,
    prices,
    breakers,
    stats: () => ({ ...stats }),
    async run<T>(req: LlmRequest<T>): Promise<LlmResult<T>> {
      const requested = req.tier ?? resolved.task(req.task).tier;
      const schemaText = jsonSchemaText(req.schema as z.ZodType | undefined) ?? '';
      const key = cacheKey({
        task: req.task,
        tier: requested,
        system: req.system,
        prompt: req.prompt,
        schemaName: schemaText,
      });
      // Identical requests in flight (a webhook redelivered while the first is still running) wait for the first and
      // then hit its cache entry instead of paying twice. No await between the check and the set: no race.
      for (let pending = inFlight.get(key); pending; pending = inFlight.get(key)) await pending.catch(() => undefined);
      const p = (async () => (await cachedAnswer(answerDeps, req, key)) ?? (await route(req, key, requested)))();
      inFlight.set(key, p);
      try {
        return await p;
      } finally {
        if (inFlight.get(key) === p) inFlight.delete(key);
      }
    },
  };
}

export { UnknownPriceError };
