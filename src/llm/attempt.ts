// One try of one candidate for one request: may it be called at all (not already answered, not cooling down after
// a 429, breaker closed); its worst case reserved against the budgets; the call, in an `llm <provider>/<model>` span;
// the budget settled with what it actually cost (nothing, on an error); the breaker told; the call ledgered; the
// answer verified. The outcome tells the search what to do next; the router's state and effects come in as deps.
import { redact } from '../tasks/redact/redact.js';
import { performance } from 'node:perf_hooks';
import type { Store } from '../store/types.js';
import { withLlmSpan } from '../ops/tracing.js';
import { errorMessage } from '../ops/errors.js';
import type { LimitedScope } from './budget.js';
import type { Breakers } from './breaker.js';
import type { Candidate } from './candidates.js';
import type { Ledger } from './ledger.js';
import type { Tier } from './config-schema.js';
import { costUsd, deprecationNote } from './prices.js';
import { ProviderError, type ProviderAnswer } from './providers/types.js';
import type { RouterStats } from './stats.js';
import type { LlmRequest, LlmResult } from './types.js';
import { validateAnswer, verifyAnswer, type Validation } from './validate.js';

/** Cool-down after a 429 that carries no Retry-After. */
export const DEFAULT_RATE_LIMIT_COOLDOWN_MS = 1_000;

export interface AttemptDeps {
  store: Store;
  breakers: Breakers;
  /** provider/model → end of its 429 cool-down, shared by every request of the router. */
  coolingUntil: Map<string, number>;
  stats: RouterStats;
  now: () => number;
  timeoutMs: number;
  /** $ per 1k tokens: an answer that cost more is recorded as a cap violation. */
  cap: number;
  ledger: Ledger;
}

/** A schema-valid answer the task's check refused, kept in case nothing passes. */
export type Unverified<T> = Pick<LlmResult<T>, 'text' | 'data' | 'provider' | 'model' | 'tokensIn' | 'tokensOut'> & {
  why: string;
};

/** One request's search: what it asks, and what its attempts so far spent, learnt and noted. */
export interface Search<T> {
  readonly req: LlmRequest<T>;
  /** Its cache entry. */
  readonly key: string;
  /** The request's system prompt, with the JSON Schema the answer must match. */
  readonly system: string;
  readonly maxOut: number;
  readonly scopes: LimitedScope[];
  readonly cascade: boolean;
  readonly notes: string[];
  spent: number;
  calls: number;
  /** Models that already answered (wrongly): they would answer the same again. */
  readonly answered: Set<string>;
  unverified?: Unverified<T>;
  /** Why the next call is not the first choice: what its ledger entry gives as the reason. */
  pendingReason?: string;
}

/** One pass of the search over the plan. */
export interface Round {
  /** Filled in: the models skipped because they are cooling down after a 429, and until when. */
  readonly cooling: Map<string, number>;
  /** After a wait for a Retry-After, only the models that were cooling down are tried again. */
  readonly retryIds?: ReadonlySet<string>;
}

export type Outcome<T> =
  | { kind: 'answer'; result: LlmResult<T> }
  /** The budgets cannot take this call's worst case: the request is answered offline. */
  | { kind: 'over-budget' }
  /** The answer failed below the cascade's top: on to the next tier. */
  | { kind: 'escalate' }
  /** The cascade's top tier answered and only the task's check disagrees: the search is over. */
  | { kind: 'settled' }
  /** Not called, or failed: on to the next candidate. */
  | { kind: 'next' };

type Refusal<T> = Extract<Validation<T>, { ok: false }>;

const NEXT = { kind: 'next' } as const;

