// The models of one tier that may answer a request, cheapest worst case first. No I/O (the clock is injected): a
// model is left out, with a note saying why, when its provider has no key (silently), it is shut down, the request
// would not fit its context window, or its worst case could pass the $/1k cap. Health (breakers, 429 cool-downs) is
// the router's business.
import { DEFAULT_CONTEXT, costUsd, priceOf, shutdownReason, type Price, type PriceTable } from './prices.js';
import type { Provider } from './providers/types.js';
import { countPromptTokens } from './tokens.js';

export interface Candidate {
  id: string; // provider/model
  provider: Provider;
  model: string;
  price: Price;
  promptTokens: number;
  worstUsd: number;
  worstPer1k: number;
}

export interface CandidateEnv {
  providers: Record<string, Provider>;
  prices: PriceTable;
  /** $ per 1k tokens no call may pass. */
  cap: number;
  now: () => number;
}

function splitModel(id: string): { provider: string; model: string } {
  const i = id.indexOf('/');
  if (i <= 0)
    throw new Error(`LLM model "${id}" must be written "provider/model" (e.g. "openai/gpt-4.1-mini") in llm.tiers.`);
  return { provider: id.slice(0, i), model: id.slice(i + 1) };
}

export function candidatesFor(
  models: readonly string[],
  env: CandidateEnv,
  system: string,
  prompt: string,
  maxOut: number,
): { candidates: Candidate[]; notes: string[] } {
  const { providers, prices, cap } = env;
  const out: Candidate[] = [];
  const notes: string[] = [];
  for (const id of models) {
    const { provider: pname, model } = splitModel(id);
    const provider = providers[pname];
    if (!provider?.available) continue; // no key: silently not a candidate
    const price = priceOf(prices, id);
    const gone = shutdownReason(id, price, env.now());
    if (gone) {
      notes.push(`skip: ${gone}`);
      continue;
    }
    const promptTokens = countPromptTokens(pname, system, prompt);
    if (promptTokens + maxOut > (price.context ?? DEFAULT_CONTEXT)) {
      notes.push(`skip: ${id} context ${price.context ?? DEFAULT_CONTEXT} < ${promptTokens + maxOut} tokens`);
      continue;
    }
    const worstUsd = costUsd(price, promptTokens, maxOut);
    const worstPer1k = (worstUsd / (promptTokens + maxOut)) * 1000;
    if (worstPer1k > cap) {
      notes.push(`skip: ${id} worst case $${worstPer1k.toFixed(4)}/1k > cap $${cap}/1k`);
      continue;
    }
    out.push({ id, provider, model, price, promptTokens, worstUsd, worstPer1k });
  }
  // Stable sort keeps the configured order among equally priced models.
  return { candidates: out.sort((a, b) => a.worstUsd - b.worstUsd), notes };
}
