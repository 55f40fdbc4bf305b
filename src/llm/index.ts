// Public API of the LLM router.
export type { LlmRequest, LlmResult, LlmRouter } from './types.js';
export { LlmConfigSchema, TIERS, type LlmConfig, type Tier } from './config-schema.js';
export {
  createRouter,
  checkPrices,
  DEFAULT_MAX_USD_PER_1K,
  type CostRouter,
  type RouterOptions,
  type RouterStats,
} from './router.js';
export {
  PRICES,
  PRICES_AS_OF,
  loadPrices,
  priceOf,
  costUsd,
  UnknownPriceError,
  type Price,
  type PriceTable,
} from './prices.js';
export { DEFAULT_TIERS, DEFAULT_TASKS, taskPolicy, tierCandidates } from './tiers.js';
export { countPromptTokens, countText, GEMINI_SAFETY_FACTOR } from './tokens.js';
export {
  aggregateLedger,
  runSpend,
  formatReport,
  formatUsd,
  type CostReport,
  type CostRow,
  type CostsBy,
} from './costs.js';
export { Breakers, type BreakerState } from './breaker.js';
export {
  ProviderError,
  type Provider,
  type ProviderCall,
  type ProviderAnswer,
  type ProviderErrorKind,
} from './providers/types.js';
export { createOpenAiProvider } from './providers/openai.js';
export { createGeminiProvider } from './providers/gemini.js';
export { createOfflineProvider } from './providers/offline.js';
