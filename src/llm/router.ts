// The cost-aware router. For each request: cache first; then a ladder of tiers up to the task's tier (stepped down
// near a budget): adaptive tasks start at the tier the request's difficulty calls for, the cascade climbs one tier
// each time an answer fails validation (schema, then the task's own check). Candidates are sorted by worst-case cost,
// skipping those that would not fit the context window, could exceed the $/1k cap, are shut down, have no key, are
// cooling down after a 429 or have an open breaker. Each provider call is an `llm <provider>/<model>` span (child of
// the job's span) and a ledger entry handed to the observer (metrics). The
// worst-case cost is RESERVED against every budget before the call and settled with the actual cost after, so
// concurrent calls cannot overspend. Any provider trouble moves on to the next candidate; the last resort is the
// request's offline answer, so run() never throws for provider trouble.
import { redact } from '../tasks/redact/redact.js';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { LedgerEntry, Store } from '../store/types.js';
import { withLlmSpan } from '../ops/tracing.js';
import { DEFAULT_MAX_USD_PER_1K, TIERS, resolveLlmConfig, type LlmConfig, type Tier } from './config-schema.js';
import type { LlmRequest, LlmResult, LlmRouter } from './types.js';
import { Breakers } from './breaker.js';
import { budgetScopes, type LimitedScope } from './budget.js';
import { planTiers, retryWait, stepDownFor, type StepDown } from './plan.js';
import { cacheKey } from './cache-key.js';
import { candidatesFor, type Candidate } from './candidates.js';
import { emptyStats, type RouterStats } from './stats.js';
import { costUsd, deprecationNote, loadPrices, priceOf, UnknownPriceError, type PriceTable } from './prices.js';
import { createGeminiProvider } from './providers/gemini.js';
import { createOfflineProvider, OFFLINE_MODEL, offlineText } from './providers/offline.js';
import { createOpenAiProvider } from './providers/openai.js';
import { ProviderError, type Provider } from './providers/types.js';
import { validateAnswer, type Validation } from './validate.js';
import { errorMessage } from '../ops/errors.js';
import type { Config } from '../config/env.js';

