// Token counts used BEFORE a call (to pick a model, check the context window and reserve the worst-case cost).
// OpenAI: exact o200k_base counts (gpt-4o / gpt-4.1 family) plus the chat framing. Gemini has no offline
// tokenizer; its SentencePiece vocabulary yields counts close to o200k on English and code, so we take the o200k
// count × 1.1 (a safety factor, rounded up) so the estimate errs on the expensive side. After a call the
// provider's own usage fields are what we bill.
import { countTokens } from 'gpt-tokenizer';

export const GEMINI_SAFETY_FACTOR = 1.1;
/** Chat framing per message (role markers) and per reply priming, as OpenAI documents for its chat models. */
export const CHAT_OVERHEAD_PER_MESSAGE = 4;
export const CHAT_OVERHEAD_REPLY = 3;

// Text may contain special-token lookalikes ("<|endoftext|>" in a diff); count them as plain text instead of throwing.
const PLAIN = { disallowedSpecial: new Set<string>() };

export function countText(text: string): number {
  return text ? countTokens(text, PLAIN) : 0;
}

/** Tokens of a system + user prompt as the provider will bill them (an upper estimate for Gemini). */
export function countPromptTokens(provider: string, system: string, prompt: string): number {
  const base = countText(system) + countText(prompt) + 2 * CHAT_OVERHEAD_PER_MESSAGE + CHAT_OVERHEAD_REPLY;
  return provider === 'gemini' ? Math.ceil(base * GEMINI_SAFETY_FACTOR) : base;
}
