// A local Gemini server (POST /v1beta/models/{model}:generateContent) with the same scripting as fake-openai.
// promptTokenCount is the o200k count of system + user text (our router estimates ×1.1 above it).
import { fakeServerCore, tokens, type FakeOptions, type FakeProviderServer } from './fake-openai.js';

export function startFakeGemini(opts: FakeOptions = {}): Promise<FakeProviderServer> {
  return fakeServerCore(
    opts,
    (req, body) => {
      const m = /^\/v1beta\/models\/([^:/]+):generateContent/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) return undefined;
      const j = JSON.parse(body) as {
        contents: Array<{ parts: Array<{ text?: string }> }>;
        systemInstruction?: { parts: Array<{ text?: string }> } | string;
        generationConfig?: { maxOutputTokens?: number; responseMimeType?: string };
      };
      const sys =
        typeof j.systemInstruction === 'string'
          ? j.systemInstruction
          : (j.systemInstruction?.parts ?? []).map((p) => p.text ?? '').join('');
      return {
        model: decodeURIComponent(m[1]!),
        system: sys,
        prompt: j.contents.flatMap((c) => c.parts.map((p) => p.text ?? '')).join('\n'),
        maxTokens: j.generationConfig?.maxOutputTokens ?? 8192,
        json: j.generationConfig?.responseMimeType === 'application/json',
      };
    },
    (res, b, r, text, out, u) => {
      const json = { 'content-type': 'application/json' };
      if (b.kind === 'rate_limit') {
        const secs = b.retryAfterSec ?? 1;
        res.writeHead(429, { ...json, 'retry-after': String(secs) }).end(
          JSON.stringify({
            error: {
              code: 429,
              message: 'Resource has been exhausted (e.g. check quota).',
              status: 'RESOURCE_EXHAUSTED',
              details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${secs}s` }],
            },
          }),
        );
        return;
      }
      if (b.kind === 'server') {
        const status = b.status ?? 500;
        res
          .writeHead(status, json)
          .end(JSON.stringify({ error: { code: status, message: 'Internal error encountered.', status: 'INTERNAL' } }));
        return;
      }
      if (b.kind === 'malformed') {
        res.writeHead(200, json).end('{"candidates":[{"content":');
        return;
      }
      const promptTokens = tokens(r.system) + tokens(r.prompt);
      res.writeHead(200, json).end(
        JSON.stringify({
          candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
          // As Gemini reports it: thoughtsTokenCount apart from candidatesTokenCount (both billed as output),
          // promptTokenCount including cachedContentTokenCount.
          usageMetadata: {
            promptTokenCount: promptTokens,
            candidatesTokenCount: out,
            ...(u.thinking ? { thoughtsTokenCount: u.thinking } : {}),
            ...(u.cached ? { cachedContentTokenCount: Math.min(u.cached, promptTokens) } : {}),
            totalTokenCount: promptTokens + out + (u.thinking ?? 0),
          },
          modelVersion: r.model,
        }),
      );
    },
  );
}
