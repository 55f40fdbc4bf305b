// Token budgets for the untrusted sections of a prompt (PR body, issue body, commit messages; the diff has its own
// packer). A section over its budget is cut at a token boundary and the cut is reported, so the comment can say
// what the model did not see. Cost is bounded: at most budget × 8 characters are ever tokenized.
import { countText } from '../llm/tokens.js';

export interface Clipped {
  text: string;
  /** Set when something was left out: a sentence for the comment. */
  cut?: string;
}

/** Default budgets in tokens. */
export const SECTION_BUDGETS = { title: 200, body: 2_000, issue: 1_500, commits: 1_500, files: 1_500 } as const;

export function clipTokens(label: string, text: string, budget: number): Clipped {
  if (!text) return { text };
  const window = text.length > budget * 8 ? text.slice(0, budget * 8) : text;
  if (window.length === text.length && countText(window) <= budget) return { text };
  // Longest prefix within the budget: binary search on characters (a few tokenizer calls on bounded text).
  let lo = 0;
  let hi = window.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (countText(window.slice(0, mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  const kept = window.slice(0, lo);
  return {
    text: `${kept}\n[… ${label} cut by Baton: ${text.length - kept.length} more characters not shown]`,
    cut: `${label}: cut to ${budget.toLocaleString('en-US')} tokens (${(text.length - kept.length).toLocaleString('en-US')} characters left out)`,
  };
}
