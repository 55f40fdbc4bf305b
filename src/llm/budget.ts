// Budget scopes for a request: monthly org and repo budgets, and the optional per-run budget.
import type { BudgetScope } from '../store/types.js';
import type { LlmConfig } from './config-schema.js';

export type LimitedScope = BudgetScope & { limitUsd: number };

/** Share of a budget after which the router steps down a tier. */
export const STEP_DOWN_AT = 0.8;

export function monthOf(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 7);
}

export function budgetScopes(
  budgets: LlmConfig['budgets'],
  who: { org: string; repo: string; issue?: number; pr?: number },
  nowMs: number,
): LimitedScope[] {
  if (!budgets) return [];
  const period = monthOf(nowMs);
  const scopes: LimitedScope[] = [];
  if (budgets.org_monthly_usd !== undefined)
    scopes.push({ scope: `org:${who.org}`, period, limitUsd: budgets.org_monthly_usd });
  if (budgets.repo_monthly_usd !== undefined)
    scopes.push({ scope: `repo:${who.repo}`, period, limitUsd: budgets.repo_monthly_usd });
  const run = who.issue ?? who.pr;
  if (budgets.run_usd !== undefined && run !== undefined)
    scopes.push({ scope: `run:${who.repo}#${run}`, period: 'all', limitUsd: budgets.run_usd });
  return scopes;
}
