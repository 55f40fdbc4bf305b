// Which tiers one request tries, in what order, and what each may do: pure (the task's policy, the tier asked for,
// the request's difficulty and any budget step-down in; the plan and its notes out), so the ladder a cascade climbs
// can be read and tested without a provider, a store or a clock. The router does the reading and the calling.
import { STEP_DOWN_AT, type LimitedScope } from './budget.js';
import { TIERS, type TaskPolicy, type Tier } from './config-schema.js';
import { lowerTier, minTier, tierForDifficulty, tierIndex, tiersBetween } from './tiers.js';

/** A budget past STEP_DOWN_AT: the tier the request may still use, and the note that says why. */
export interface StepDown {
  tier: Tier;
  note: string;
}

export interface TierStep {
  tier: Tier;
  /** Past the ladder: tried only because provider trouble exhausted it, so trying it is announced as a fallback. */
  fallback: boolean;
  /** A cascade below its top: a failed answer (or a whole tier failing) climbs to the next tier. */
  escalates: boolean;
}

export interface TierPlan {
  steps: TierStep[];
  /** In order: the step-down, then where the ladder starts when that is not its top. */
  notes: string[];
  /** Why the first call is not the first choice (the step-down), for its ledger entry. */
  reason?: string;
}

/**
 * The step-down one budget calls for, given what it has spent and reserved; undefined below STEP_DOWN_AT. Only for a
 * positive limit (a zero budget refuses at the reservation instead). At the lowest tier it still steps "down" to the
 * same tier: the note and the stats say the budget is near.
 */
export function stepDownFor(
  s: LimitedScope,
  usage: { spentUsd: number; reservedUsd: number },
  tier: Tier,
): StepDown | undefined {
  const share = (usage.spentUsd + usage.reservedUsd) / s.limitUsd;
  if (share >= STEP_DOWN_AT) {
    const lower = lowerTier(tier);
    return {
      tier: lower,
      note: `step-down: budget ${s.scope} at ${Math.round(share * 100)}%${lower === tier ? '' : ` (${tier} → ${lower})`}`,
    };
  }
  return undefined;
}

export function planTiers(
  policy: Pick<TaskPolicy, 'cascade' | 'adaptive'>,
  requested: Tier,
  difficulty: number | undefined,
  stepDown?: StepDown,
): TierPlan {
  const notes = stepDown ? [stepDown.note] : [];
  const top = stepDown?.tier ?? requested;
  // Where to start: the tier the difficulty calls for (adaptive), else economy for a cascade, else the task's tier.
  const start =
    policy.adaptive && difficulty !== undefined
      ? minTier(tierForDifficulty(difficulty), top)
      : policy.cascade
        ? 'economy'
        : top;
  if (start !== top)
    notes.push(`start: ${start} (${difficulty !== undefined ? `difficulty ${difficulty.toFixed(2)}` : 'cascade'})`);
  const ladder = policy.cascade ? tiersBetween(start, top) : [start];
  // When provider trouble exhausts the ladder, other tiers come before offline: cheaper ones first, stronger
  // ones only when no budget step-down happened (the cap and the budget reservation still guard each call). A
  // budget near its limit at economy "steps down" to economy itself: that is a step-down too.
  const spare = TIERS.filter((x) => !ladder.includes(x) && tierIndex(x) < tierIndex(top)).reverse();
  if (!stepDown) spare.push(...TIERS.filter((x) => !ladder.includes(x) && tierIndex(x) > tierIndex(top)));
  const steps = [
    ...ladder.map((tier, i) => ({ tier, fallback: false, escalates: policy.cascade && i < ladder.length - 1 })),
    ...spare.map((tier) => ({ tier, fallback: true, escalates: false })),
  ];
  return { steps, notes, ...(stepDown ? { reason: stepDown.note } : {}) };
}

/**
 * After a round in which some models were only cooling down after a 429: how long to wait for the first of them, or
 * undefined when none was or the wait would take the request past `maxWaitMs` in all (offline is better then).
 */
export function retryWait(
  coolingUntil: ReadonlyMap<string, number>,
  now: () => number,
  waitedMs: number,
  maxWaitMs: number,
): number | undefined {
  if (coolingUntil.size === 0) return undefined;
  const waitMs = Math.max(0, Math.min(...coolingUntil.values()) - now());
  return waitedMs + waitMs > maxWaitMs ? undefined : waitMs;
}
