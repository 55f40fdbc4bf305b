// Gemini generateContent through @google/generative-ai. The SDK's own `timeout` leaves a timer running after the
// call, so we abort through `signal` with a timer we clear ourselves.
import {
  GoogleGenerativeAI,
  GoogleGenerativeAIAbortError,
  GoogleGenerativeAIFetchError,
  GoogleGenerativeAIResponseError,
} from '@google/generative-ai';
import {
  ProviderError,
  errorKindForStatus,
  parseRetryAfter,
  type Provider,
  type ProviderAnswer,
  type ProviderCall,
} from './types.js';
import { errorMessage } from '../../ops/errors.js';

export interface GeminiProviderOptions {
  apiKey?: string;
  /** Root URL (the SDK appends `/v1beta/models/...`). */
  baseUrl?: string;
  now?: () => number;
}

export function createGeminiProvider(opts: GeminiProviderOptions): Provider {
  const now = opts.now ?? Date.now;
  const sdk = opts.apiKey ? new GoogleGenerativeAI(opts.apiKey) : undefined;
  return {
    name: 'gemini',
    available: !!sdk,
    async complete(call: ProviderCall): Promise<ProviderAnswer> {
      if (!sdk) throw new ProviderError('auth', 'GEMINI_API_KEY (or GOOGLE_API_KEY) is not set');
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), call.timeoutMs);
      try {
        const model = sdk.getGenerativeModel(
          {
            model: call.model,
            systemInstruction: call.system,
            generationConfig: {
              maxOutputTokens: call.maxOutputTokens,
              ...(call.json ? { responseMimeType: 'application/json' } : {}),
            },
          },
          opts.baseUrl ? { baseUrl: opts.baseUrl } : undefined,
        );
        const res = await model.generateContent(
          { contents: [{ role: 'user', parts: [{ text: call.prompt }] }] },
          { signal: controller.signal },
        );
        const r = res.response;
        const text = r.candidates?.[0]?.content?.parts?.map((p) => p.text ?? '').join('');
        const u = r.usageMetadata;
        if (typeof text !== 'string' || !u || typeof u.promptTokenCount !== 'number') {
          throw new ProviderError('malformed', `gemini/${call.model} returned no candidate text or usageMetadata`);
        }
        // Thinking (on by default for 2.5 Flash/Pro and 3.x) is reported apart from the answer, as
        // thoughtsTokenCount, and billed at the output rate ("output price, including thinking tokens"); the SDK's
        // type predates the field. promptTokenCount includes cachedContentTokenCount.
        const thoughts = (u as { thoughtsTokenCount?: number }).thoughtsTokenCount ?? 0;
        return {
          text,
          tokensIn: u.promptTokenCount,
          tokensOut: (u.candidatesTokenCount ?? 0) + thoughts,
          cachedTokensIn: u.cachedContentTokenCount ?? 0,
          thinkingTokens: thoughts,
        };
      } catch (e) {
        throw normaliseGeminiError(e, controller.signal.aborted, now());
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export function normaliseGeminiError(e: unknown, aborted: boolean, nowMs: number): ProviderError {
  if (e instanceof ProviderError) return e;
  if (aborted || e instanceof GoogleGenerativeAIAbortError)
    return new ProviderError('timeout', `gemini: no answer in time (${errorMessage(e)})`);
  if (e instanceof GoogleGenerativeAIFetchError && typeof e.status === 'number') {
    // Google sends the back-off as RetryInfo.retryDelay ("30s") in the error details.
    const info = (e.errorDetails ?? []).find((d) =>
      String((d as { '@type'?: string })['@type'] ?? '').endsWith('RetryInfo'),
    ) as { retryDelay?: string } | undefined;
    return new ProviderError(
      errorKindForStatus(e.status),
      `gemini: ${e.message}`,
      parseRetryAfter(info?.retryDelay, nowMs),
      e.status,
    );
  }
  if (e instanceof GoogleGenerativeAIResponseError) return new ProviderError('malformed', `gemini: ${e.message}`);
  if ((e as Error)?.name === 'SyntaxError')
    return new ProviderError('malformed', `gemini: unparseable response (${errorMessage(e)})`);
  return new ProviderError('server', `gemini: ${errorMessage(e)}`);
}
