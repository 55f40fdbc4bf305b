// The free, deterministic, always-available model: it returns the request's own offline() answer.
import type { Provider, ProviderAnswer, ProviderCall } from './types.js';

export const OFFLINE_MODEL = 'offline/rules';

export function offlineText(answer: unknown): string {
  return typeof answer === 'string' ? answer : JSON.stringify(answer);
}

export function createOfflineProvider(): Provider {
  return {
    name: 'offline',
    available: true,
    async complete(call: ProviderCall): Promise<ProviderAnswer> {
      const answer = call.offline ? call.offline() : '';
      return { text: offlineText(answer), tokensIn: 0, tokensOut: 0 };
    },
  };
}
