// The small interface every provider implements. Providers do ONE attempt (no retries): the router falls back.

export type ProviderErrorKind = 'rate_limit' | 'server' | 'timeout' | 'malformed' | 'auth' | 'bad_request';

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export interface ProviderCall {
  model: string;
  system: string;
  prompt: string;
  maxOutputTokens: number;
  /** Ask for a JSON answer (the router validates it against the request's schema). */
  json: boolean;
  timeoutMs: number;
  /** Only the offline provider uses it: the request's deterministic answer. */
  offline?: () => unknown;
}

export interface ProviderAnswer {
  text: string;
  /** From the provider's usage fields (what it bills): the whole prompt, cached tokens included. */
  tokensIn: number;
  /** Every billed output token: the answer plus thinking / reasoning tokens. */
  tokensOut: number;
  cachedTokensIn?: number;
  /** The thinking / reasoning share of tokensOut (already included in it). */
  thinkingTokens?: number;
}

export interface Provider {
  readonly name: string;
  /** False when its key is missing: the router skips it. */
  readonly available: boolean;
  complete(call: ProviderCall): Promise<ProviderAnswer>;
}

/** Seconds or an HTTP date, as in RFC 9110 Retry-After; also Google's RetryInfo "30s". */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  const secs = /^(\d+(?:\.\d+)?)s?$/.exec(v);
  if (secs) return Math.round(Number(secs[1]) * 1000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export function errorKindForStatus(status: number): ProviderErrorKind {
  if (status === 429) return 'rate_limit';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  return 'bad_request';
}
