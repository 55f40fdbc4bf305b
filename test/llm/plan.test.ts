import { planTiers, retryWait, stepDownFor, type TierPlan } from '../../src/llm/plan.js';

const tiers = (p: TierPlan) =>
  p.steps.map((s) => `${s.tier}${s.escalates ? '↑' : ''}${s.fallback ? ' (fallback)' : ''}`);
const orgBudget = { scope: 'org:acme', period: '2026-03', limitUsd: 10 };

describe('planTiers', () => {
  it('a single tier falls back to the cheaper tiers, cheapest last, and to no stronger one', () => {
    const p = planTiers({ cascade: false, adaptive: false }, 'strong', undefined);
    expect(tiers(p)).toEqual(['strong', 'standard (fallback)', 'economy (fallback)']);
    expect(p.notes).toEqual([]);
    expect(p.reason).toBeUndefined();
  });

  it('a single lower tier may fall back to stronger tiers when no budget stepped it down', () => {
    const p = planTiers({ cascade: false, adaptive: false }, 'standard', undefined);
    expect(tiers(p)).toEqual(['standard', 'economy (fallback)', 'strong (fallback)']);
  });

  it('a cascade climbs from economy to the task tier, escalating below its top', () => {
    const p = planTiers({ cascade: true, adaptive: false }, 'strong', undefined);
    expect(tiers(p)).toEqual(['economy↑', 'standard↑', 'strong']);
    expect(p.notes).toEqual(['start: economy (cascade)']);
  });

  it('a cascade stepped down by a budget stops a tier lower and never falls back to a stronger one', () => {
    const down = stepDownFor(orgBudget, { spentUsd: 8, reservedUsd: 0.5 }, 'strong')!;
    const p = planTiers({ cascade: true, adaptive: false }, 'strong', undefined, down);
    expect(tiers(p)).toEqual(['economy↑', 'standard']);
    expect(p.notes).toEqual(['step-down: budget org:acme at 85% (strong → standard)', 'start: economy (cascade)']);
    expect(p.reason).toBe('step-down: budget org:acme at 85% (strong → standard)');
  });

  it('an economy task with a budget near its limit never falls back to a stronger tier', () => {
    const near = stepDownFor(orgBudget, { spentUsd: 9.5, reservedUsd: 0 }, 'economy')!;
    expect(tiers(planTiers({ cascade: false, adaptive: false }, 'economy', undefined, near))).toEqual(['economy']);
    expect(tiers(planTiers({ cascade: false, adaptive: false }, 'economy', undefined))).toEqual([
      'economy',
      'standard (fallback)',
      'strong (fallback)',
    ]);
  });

  it('a cascade below strong keeps strong as a fallback when no budget stepped it down', () => {
    const p = planTiers({ cascade: true, adaptive: false }, 'standard', undefined);
    expect(tiers(p)).toEqual(['economy↑', 'standard', 'strong (fallback)']);
  });

  it('an adaptive cascade starts at the tier the difficulty calls for, never above the top', () => {
    const hard = planTiers({ cascade: true, adaptive: true }, 'strong', 0.6);
    expect(tiers(hard)).toEqual(['standard↑', 'strong', 'economy (fallback)']);
    expect(hard.notes).toEqual(['start: standard (difficulty 0.60)']);
    const capped = planTiers({ cascade: true, adaptive: true }, 'standard', 0.99);
    expect(tiers(capped)).toEqual(['standard', 'economy (fallback)', 'strong (fallback)']);
    expect(capped.notes).toEqual([]);
  });

  it('an adaptive task without a difficulty starts where a cascade would', () => {
    expect(tiers(planTiers({ cascade: true, adaptive: true }, 'standard', undefined))).toEqual([
      'economy↑',
      'standard',
      'strong (fallback)',
    ]);
  });
});

describe('stepDownFor', () => {
  it('steps down from 80% of a budget, counting reservations as spent', () => {
    expect(stepDownFor(orgBudget, { spentUsd: 7.9, reservedUsd: 0 }, 'strong')).toBeUndefined();
    expect(stepDownFor(orgBudget, { spentUsd: 6, reservedUsd: 2 }, 'standard')).toEqual({
      tier: 'economy',
      note: 'step-down: budget org:acme at 80% (standard → economy)',
    });
  });

  it('at economy it stays there but still says the budget is near', () => {
    expect(stepDownFor(orgBudget, { spentUsd: 9.5, reservedUsd: 0 }, 'economy')).toEqual({
      tier: 'economy',
      note: 'step-down: budget org:acme at 95%',
    });
  });
});

describe('retryWait', () => {
  const now = () => 10_000;
  it('waits for the first cool-down to end, within the request’s total allowance', () => {
    const cooling = new Map([
      ['openai/gpt-4.1-nano', 13_000],
      ['gemini/gemini-2.0-flash', 12_000],
    ]);
    expect(retryWait(cooling, now, 0, 5_000)).toBe(2_000);
    expect(retryWait(cooling, now, 3_500, 5_000)).toBe(undefined);
    expect(retryWait(new Map([['m', 9_000]]), now, 0, 5_000)).toBe(0);
  });

  it('does not wait when nothing was cooling down', () => {
    expect(retryWait(new Map(), now, 0, 5_000)).toBeUndefined();
  });
});
