// OpenAI chat completions through the official SDK. maxRetries 0: the router owns retries and fallback.
import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import {
  ProviderError,
  errorKindForStatus,
  parseRetryAfter,
  type Provider,
  type ProviderAnswer,
  type ProviderCall,
} from './types.js';
import { errorMessage } from '../../ops/errors.js';

export interface OpenAiProviderOptions {
  apiKey?: string;
  baseURL?: string;
  now?: () => number;
}

export function createOpenAiProvider(opts: OpenAiProviderOptions): Provider {
  const now = opts.now ?? Date.now;
  const client = opts.apiKey ? new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0 }) : undefined;
  return {
    name: 'openai',
    available: !!client,
    async complete(call: ProviderCall): Promise<ProviderAnswer> {
      if (!client) throw new ProviderError('auth', 'OPENAI_API_KEY is not set');
      let res: OpenAI.Chat.Completions.ChatCompletion;
      // Our own timer as well as the SDK's `timeout`: an abort we caused is a timeout whatever error class the
      // SDK wraps it in (it cannot always recognise an AbortError from another realm).
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), call.timeoutMs);
      try {
        res = await client.chat.completions.create(
          {
            model: call.model,
            messages: [
              { role: 'system', content: call.system },
              { role: 'user', content: call.prompt },
            ],
            max_completion_tokens: call.maxOutputTokens,
            ...(call.json ? { response_format: { type: 'json_object' as const } } : {}),
          },
          { timeout: call.timeoutMs, maxRetries: 0, signal: controller.signal },
        );
      } catch (e) {
        if (controller.signal.aborted)
          throw new ProviderError('timeout', `openai/${call.model}: no answer within ${call.timeoutMs} ms`);
        throw normaliseOpenAiError(e, now());
      } finally {
        clearTimeout(timer);
      }
      const text = res?.choices?.[0]?.message?.content;
      const usage = res?.usage;
      if (typeof text !== 'string' || !usage || typeof usage.prompt_tokens !== 'number') {
        throw new ProviderError('malformed', `openai/${call.model} returned no message content or usage`);
      }
      // completion_tokens already includes the reasoning tokens (completion_tokens_details.reasoning_tokens is a
      // breakdown of it, billed as output), so adding them again would double-bill; prompt_tokens includes
      // prompt_tokens_details.cached_tokens, which are billed at the cached rate.
      return {
        text,
        tokensIn: usage.prompt_tokens,
        tokensOut: usage.completion_tokens ?? 0,
        cachedTokensIn: usage.prompt_tokens_details?.cached_tokens ?? 0,
        thinkingTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
      };
    },
  };
}

export function normaliseOpenAiError(e: unknown, nowMs: number): ProviderError {
  if (e instanceof ProviderError) return e;
  if (e instanceof APIConnectionTimeoutError || e instanceof APIUserAbortError)
    return new ProviderError('timeout', `openai: ${errorMessage(e)}`);
  if (e instanceof APIError && typeof e.status === 'number') {
    const retry = e.headers ? parseRetryAfter(e.headers.get('retry-after'), nowMs) : undefined;
    return new ProviderError(errorKindForStatus(e.status), `openai: ${e.status} ${e.message}`, retry, e.status);
  }
  // A body that is not JSON surfaces as a SyntaxError from the SDK's parser.
  if ((e as Error)?.name === 'SyntaxError')
    return new ProviderError('malformed', `openai: unparseable response (${errorMessage(e)})`);
  return new ProviderError('server', `openai: ${errorMessage(e)}`);
}
