// The one price table. List prices in USD per 1M tokens, taken from the providers' published pricing pages
// (OpenAI API pricing, Google Gemini API pricing — standard tier, prompts ≤ 200k tokens) on PRICES_AS_OF.
// flow.yml `llm.prices` and a JSON file named by BATON_PRICES_FILE override or extend it; a model that is in none
// of them is refused (never treated as free), because a wrong price silently breaks every cap and budget.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PriceSchema, type LlmConfig } from './config-schema.js';

export type Price = z.infer<typeof PriceSchema>;

export const PRICES_AS_OF = '2026-03-01';

const M = 1_047_576; // the 1M-token context window OpenAI and Google publish for these models
export const PRICES: Readonly<Record<string, Price>> = {
  'openai/gpt-4o': { input: 2.5, output: 10, cached_input: 1.25, context: 128_000 },
  'openai/gpt-4o-mini': { input: 0.15, output: 0.6, cached_input: 0.075, context: 128_000 },
  'openai/gpt-4.1': { input: 2, output: 8, cached_input: 0.5, context: M },
  'openai/gpt-4.1-mini': { input: 0.4, output: 1.6, cached_input: 0.1, context: M },
  'openai/gpt-4.1-nano': { input: 0.1, output: 0.4, cached_input: 0.025, context: M },
  'gemini/gemini-2.0-flash': { input: 0.1, output: 0.4, cached_input: 0.025, context: 1_048_576 },
  'gemini/gemini-2.0-flash-lite': { input: 0.075, output: 0.3, context: 1_048_576 },
  'gemini/gemini-2.5-flash-lite': { input: 0.1, output: 0.4, cached_input: 0.01, context: 1_048_576 },
  'gemini/gemini-2.5-flash': { input: 0.3, output: 2.5, cached_input: 0.03, context: 1_048_576 },
  'gemini/gemini-2.5-pro': { input: 1.25, output: 10, cached_input: 0.125, context: 1_048_576 },
};

/** Context window assumed when a price override gives none: the smallest window in the table, to stay safe. */
export const DEFAULT_CONTEXT = 128_000;

export type PriceTable = Record<string, Price>;

export class UnknownPriceError extends Error {
  constructor(readonly model: string) {
    super(
      `No price is known for LLM model "${model}", so Baton will not use it (an unpriced model would bypass caps and budgets). ` +
        `Fix: add it under \`llm.prices\` in .github/flow.yml, e.g.\n  llm:\n    prices:\n      "${model}": { input: 0.5, output: 1.5, context: 128000 }\n` +
        `(USD per 1M tokens), or list it in the JSON file named by BATON_PRICES_FILE.`,
    );
    this.name = 'UnknownPriceError';
  }
}

/** Reads the BATON_PRICES_FILE JSON (`{"provider/model": {input, output, ...}}`); errors name the file and the fix. */
export function readPricesFile(path: string, read: (p: string) => string = (p) => readFileSync(p, 'utf8')): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(read(path));
  } catch (e) {
    throw new Error(
      `BATON_PRICES_FILE=${path} could not be read as JSON (${(e as Error).message}). Fix the file or unset the variable.`,
    );
  }
  const parsed = z.record(z.string(), PriceSchema).safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `BATON_PRICES_FILE=${path} is not a price table: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}. ` +
        `Expected {"provider/model": {"input": <USD/1M>, "output": <USD/1M>, "cached_input"?: n, "context"?: n}}.`,
    );
  }
  return parsed.data;
}

/** Shipped table, then the prices file, then flow.yml (the repo's own word wins). */
export function loadPrices(
  config: LlmConfig | undefined,
  env: Record<string, string | undefined>,
  read?: (p: string) => string,
): PriceTable {
  const file = env.BATON_PRICES_FILE ? readPricesFile(env.BATON_PRICES_FILE, read) : {};
  return { ...PRICES, ...file, ...(config?.prices ?? {}) };
}

export function priceOf(table: PriceTable, model: string): Price {
  const p = table[model];
  if (!p) throw new UnknownPriceError(model);
  return p;
}

/** USD for a call; cached input tokens are billed at the cached rate when the model has one. */
export function costUsd(price: Price, tokensIn: number, tokensOut: number, cachedIn = 0): number {
  const fresh = Math.max(0, tokensIn - cachedIn);
  const cachedRate = price.cached_input ?? price.input;
  return (fresh * price.input + cachedIn * cachedRate + tokensOut * price.output) / 1_000_000;
}
