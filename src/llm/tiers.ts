// Default tiers and tasks, merged with flow.yml `llm.tiers` / `llm.tasks`.
import { TIERS, type LlmConfig, type Tier } from './config-schema.js';

/** Candidates per tier (`provider/model`); the router sorts them by worst-case cost for each request. */
export const DEFAULT_TIERS: Readonly<Record<Tier, readonly string[]>> = {
  economy: ['openai/gpt-4.1-nano', 'openai/gpt-4o-mini', 'gemini/gemini-2.0-flash', 'gemini/gemini-2.5-flash-lite'],
  standard: ['openai/gpt-4.1-mini', 'gemini/gemini-2.5-flash'],
  strong: ['openai/gpt-4.1', 'openai/gpt-4o', 'gemini/gemini-2.5-pro'],
};

export interface TaskPolicy {
  tier: Tier;
  maxOutputTokens: number;
  cascade: boolean;
}

export const DEFAULT_TASKS: Readonly<Record<string, TaskPolicy>> = {
  risk: { tier: 'strong', maxOutputTokens: 800, cascade: false },
  docs: { tier: 'standard', maxOutputTokens: 1500, cascade: false },
  digest: { tier: 'economy', maxOutputTokens: 1000, cascade: false },
  summary: { tier: 'economy', maxOutputTokens: 500, cascade: false },
};
/** A task nobody configured: cheap and short. */
export const FALLBACK_TASK: TaskPolicy = { tier: 'economy', maxOutputTokens: 500, cascade: false };

export function tierCandidates(config: LlmConfig | undefined, tier: Tier): string[] {
  return [...(config?.tiers?.[tier] ?? DEFAULT_TIERS[tier])];
}

export function taskPolicy(config: LlmConfig | undefined, task: string): TaskPolicy {
  const base = DEFAULT_TASKS[task] ?? FALLBACK_TASK;
  const o = config?.tasks?.[task];
  return {
    tier: o?.tier ?? base.tier,
    maxOutputTokens: o?.max_output_tokens ?? base.maxOutputTokens,
    cascade: o?.cascade ?? base.cascade,
  };
}

export function tierIndex(t: Tier): number {
  return TIERS.indexOf(t);
}
export function lowerTier(t: Tier): Tier {
  return TIERS[Math.max(0, tierIndex(t) - 1)]!;
}
/** economy … `top`, in order: the cascade's ladder. */
export function tiersUpTo(top: Tier): Tier[] {
  return TIERS.slice(0, tierIndex(top) + 1) as Tier[];
}
