// The search for an answer to one request: the plan's tiers in order, each tier's candidates cheapest first, one
// attempt each, until one answers, the budgets refuse, or the plan runs out. A cascade climbs a tier when an answer
// fails verification, or when its whole tier fails on provider trouble.
import { tryCandidate, type AttemptDeps, type Round, type Search } from './attempt.js';
import type { Candidate } from './candidates.js';
import type { Tier } from './config-schema.js';
import { retryWait, type TierStep } from './plan.js';
import type { LlmResult } from './types.js';

export interface SearchDeps extends AttemptDeps {
  /** The models of a tier that may answer, and the notes on those left out. */
  candidates(tier: Tier, system: string, prompt: string, maxOut: number): { candidates: Candidate[]; notes: string[] };
  /** Longest wait in all for Retry-After before a request gives up on the models cooling down. */
  maxRetryWaitMs: number;
  sleep(ms: number): Promise<void>;
}

export type SearchEnd<T> =
  | { kind: 'answer'; result: LlmResult<T> }
  | { kind: 'over-budget' }
  /** No answer passed: the request ends with its unverified answer, if it has one, else offline. */
  | { kind: 'unanswered' };

const MAX_ROUNDS = 20;
const UNANSWERED = { kind: 'unanswered' } as const;

export async function search<T>(deps: SearchDeps, s: Search<T>, steps: TierStep[]): Promise<SearchEnd<T>> {
  // Later rounds exist only for models that were merely cooling down after a 429: when nothing else could answer
  // and the shortest Retry-After is brief, waiting for it (up to maxRetryWaitMs in all) beats an offline answer.
  let retryIds: Set<string> | undefined;
  let waited = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const cooling = new Map<string, number>();
    const end = await searchRound(deps, s, steps, { cooling, ...(retryIds ? { retryIds } : {}) });
    if (end) return end;
    const waitMs = retryWait(cooling, deps.now, waited, deps.maxRetryWaitMs);
    if (waitMs === undefined) break;
    s.notes.push(`wait: ${waitMs} ms for Retry-After`);
    waited += waitMs;
    await deps.sleep(waitMs);
    retryIds = new Set(cooling.keys());
  }
  return UNANSWERED;
}

/** One pass over the plan; undefined when it found nothing to end the search with (a later round may wait). */
async function searchRound<T>(
  deps: SearchDeps,
  s: Search<T>,
  steps: TierStep[],
  round: Round,
): Promise<SearchEnd<T> | undefined> {
  for (const step of steps) {
    if (step.fallback) {
      s.pendingReason = `fallback: ${step.tier} tier`;
      s.notes.push(s.pendingReason);
    }
    const { candidates, notes } = deps.candidates(step.tier, s.system, s.req.prompt, s.maxOut);
    s.notes.push(...notes);
    let escalated = false;
    for (const c of candidates) {
      const o = await tryCandidate(deps, s, c, step, round);
      if (o.kind === 'answer' || o.kind === 'over-budget') return o;
      if (o.kind === 'settled') return UNANSWERED;
      if (o.kind === 'escalate') {
        escalated = true;
        break;
      }
    }
    if (!escalated && step.escalates) {
      // The whole tier failed on provider trouble: the cascade still has stronger tiers to try.
      s.pendingReason = `escalated: ${step.tier} unavailable`;
      s.notes.push(s.pendingReason);
      deps.stats.escalations += 1;
    }
  }
  return undefined;
}
