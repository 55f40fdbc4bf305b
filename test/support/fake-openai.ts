// A local OpenAI chat-completions server (POST /v1/chat/completions) for tests and the router bench. Each call is
// scripted (per model queue, then a `behave` hook, then a normal answer); usage is computed with gpt-tokenizer so
// it matches what the real API would bill for the same text. Listens on 127.0.0.1 port 0.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countTokens } from 'gpt-tokenizer';

export type FakeBehavior =
  | { kind: 'ok'; text?: string }
  | { kind: 'rate_limit'; retryAfterSec?: number }
  | { kind: 'server'; status?: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'malformed' }
  | { kind: 'wrong_schema' }
  | { kind: 'over_deliver'; extra: number };

export interface FakeRequest {
  model: string;
  system: string;
  prompt: string;
  maxTokens: number;
  json: boolean;
}

export interface FakeOptions {
  /** The answer text for a normal call (default: JSON `{"summary","level"}` when JSON was asked, prose otherwise). */
  answer?: (req: FakeRequest) => string;
  /** Output length in tokens of the default answer (capped by max tokens). Default 120. */
  outputTokens?: (req: FakeRequest) => number;
  /** Called for every request with no queued behaviour; return undefined for a normal answer. */
  behave?: (req: FakeRequest, n: number) => FakeBehavior | undefined;
  /** Thinking / reasoning tokens and cached prompt tokens the usage reports for a normal answer (default 0). */
  usage?: (req: FakeRequest) => FakeUsage;
}

export interface FakeUsage {
  thinking?: number;
  cached?: number;
}

export interface FakeProviderServer {
  /** Root URL (http://127.0.0.1:port). */
  url: string;
  requests: FakeRequest[];
  count(model?: string): number;
  /** Queue behaviours for a model ('*' = any model), consumed one per request. */
  script(model: string, ...b: FakeBehavior[]): void;
  close(): Promise<void>;
}

const PLAIN = { disallowedSpecial: new Set<string>() };
export const tokens = (s: string): number => (s ? countTokens(s, PLAIN) : 0);

const WORDS =
  'the change touches the request handler and adds validation of the payload before it reaches storage so'.split(' ');
/** Deterministic prose of about n tokens (each of these words is one o200k token with its leading space). */
export function fakeProse(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < Math.max(1, n); i++) out.push(WORDS[i % WORDS.length]!);
  return out.join(' ');
}

export function defaultAnswer(req: FakeRequest, n: number): string {
  if (!req.json) return fakeProse(n);
  return JSON.stringify({ summary: fakeProse(Math.max(1, n - 12)), level: 'low' });
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Shared scaffolding of both fakes: queues, counting, slow answers, clean shutdown. */
export function fakeServerCore(
  opts: FakeOptions,
  parse: (req: IncomingMessage, body: string) => FakeRequest | undefined,
  respond: (
    res: ServerResponse,
    b: FakeBehavior,
    r: FakeRequest,
    text: string,
    outTokens: number,
    usage: FakeUsage,
  ) => void,
): Promise<FakeProviderServer> {
  const requests: FakeRequest[] = [];
  const queues = new Map<string, FakeBehavior[]>();
  const timers = new Set<NodeJS.Timeout>();
  let n = 0;
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const r = parse(req, body);
    if (!r) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    requests.push(r);
    const q = queues.get(r.model)?.length ? queues.get(r.model)! : queues.get('*');
    const b: FakeBehavior = q?.shift() ?? opts.behave?.(r, n) ?? { kind: 'ok' };
    n += 1;
    const want = Math.min(r.maxTokens, opts.outputTokens ? opts.outputTokens(r) : 120);
    const send = (beh: FakeBehavior) => {
      let text =
        beh.kind === 'ok' && beh.text !== undefined ? beh.text : opts.answer ? opts.answer(r) : defaultAnswer(r, want);
      if (beh.kind === 'wrong_schema') text = JSON.stringify({ unexpected: fakeProse(5) });
      if (beh.kind === 'over_deliver') text = fakeProse(r.maxTokens + beh.extra);
      // A real provider stops at max tokens; only the over-deliver script breaks that promise.
      const u = opts.usage?.(r) ?? {};
      // Thinking shares max tokens with the answer (max_completion_tokens / maxOutputTokens bound both).
      const thinking = Math.min(u.thinking ?? 0, beh.kind === 'over_deliver' ? Infinity : r.maxTokens);
      const room = beh.kind === 'over_deliver' ? Infinity : Math.max(0, r.maxTokens - thinking);
      const out = Math.min(tokens(text), room);
      respond(res, beh, r, text, out, { thinking, cached: u.cached ?? 0 });
    };
    if (b.kind === 'slow') {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) send({ kind: 'ok' });
      }, b.delayMs);
      timers.add(t);
      return;
    }
    send(b);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        count: (model) => (model ? requests.filter((x) => x.model === model).length : requests.length),
        script: (model, ...bs) => queues.set(model, [...(queues.get(model) ?? []), ...bs]),
        close: () =>
          new Promise<void>((done) => {
            for (const t of timers) clearTimeout(t);
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export function startFakeOpenAI(opts: FakeOptions = {}): Promise<FakeProviderServer> {
  return fakeServerCore(
    opts,
    (req, body) => {
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions')) return undefined;
      const j = JSON.parse(body) as {
        model: string;
        messages: Array<{ role: string; content: string }>;
        max_completion_tokens?: number;
        max_tokens?: number;
        response_format?: { type: string };
      };
      return {
        model: j.model,
        system: j.messages
          .filter((m) => m.role === 'system')
          .map((m) => m.content)
          .join('\n'),
        prompt: j.messages
          .filter((m) => m.role === 'user')
          .map((m) => m.content)
          .join('\n'),
        maxTokens: j.max_completion_tokens ?? j.max_tokens ?? 4096,
        json: !!j.response_format && j.response_format.type !== 'text',
      };
    },
    (res, b, r, text, out, u) => {
      const json = { 'content-type': 'application/json' };
      if (b.kind === 'rate_limit') {
        res.writeHead(429, { ...json, 'retry-after': String(b.retryAfterSec ?? 1) }).end(
          JSON.stringify({
            error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' },
          }),
        );
        return;
      }
      if (b.kind === 'server') {
        res
          .writeHead(b.status ?? 500, json)
          .end(JSON.stringify({ error: { message: 'The server had an error', type: 'server_error' } }));
        return;
      }
      if (b.kind === 'malformed') {
        res.writeHead(200, json).end('{"id":"chatcmpl-broken","choices":[{"message":');
        return;
      }
      // OpenAI bills 3 tokens of framing per message plus 3 to prime the reply.
      const promptTokens = tokens(r.system) + tokens(r.prompt) + 3 * 2 + 3;
      res.writeHead(200, json).end(
        JSON.stringify({
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          created: 1_700_000_000,
          model: r.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: text, refusal: null },
              finish_reason: 'stop',
              logprobs: null,
            },
          ],
          // As OpenAI reports it: completion_tokens INCLUDES reasoning_tokens, prompt_tokens includes cached_tokens.
          usage: {
            prompt_tokens: promptTokens,
            completion_tokens: out + (u.thinking ?? 0),
            total_tokens: promptTokens + out + (u.thinking ?? 0),
            prompt_tokens_details: { cached_tokens: Math.min(u.cached ?? 0, promptTokens), audio_tokens: 0 },
            completion_tokens_details: { reasoning_tokens: u.thinking ?? 0, audio_tokens: 0 },
          },
        }),
      );
    },
  );
}
