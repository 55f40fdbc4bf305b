// Tier arithmetic and the difficulty → tier rule. Defaults (tiers, task policies) live in config-schema.ts.
import { TIERS, resolveLlmConfig, type LlmConfig, type TaskPolicy, type Tier } from './config-schema.js';

export { DEFAULT_TIERS, DEFAULT_TASKS, FALLBACK_TASK, type TaskPolicy } from './config-schema.js';

export function tierCandidates(config: LlmConfig | undefined, tier: Tier): string[] {
  return resolveLlmConfig(config).tiers[tier];
}

export function taskPolicy(config: LlmConfig | undefined, task: string): TaskPolicy {
  return resolveLlmConfig(config).task(task);
}

export function tierIndex(t: Tier): number {
  return TIERS.indexOf(t);
}
export function lowerTier(t: Tier): Tier {
  return TIERS[Math.max(0, tierIndex(t) - 1)]!;
}
/** `from` … `to`, in order: the cascade's ladder. */
export function tiersBetween(from: Tier, to: Tier): Tier[] {
  return TIERS.slice(Math.min(tierIndex(from), tierIndex(to)), tierIndex(to) + 1) as Tier[];
}
export function minTier(a: Tier, b: Tier): Tier {
  return tierIndex(a) <= tierIndex(b) ? a : b;
}

/**
 * Difficulty (0 easy … 1 hard, from the task: size, spread, offline risk level) at or above which a request starts
 * on the standard / strong tier. Calibrated on the router bench's committed set (`npm run bench -- router`): starting
 * higher than this buys little quality, since a failed check escalates anyway; starting strong only for the hardest
 * requests keeps the quality of the strong tier where cheaper answers would slip past the checks.
 */
export const DIFFICULTY_STANDARD_AT = 0.5;
export const DIFFICULTY_STRONG_AT = 0.95;

export function tierForDifficulty(d: number): Tier {
  if (d >= DIFFICULTY_STRONG_AT) return 'strong';
  if (d >= DIFFICULTY_STANDARD_AT) return 'standard';
  return 'economy';
}
