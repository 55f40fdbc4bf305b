// The one price table. List prices in USD per 1M tokens (standard tier, text), each entry naming its source and
// the date it was read; PRICES_AS_OF is the newest of those dates. Output prices include thinking / reasoning
// tokens (both providers bill them as output). Deprecations and shutdown dates come from the providers' own
// deprecation pages; from a model's shutdown date the router refuses it (the endpoint is gone, and a silently
// rerouted model would be billed at another rate).
// flow.yml `llm.prices` and a JSON file named by BATON_PRICES_FILE override or extend the table; a model that is in
// none of them is refused (never treated as free), because a wrong price silently breaks every cap and budget.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PriceSchema, type LlmConfig } from './config-schema.js';
import { errorMessage } from '../ops/errors.js';

export type Price = z.infer<typeof PriceSchema>;

export const PRICES_AS_OF = '2026-11-06';

const OPENAI = 'developers.openai.com/api/docs/pricing, read 2026-11-05 (as reported 2026-11-06 by api-evangelist)';
const OPENAI_OLD = 'developers.openai.com/api/docs/pricing (legacy models), read 2026-03-01';
const GEMINI = 'ai.google.dev/gemini-api/docs/pricing, read 2026-03-03';
const GEMINI_DEPR = 'ai.google.dev/gemini-api/docs/deprecations, read 2026-03-22';
const M = 1_047_576; // the 1M-token context window OpenAI publishes
const G = 1_048_576; // Google's

/** A shipped price also says where it came from and when. */
export type ShippedPrice = Price & { source: string };

export const PRICES: Readonly<Record<string, ShippedPrice>> = {
  // OpenAI: current GPT-5.4 family (released 2026-03-05, mini/nano 2026-03-17) and the GPT-5.5 flagship.
  'openai/gpt-5.5': { input: 5, output: 30, cached_input: 0.5, context: M, source: OPENAI },
  'openai/gpt-5.4': {
    input: 2.5,
    output: 15,
    cached_input: 0.25,
    context: M,
    // Input beyond 272k tokens is billed at 2×, output at 1.5× (OpenAI model page for gpt-5.4).
    long_context: { above: 272_000, input: 5, output: 22.5, cached_input: 0.5 },
    source: OPENAI,
  },
  'openai/gpt-5.4-mini': { input: 0.75, output: 4.5, cached_input: 0.075, context: 400_000, source: OPENAI },
  'openai/gpt-5.4-nano': { input: 0.2, output: 1.25, cached_input: 0.02, context: 400_000, source: OPENAI },
  'openai/gpt-5-nano': {
    input: 0.05,
    output: 0.4,
    cached_input: 0.005,
    context: 400_000,
    deprecated: '2026-03-17',
    replacement: 'openai/gpt-5.4-nano',
    source: 'developers.openai.com/api/docs/models/gpt-5-nano ("Deprecated"), read 2026-11-05',
  },
  'openai/gpt-4.1': { input: 2, output: 8, cached_input: 0.5, context: M, source: OPENAI_OLD },
  'openai/gpt-4.1-mini': { input: 0.4, output: 1.6, cached_input: 0.1, context: M, source: OPENAI_OLD },
  'openai/gpt-4.1-nano': { input: 0.1, output: 0.4, cached_input: 0.025, context: M, source: OPENAI_OLD },
  'openai/gpt-4o': {
    input: 2.5,
    output: 10,
    cached_input: 1.25,
    context: 128_000,
    deprecated: '2026-06-01',
    replacement: 'openai/gpt-5.4',
    source: `${OPENAI_OLD}; no longer listed on the June 2026 pricing page`,
  },
  'openai/gpt-4o-mini': {
    input: 0.15,
    output: 0.6,
    cached_input: 0.075,
    context: 128_000,
    deprecated: '2026-06-01',
    replacement: 'openai/gpt-5.4-mini',
    source: `${OPENAI_OLD}; no longer listed on the June 2026 pricing page`,
  },
  // Gemini 3.x: current family.
  'gemini/gemini-3.1-pro-preview': {
    input: 2,
    output: 12,
    cached_input: 0.2,
    context: G,
    long_context: { above: 200_000, input: 4, output: 18, cached_input: 0.4 },
    source: GEMINI,
  },
  'gemini/gemini-3-flash-preview': { input: 0.5, output: 3, cached_input: 0.05, context: G, source: GEMINI },
  'gemini/gemini-3.1-flash-lite': { input: 0.25, output: 1.5, cached_input: 0.025, context: G, source: GEMINI },
  // Gemini 2.x: deprecated, with the shutdown dates of Google's deprecation page.
  'gemini/gemini-2.5-pro': {
    input: 1.25,
    output: 10,
    cached_input: 0.125,
    context: G,
    long_context: { above: 200_000, input: 2.5, output: 15, cached_input: 0.25 },
    deprecated: '2025-11-18',
    shutdown: '2026-06-17',
    replacement: 'gemini/gemini-3.1-pro-preview',
    source: `${GEMINI}; ${GEMINI_DEPR}`,
  },
  'gemini/gemini-2.5-flash': {
    input: 0.3,
    output: 2.5,
    cached_input: 0.03,
    context: G,
    deprecated: '2025-12-17',
    shutdown: '2026-06-17',
    replacement: 'gemini/gemini-3-flash-preview',
    source: `${GEMINI}; ${GEMINI_DEPR}`,
  },
  'gemini/gemini-2.5-flash-lite': {
    input: 0.1,
    output: 0.4,
    cached_input: 0.01,
    context: G,
    deprecated: '2026-03-03',
    shutdown: '2026-07-22',
    replacement: 'gemini/gemini-3.1-flash-lite',
    source: `${GEMINI}; ${GEMINI_DEPR}`,
  },
  'gemini/gemini-2.0-flash': {
    input: 0.1,
    output: 0.4,
    cached_input: 0.025,
    context: G,
    deprecated: '2025-06-17',
    shutdown: '2026-06-01',
    replacement: 'gemini/gemini-2.5-flash',
    source: `${GEMINI_DEPR} ("earliest February 2026"); turned off 2026-06-01 (returns 404)`,
  },
  'gemini/gemini-2.0-flash-lite': {
    input: 0.075,
    output: 0.3,
    context: G,
    deprecated: '2025-06-17',
    shutdown: '2026-06-01',
    replacement: 'gemini/gemini-2.5-flash-lite',
    source: `${GEMINI_DEPR} ("earliest February 2026"); turned off 2026-06-01`,
  },
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
      `BATON_PRICES_FILE=${path} could not be read as JSON (${errorMessage(e)}). Fix the file or unset the variable.`,
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
  /** BATON_PRICES_FILE (the typed config's `llm.pricesFile`). */
  pricesFile: string | undefined,
  read?: (p: string) => string,
): PriceTable {
  const file = pricesFile ? readPricesFile(pricesFile, read) : {};
  return { ...PRICES, ...file, ...(config?.prices ?? {}) };
}

