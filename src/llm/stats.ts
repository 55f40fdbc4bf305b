// The router's counters since it was created: what `CostRouter.stats()` reports.

export interface RouterStats {
  providerCalls: number;
  cacheHits: number;
  offlineAnswers: number;
  escalations: number;
  fallbacks: number;
  stepDowns: number;
  budgetRefusals: number;
  /** Calls whose ACTUAL cost per 1k tokens passed the cap, or that returned more than max_tokens. */
  capViolations: number;
  /** Schema-valid answers the task's own check rejected. */
  checkRejections: number;
  /** Thinking / reasoning tokens billed (already inside the output tokens). */
  thinkingTokens: number;
  spentUsd: number;
}

export function emptyStats(): RouterStats {
  return {
    providerCalls: 0,
    cacheHits: 0,
    offlineAnswers: 0,
    escalations: 0,
    fallbacks: 0,
    stepDowns: 0,
    budgetRefusals: 0,
    capViolations: 0,
    checkRejections: 0,
    thinkingTokens: 0,
    spentUsd: 0,
  };
}