export { DEFAULT_MAX_USD_PER_1K };
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Cool-down after a 429 that carries no Retry-After. */
export const DEFAULT_RATE_LIMIT_COOLDOWN_MS = 1_000;
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

  async function ledger<T>(
    req: LlmRequest<T>,
    e: Omit<LedgerEntry, 'id' | 'at' | 'task' | 'repo' | 'org' | 'issue' | 'pr'>,
  ): Promise<void> {
    const entry: LedgerEntry = {
      id: randomUUID(),
      at: new Date(nowMs()).toISOString(),
      task: req.task,
      repo: req.repo,
      org: req.org,
      ...(req.issue !== undefined ? { issue: req.issue } : {}),
      ...(req.pr !== undefined ? { pr: req.pr } : {}),
      ...e,
    };
    await store.recordLedger(entry);
    try {
      opts.observe?.(entry);
    } catch {
      // Metrics must never cost an answer.
    }
  }

  /** Schema, then the task's own check: a wrong answer is as unusable as a malformed one. */
  function validate<T>(req: LlmRequest<T>, text: string): Validation<T> {
    const v = validateAnswer(text, req.schema);
    if (!v.ok || !req.check) return v;
    let why: string | undefined;
    try {
      why = req.check({ text, ...(v.data !== undefined ? { data: v.data } : {}) });
    } catch (e) {
      why = `check failed: ${errorMessage(e)}`;
    }
    return why ? { ok: false, why: 'check', detail: why } : v;
  }

  const candidateEnv = { providers, prices, cap, now: nowMs };
  function candidatesOf(tier: Tier, system: string, prompt: string, maxOut: number, notes: string[]): Candidate[] {
    const { candidates, notes: skipped } = candidatesFor(resolved.tiers[tier], candidateEnv, system, prompt, maxOut);
    notes.push(...skipped);
    return candidates;
  }

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

  async function offlineResult<T>(
    req: LlmRequest<T>,
    notes: string[],
    spent: number,
    why: string,
    calls: number,
  ): Promise<LlmResult<T>> {
    const started = performance.now();
    const answer = await providers.offline!.complete({
      model: OFFLINE_MODEL,
      system: req.system,
      prompt: req.prompt,
      maxOutputTokens: 0,
      json: !!req.schema,
      timeoutMs,
      offline: req.offline,
    });
    const raw = req.offline();
    // A string answer for a schema request still gets parsed, so callers can rely on `data` either way.
    let data: T | undefined;
    if (typeof raw !== 'string') data = raw;
    else if (req.schema) {
      const check = validateAnswer(raw, req.schema);
      if (check.ok) data = check.data;
    }
    notes.push(`offline: ${why}`);
    stats.offlineAnswers += 1;
    await ledger(req, {
      provider: 'offline',
      model: OFFLINE_MODEL.split('/')[1]!,
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
      latencyMs: Math.round(performance.now() - started),
      cacheHit: false,
      reason: `offline: ${why}`,
      ok: true,
    });
    return {
      text: answer.text || offlineText(raw),
      ...(data !== undefined ? { data } : {}),
      provider: 'offline',
      model: OFFLINE_MODEL.split('/')[1]!,
      tokensIn: 0,
      tokensOut: 0,
      costUsd: spent,
      cached: false,
      offline: true,
      notes,
      calls,
    };
  }

  async function fromCache<T>(req: LlmRequest<T>, key: string): Promise<LlmResult<T> | undefined> {
    const hit = await store.cacheGet(key);
    if (hit === undefined) return undefined;
    let v: { text: string; provider: string; model: string; unverified?: string };
    try {
      v = JSON.parse(hit);
    } catch {
      return undefined;
    }
    const check = v.unverified ? validateAnswer(v.text, req.schema) : validate(req, v.text);
    if (!check.ok) return undefined; // a cached answer the (possibly newer) schema or check rejects is not an answer
    stats.cacheHits += 1;
    await ledger(req, {
      provider: v.provider,
      model: v.model,
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
      latencyMs: 0,
      cacheHit: true,
      reason: 'cache-hit',
      ok: true,
    });
    return {
      text: v.text,
      ...(check.data !== undefined ? { data: check.data } : {}),
      provider: v.provider,
      model: v.model,
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
      cached: true,
      offline: false,
      notes: ['cache: hit'],
      calls: 0,
      ...(v.unverified ? { unverified: v.unverified } : {}),
    };
  }

  async function route<T>(req: LlmRequest<T>, key: string, requested: Tier): Promise<LlmResult<T>> {
    const notes: string[] = [];
    const policy = resolved.task(req.task);
    const maxOut = Math.min(req.maxOutputTokens ?? policy.maxOutputTokens, policy.maxOutputTokens);
    const schemaText = jsonSchemaText(req.schema as z.ZodType | undefined);
    const system = schemaText
      ? `${req.system}\n\nAnswer with one JSON object that matches this JSON Schema:\n${schemaText}`
      : req.system;
    const scopes = budgetScopes(config.budgets, req, nowMs());
    const tierPlan = planTiers(policy, requested, req.difficulty, await stepDownIfNear(scopes, requested));
    notes.push(...tierPlan.notes);
    let spent = 0;
    let calls = 0;
    const answered = new Set<string>();
    let unverified:
      | { text: string; data?: T; provider: string; model: string; tokensIn: number; tokensOut: number; why: string }
      | undefined;
    let pendingReason = tierPlan.reason;

    // Later rounds exist only for models that were merely cooling down after a 429: when nothing else could answer
    // and the shortest Retry-After is brief, waiting for it (up to maxRetryWaitMs in all) beats an offline answer.
    let retryIds: Set<string> | undefined;
    let waited = 0;
    search: for (let round = 0; round < 20; round++) {
      const cooling = new Map<string, number>();
      for (const { tier, fallback, escalates } of tierPlan.steps) {
        if (fallback) {
          pendingReason = `fallback: ${tier} tier`;
          notes.push(pendingReason);
        }
        const cands = candidatesOf(tier, system, req.prompt, maxOut, notes);
        let escalate = false;
        for (const c of cands) {
          if (retryIds && !retryIds.has(c.id)) continue;
          // A model that already answered this request (wrongly) answers the same again: never pay twice for it.
          if (answered.has(c.id)) continue;
          const until = coolingUntil.get(c.id);
          if (until !== undefined && until > nowMs()) {
            cooling.set(c.id, until);
            notes.push(`skip: ${c.id} cooling down after 429`);
            continue;
          }
          if (!breakers.tryAcquire(c.id)) {
            notes.push(`skip: ${c.id} breaker open`);
            continue;
          }
          let reservation: string | undefined;
          if (scopes.length) {
            reservation = await store.reserveBudget(scopes, c.worstUsd);
            if (reservation === undefined) {
              breakers.release(c.id);
              stats.budgetRefusals += 1;
              return offlineResult(
                req,
                notes,
                spent,
                `budget reached (${scopes.map((s) => s.scope).join(', ')})`,
                calls,
              );
            }
          }
          stats.providerCalls += 1;
          calls += 1;
          const started = performance.now();
          try {
            const a = await withLlmSpan(
              c.provider.name,
              c.model,
              { 'baton.task': req.task, 'baton.tier': tier, 'gen_ai.request.max_tokens': maxOut },
              async (span) => {
                const answer = await c.provider.complete({
                  model: c.model,
                  system,
                  prompt: req.prompt,
                  maxOutputTokens: maxOut,
                  json: !!req.schema,
                  timeoutMs,
                });
                span.setAttributes({
                  'gen_ai.usage.input_tokens': answer.tokensIn,
                  'gen_ai.usage.output_tokens': answer.tokensOut,
                  'baton.thinking_tokens': answer.thinkingTokens ?? 0,
                  'baton.cost_usd': costUsd(c.price, answer.tokensIn, answer.tokensOut, answer.cachedTokensIn ?? 0),
                });
                return answer;
              },
            );
            const latencyMs = Math.round(performance.now() - started);
            const actual = costUsd(c.price, a.tokensIn, a.tokensOut, a.cachedTokensIn ?? 0);
            stats.thinkingTokens += a.thinkingTokens ?? 0;
            if (reservation) await store.settleBudget(reservation, actual);
            spent += actual;
            stats.spentUsd += actual;
            breakers.success(c.id);
            const per1k = a.tokensIn + a.tokensOut > 0 ? (actual / (a.tokensIn + a.tokensOut)) * 1000 : 0;
            const reasons: string[] = pendingReason ? [pendingReason] : [];
            if (a.tokensOut > maxOut || per1k > cap) {
              // The provider ignored max_tokens (or billed more than we could foresee): record it so it is visible.
              stats.capViolations += 1;
              reasons.push(
                `cap-violation: ${a.tokensOut} tokens out (max ${maxOut}), $${per1k.toFixed(4)}/1k (cap $${cap}/1k)`,
              );
              notes.push(reasons[reasons.length - 1]!);
            }
            const check = validate(req, a.text);
            if (!check.ok) {
              reasons.push(`invalid: ${check.why}${check.why === 'check' ? ` (${check.detail})` : ''}`);
              if (check.why === 'check') stats.checkRejections += 1;
            }
            await ledger(req, {
              provider: c.provider.name,
              model: c.model,
              tokensIn: a.tokensIn,
              tokensOut: a.tokensOut,
              costUsd: actual,
              latencyMs,
              cacheHit: false,
              ...(reasons.length ? { reason: reasons.join('; ') } : {}),
              ok: check.ok,
            });
            if (check.ok) {
              const dep = deprecationNote(c.id, c.price);
              if (dep) notes.push(dep);
              // The cache is at rest: it keeps the answer redacted (a model can echo or invent a credential).
              await store.cachePut(
                key,
                JSON.stringify({ text: redact(a.text), provider: c.provider.name, model: c.model }),
              );
              return {
                text: a.text,
                ...(check.data !== undefined ? { data: check.data } : {}),
                provider: c.provider.name,
                model: c.model,
                tokensIn: a.tokensIn,
                tokensOut: a.tokensOut,
                costUsd: spent,
                cached: false,
                offline: false,
                notes,
                calls,
              };
            }
            answered.add(c.id);
            if (check.why === 'check') {
              // Schema-valid but the task's check disagrees: kept (the latest, from the highest tier so far) in case
              // nothing passes, since a strong model disagreeing with Baton's own heuristics may well be right.
              const data = validateAnswer(a.text, req.schema);
              unverified = {
                text: a.text,
                ...(data.ok && data.data !== undefined ? { data: data.data } : {}),
                provider: c.provider.name,
                model: c.model,
                tokensIn: a.tokensIn,
                tokensOut: a.tokensOut,
                why: check.detail,
              };
            }
            if (escalates) {
              pendingReason = `escalated: ${check.why} from ${tier} (${c.id})`;
              notes.push(pendingReason);
              stats.escalations += 1;
              escalate = true;
              break;
            }
            // The cascade's top tier answered and only the task's check disagrees: a sibling or a lower tier would
            // not settle it (no stronger opinion is left to buy), so the search ends with that answer, unverified.
            if (policy.cascade && check.why === 'check') break search;
            pendingReason = `fallback: ${check.why} from ${c.id}`;
            notes.push(pendingReason);
            stats.fallbacks += 1;
          } catch (e) {
            const latencyMs = Math.round(performance.now() - started);
            if (reservation) await store.settleBudget(reservation, 0);
            const err = e instanceof ProviderError ? e : new ProviderError('server', errorMessage(e));
            // A 429 is the provider pacing us, not a broken model: it cools the model down for Retry-After instead of
            // counting toward the breaker. A 400 is our request's fault. Everything else is health trouble.
            if (err.kind === 'rate_limit') {
              breakers.release(c.id);
              coolingUntil.set(c.id, nowMs() + (err.retryAfterMs ?? DEFAULT_RATE_LIMIT_COOLDOWN_MS));
            } else if (err.kind === 'bad_request') breakers.release(c.id);
            else breakers.failure(c.id);
            const label = err.status ? `${err.status}` : err.kind;
            await ledger(req, {
              provider: c.provider.name,
              model: c.model,
              tokensIn: 0,
              tokensOut: 0,
              costUsd: 0,
              latencyMs,
              cacheHit: false,
              reason: [pendingReason, `error: ${err.kind}${err.status ? ` ${err.status}` : ''}`]
                .filter(Boolean)
                .join('; '),
              ok: false,
            });
            pendingReason = `fallback: ${label} from ${c.id}`;
            notes.push(pendingReason);
            stats.fallbacks += 1;
          }
        }
        if (!escalate && escalates) {
          // The whole tier failed on provider trouble: the cascade still has stronger tiers to try.
          pendingReason = `escalated: ${tier} unavailable`;
          notes.push(pendingReason);
          stats.escalations += 1;
        }
      }
      const waitMs = retryWait(cooling, nowMs, waited, maxRetryWaitMs);
      if (waitMs === undefined) break;
      notes.push(`wait: ${waitMs} ms for Retry-After`);
      waited += waitMs;
      await sleep(waitMs);
      retryIds = new Set(cooling.keys());
    }
    if (unverified) {
      notes.push(`unverified: ${unverified.why}`);
      const { why, ...answer } = unverified;
      // Cached too: asking again would buy the same refused answers.
      await store.cachePut(
        key,
        JSON.stringify({ text: redact(answer.text), provider: answer.provider, model: answer.model, unverified: why }),
      );
      return { ...answer, costUsd: spent, cached: false, offline: false, notes, calls, unverified: why };
    }
    return offlineResult(
      req,
      notes,
      spent,
      offlineOnly ? 'no provider key configured' : 'no candidate could answer',
      calls,
    );
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
      const p = (async () => (await fromCache(req, key)) ?? (await route(req, key, requested)))();
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
