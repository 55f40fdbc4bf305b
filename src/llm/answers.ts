// The answers a request can end with other than a provider's verified one: its cached answer, its own offline
// answer, or, when the task's check refused every answer, the last one refused, marked unverified. Each is ledgered.
import { performance } from 'node:perf_hooks';
import { redact } from '../tasks/redact/redact.js';
import type { Store } from '../store/types.js';
import type { Search, Unverified } from './attempt.js';
import type { Ledger } from './ledger.js';
import { OFFLINE_MODEL, offlineText } from './providers/offline.js';
import type { Provider } from './providers/types.js';
import type { RouterStats } from './stats.js';
import type { LlmRequest, LlmResult } from './types.js';
import { validateAnswer, verifyAnswer } from './validate.js';

export interface AnswerDeps {
  store: Store;
  stats: RouterStats;
  ledger: Ledger;
  offline: Provider;
  timeoutMs: number;
}

export async function cachedAnswer<T>(
  deps: AnswerDeps,
  req: LlmRequest<T>,
  key: string,
): Promise<LlmResult<T> | undefined> {
  const hit = await deps.store.cacheGet(key);
  if (hit === undefined) return undefined;
  let v: { text: string; provider: string; model: string; unverified?: string };
  try {
    v = JSON.parse(hit);
  } catch {
    return undefined;
  }
  const check = v.unverified ? validateAnswer(v.text, req.schema) : verifyAnswer(req, v.text);
  if (!check.ok) return undefined; // a cached answer the (possibly newer) schema or check rejects is not an answer
  deps.stats.cacheHits += 1;
  await deps.ledger(req, {
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

/** The request's own free answer, when no provider can (or may) answer; `why` says which. */
export async function offlineAnswer<T>(deps: AnswerDeps, s: Search<T>, why: string): Promise<LlmResult<T>> {
  const { req, notes } = s;
  const started = performance.now();
  const answer = await deps.offline.complete({
    model: OFFLINE_MODEL,
    system: req.system,
    prompt: req.prompt,
    maxOutputTokens: 0,
    json: !!req.schema,
    timeoutMs: deps.timeoutMs,
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
  deps.stats.offlineAnswers += 1;
  await deps.ledger(req, {
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
    costUsd: s.spent,
    cached: false,
    offline: true,
    notes,
    calls: s.calls,
  };
}

/** No answer passed the task's check: the last one refused (from the highest tier tried), marked unverified. */
export async function unverifiedAnswer<T>(
  deps: Pick<AnswerDeps, 'store'>,
  s: Search<T>,
  unverified: Unverified<T>,
): Promise<LlmResult<T>> {
  s.notes.push(`unverified: ${unverified.why}`);
  const { why, ...answer } = unverified;
  // Cached too: asking again would buy the same refused answers.
  await deps.store.cachePut(
    s.key,
    JSON.stringify({ text: redact(answer.text), provider: answer.provider, model: answer.model, unverified: why }),
  );
  return {
    ...answer,
    costUsd: s.spent,
    cached: false,
    offline: false,
    notes: s.notes,
    calls: s.calls,
    unverified: why,
  };
}
