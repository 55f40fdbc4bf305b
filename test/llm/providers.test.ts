// The real SDKs against the fake servers: each failure is normalised to one kind.
import { createGeminiProvider } from '../../src/llm/providers/gemini.js';
import { createOpenAiProvider } from '../../src/llm/providers/openai.js';
import { ProviderError, parseRetryAfter, type Provider } from '../../src/llm/providers/types.js';
import { countPromptTokens } from '../../src/llm/tokens.js';
import { startFakeGemini } from '../support/fake-gemini.js';
import { startFakeOpenAI, type FakeBehavior, type FakeProviderServer } from '../support/fake-openai.js';

const call = {
  model: 'm-1',
  system: 'Be brief.',
  prompt: 'Summarise: the handler now validates input.',
  maxOutputTokens: 64,
  json: false,
  timeoutMs: 300,
};

async function failure(p: Provider, server: FakeProviderServer, b: FakeBehavior): Promise<ProviderError> {
  server.script('*', b);
  try {
    await p.complete(call);
  } catch (e) {
    return e as ProviderError;
  }
  throw new Error('expected a failure');
}

describe.each([
  [
    'openai',
    startFakeOpenAI,
    (url: string) => createOpenAiProvider({ apiKey: 'k', baseURL: `${url}/v1`, now: () => 0 }),
  ],
  ['gemini', startFakeGemini, (url: string) => createGeminiProvider({ apiKey: 'k', baseUrl: url, now: () => 0 })],
] as const)('%s provider', (name, start, make) => {
  let server: FakeProviderServer;
  let p: Provider;
  beforeAll(async () => {
    server = await start();
    p = make(server.url);
  });
  afterAll(() => server.close());

  it('returns the text and the provider-reported usage', async () => {
    const a = await p.complete(call);
    expect(a.text.length).toBeGreaterThan(0);
    expect(a.tokensOut).toBeGreaterThan(0);
    expect(a.tokensOut).toBeLessThanOrEqual(64);
    // Our pre-call estimate never undercounts what the provider bills.
    expect(countPromptTokens(name, call.system, call.prompt)).toBeGreaterThanOrEqual(a.tokensIn);
  });

  it.each([
    [{ kind: 'rate_limit', retryAfterSec: 7 } as FakeBehavior, 'rate_limit', 7000],
    [{ kind: 'server' } as FakeBehavior, 'server', undefined],
    [{ kind: 'server', status: 401 } as FakeBehavior, 'auth', undefined],
    [{ kind: 'server', status: 400 } as FakeBehavior, 'bad_request', undefined],
    [{ kind: 'slow', delayMs: 3000 } as FakeBehavior, 'timeout', undefined],
    [{ kind: 'malformed' } as FakeBehavior, 'malformed', undefined],
  ])('normalises %j to its kind', async (b, kind, retry) => {
    const e = await failure(p, server, b);
    expect(e).toBeInstanceOf(ProviderError);
    expect(e.kind).toBe(kind);
    expect(e.retryAfterMs).toBe(retry);
  });

  it('is unavailable without a key', () => {
    expect(name === 'openai' ? createOpenAiProvider({}).available : createGeminiProvider({}).available).toBe(false);
  });
});

it('parses Retry-After seconds, dates and Google delays', () => {
  expect(parseRetryAfter('12', 0)).toBe(12_000);
  expect(parseRetryAfter('1.5s', 0)).toBe(1500);
  expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 0)).toBe(10_000);
  expect(parseRetryAfter('soon', 0)).toBeUndefined();
});