export async function tryCandidate<T>(
  deps: AttemptDeps,
  s: Search<T>,
  c: Candidate,
  step: { tier: Tier; escalates: boolean },
  round: Round,
): Promise<Outcome<T>> {
  if (!mayCall(deps, s, c, round)) return NEXT;
  let reservation: string | undefined;
  if (s.scopes.length) {
    reservation = await deps.store.reserveBudget(s.scopes, c.worstUsd);
    if (reservation === undefined) {
      deps.breakers.release(c.id);
      deps.stats.budgetRefusals += 1;
      return { kind: 'over-budget' };
    }
  }
  deps.stats.providerCalls += 1;
  s.calls += 1;
  const started = performance.now();
  let a: ProviderAnswer;
  try {
    a = await call(deps, s, c, step.tier);
  } catch (e) {
    await failed(deps, s, c, e, reservation, Math.round(performance.now() - started));
    return NEXT;
  }
  // The provider answered and is owed for it: a store that fails to record the call (budget, ledger, cache) must not
  // throw the answer away, or the next candidate is paid for the same question.
  const check = await bill(deps, s, c, a, reservation, Math.round(performance.now() - started));
  return check.ok
    ? { kind: 'answer', result: await accept(deps, s, c, a, check.data) }
    : refuse(deps, s, c, a, check, step);
}

/** A write about a call already made: its failure is noted on the answer instead of failing the call. */
async function recorded(s: Pick<Search<unknown>, 'notes'>, what: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch {
    // The store's own error stays out of the notes: they reach the status card.
    s.notes.push(`not recorded: ${what} (the store refused the write)`);
  }
}

function mayCall<T>(deps: AttemptDeps, s: Search<T>, c: Candidate, round: Round): boolean {
  if (round.retryIds && !round.retryIds.has(c.id)) return false;
  // A model that already answered this request (wrongly) answers the same again: never pay twice for it.
  if (s.answered.has(c.id)) return false;
  const until = deps.coolingUntil.get(c.id);
  if (until !== undefined && until > deps.now()) {
    round.cooling.set(c.id, until);
    s.notes.push(`skip: ${c.id} cooling down after 429`);
    return false;
  }
  if (!deps.breakers.tryAcquire(c.id)) {
    s.notes.push(`skip: ${c.id} breaker open`);
    return false;
  }
  return true;
}