export function priceOf(table: PriceTable, model: string): Price {
  const p = table[model];
  if (!p) throw new UnknownPriceError(model);
  return p;
}

/** Why a model may not be called on `nowMs` (its shutdown date has come), or undefined when it may. */
export function shutdownReason(model: string, price: Price, nowMs: number): string | undefined {
  if (!price.shutdown || nowMs < Date.parse(`${price.shutdown}T00:00:00Z`)) return undefined;
  return `${model} was shut down by its provider on ${price.shutdown}${price.replacement ? `; use ${price.replacement}` : ''}`;
}

/** A note for answers from a deprecated (not yet shut down) model. */
export function deprecationNote(model: string, price: Price): string | undefined {
  if (!price.deprecated) return undefined;
  return `deprecated: ${model} since ${price.deprecated}${price.replacement ? `; move to ${price.replacement}` : ''}`;
}

/** The rates that apply to a call with `promptTokens` (long-context rates above their threshold). */
export function ratesFor(price: Price, promptTokens: number): { input: number; output: number; cached: number } {
  const long = price.long_context && promptTokens > price.long_context.above ? price.long_context : undefined;
  const input = long?.input ?? price.input;
  return {
    input,
    output: long?.output ?? price.output,
    cached: long ? (long.cached_input ?? long.input) : (price.cached_input ?? price.input),
  };
}

/**
 * USD for a call. `tokensIn` is the whole prompt (cached tokens included, as both providers report it); `tokensOut`
 * is every billed output token: the answer plus thinking / reasoning tokens.
 */
export function costUsd(price: Price, tokensIn: number, tokensOut: number, cachedIn = 0): number {
  const r = ratesFor(price, tokensIn);
  const cached = Math.min(Math.max(0, cachedIn), tokensIn);
  return ((tokensIn - cached) * r.input + cached * r.cached + tokensOut * r.output) / 1_000_000;
}