function call<T>(deps: AttemptDeps, s: Search<T>, c: Candidate, tier: Tier): Promise<ProviderAnswer> {
  return withLlmSpan(
    c.provider.name,
    c.model,
    { 'baton.task': s.req.task, 'baton.tier': tier, 'gen_ai.request.max_tokens': s.maxOut },
    async (span) => {
      const answer = await c.provider.complete({
        model: c.model,
        system: s.system,
        prompt: s.req.prompt,
        maxOutputTokens: s.maxOut,
        json: !!s.req.schema,
        timeoutMs: deps.timeoutMs,
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
}

/** The provider answered: settle the budget, close the breaker, verify the answer and ledger the call. */
async function bill<T>(
  deps: AttemptDeps,
  s: Search<T>,
  c: Candidate,
  a: ProviderAnswer,
  reservation: string | undefined,
  latencyMs: number,
): Promise<Validation<T>> {
  const { stats, cap } = deps;
  const actual = costUsd(c.price, a.tokensIn, a.tokensOut, a.cachedTokensIn ?? 0);
  stats.thinkingTokens += a.thinkingTokens ?? 0;
  if (reservation) await recorded(s, 'budget', () => deps.store.settleBudget(reservation, actual));
  s.spent += actual;
  stats.spentUsd += actual;
  deps.breakers.success(c.id);
  const per1k = a.tokensIn + a.tokensOut > 0 ? (actual / (a.tokensIn + a.tokensOut)) * 1000 : 0;
  const reasons: string[] = s.pendingReason ? [s.pendingReason] : [];
  if (a.tokensOut > s.maxOut || per1k > cap) {
    // The provider ignored max_tokens (or billed more than we could foresee): record it so it is visible.
    stats.capViolations += 1;
    reasons.push(
      `cap-violation: ${a.tokensOut} tokens out (max ${s.maxOut}), $${per1k.toFixed(4)}/1k (cap $${cap}/1k)`,
    );
    s.notes.push(reasons[reasons.length - 1]!);
  }
  const check = verifyAnswer(s.req, a.text);
  if (!check.ok) {
    reasons.push(`invalid: ${check.why}${check.why === 'check' ? ` (${check.detail})` : ''}`);
    if (check.why === 'check') stats.checkRejections += 1;
  }
  await recorded(s, 'ledger', () =>
    deps.ledger(s.req, {
      provider: c.provider.name,
      model: c.model,
      tokensIn: a.tokensIn,
      tokensOut: a.tokensOut,
      costUsd: actual,
      latencyMs,
      cacheHit: false,
      ...(reasons.length ? { reason: reasons.join('; ') } : {}),
      ok: check.ok,
    }),
  );
  return check;
}

/** A verified answer: cached and returned. */
async function accept<T>(
  deps: AttemptDeps,
  s: Search<T>,
  c: Candidate,
  a: ProviderAnswer,
  data: T | undefined,
): Promise<LlmResult<T>> {
  const dep = deprecationNote(c.id, c.price);
  if (dep) s.notes.push(dep);
  // The cache is at rest: it keeps the answer redacted (a model can echo or invent a credential).
  await recorded(s, 'cache', () =>
    deps.store.cachePut(s.key, JSON.stringify({ text: redact(a.text), provider: c.provider.name, model: c.model })),
  );
  return {
    text: a.text,
    ...(data !== undefined ? { data } : {}),
    provider: c.provider.name,
    model: c.model,
    tokensIn: a.tokensIn,
    tokensOut: a.tokensOut,
    costUsd: s.spent,
    cached: false,
    offline: false,
    notes: s.notes,
    calls: s.calls,
  };
}

/** An answer that failed verification: where the search goes from here. */
function refuse<T>(
  deps: AttemptDeps,
  s: Search<T>,
  c: Candidate,
  a: ProviderAnswer,
  check: Refusal<T>,
  step: { tier: Tier; escalates: boolean },
): Outcome<T> {
  s.answered.add(c.id);
  if (check.why === 'check') {
    // Schema-valid but the task's check disagrees: kept (the latest, from the highest tier so far) in case
    // nothing passes, since a strong model disagreeing with Baton's own heuristics may well be right.
    const data = validateAnswer(a.text, s.req.schema);
    s.unverified = {
      text: a.text,
      ...(data.ok && data.data !== undefined ? { data: data.data } : {}),
      provider: c.provider.name,
      model: c.model,
      tokensIn: a.tokensIn,
      tokensOut: a.tokensOut,
      why: check.detail,
    };
  }
  if (step.escalates) {
    s.pendingReason = `escalated: ${check.why} from ${step.tier} (${c.id})`;
    s.notes.push(s.pendingReason);
    deps.stats.escalations += 1;
    return { kind: 'escalate' };
  }
  // The cascade's top tier answered and only the task's check disagrees: a sibling or a lower tier would
  // not settle it (no stronger opinion is left to buy), so the search ends with that answer, unverified.
  if (s.cascade && check.why === 'check') return { kind: 'settled' };
  s.pendingReason = `fallback: ${check.why} from ${c.id}`;
  s.notes.push(s.pendingReason);
  deps.stats.fallbacks += 1;
  return NEXT;
}

/** The call failed: release the reservation, tell the breaker or cool down, ledger it. */
async function failed<T>(
  deps: AttemptDeps,
  s: Search<T>,
  c: Candidate,
  e: unknown,
  reservation: string | undefined,
  latencyMs: number,
): Promise<void> {
  const { breakers } = deps;
  if (reservation) await deps.store.settleBudget(reservation, 0);
  const err = e instanceof ProviderError ? e : new ProviderError('server', errorMessage(e));
  // A 429 is the provider pacing us, not a broken model: it cools the model down for Retry-After instead of
  // counting toward the breaker. A 400 is our request's fault. Everything else is health trouble.
  if (err.kind === 'rate_limit') {
    breakers.release(c.id);
    deps.coolingUntil.set(c.id, deps.now() + (err.retryAfterMs ?? DEFAULT_RATE_LIMIT_COOLDOWN_MS));
  } else if (err.kind === 'bad_request') breakers.release(c.id);
  else breakers.failure(c.id);
  const label = err.status ? `${err.status}` : err.kind;
  await deps.ledger(s.req, {
    provider: c.provider.name,
    model: c.model,
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0,
    latencyMs,
    cacheHit: false,
    reason: [s.pendingReason, `error: ${err.kind}${err.status ? ` ${err.status}` : ''}`].filter(Boolean).join('; '),
    ok: false,
  });
  s.pendingReason = `fallback: ${label} from ${c.id}`;
  s.notes.push(s.pendingReason);
  deps.stats.fallbacks += 1;
}
