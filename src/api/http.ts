// The partner API over HTTP: bearer tokens, per-token rate limits (RateLimit-* headers, Retry-After on 429), JSON
// bodies validated by the route's zod schema, RFC 9457 problem details for every error (a plain reason, never a
// stack), and one audit entry per call.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import type { z } from 'zod';
import type { AuditLog } from './audit.js';
import { openApiDocument } from './openapi.js';
import { match, type RouteDeps } from './routes.js';
import { API_PREFIX, type Problem } from './schema.js';
import { ApiError } from './service.js';
import type { TokenStore } from './tokens.js';
import { bearerToken } from '../ops/auth.js';

const MAX_BODY = 64 * 1024;

export interface ApiHttpOptions extends RouteDeps {
  tokens: TokenStore;
  audit: AuditLog;
  /** Requests per token per minute (default 120). */
  ratePerMinute?: number;
  log?: { warn(o: object, msg: string): void };
  now?: () => Date;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const problem = status >= 400;
  res
    .writeHead(status, {
      'content-type': problem ? 'application/problem+json' : 'application/json',
      'cache-control': 'no-store',
      ...headers,
    })
    .end(JSON.stringify(body));
}

function problemOf(e: ApiError): Problem {
  return {
    type: 'about:blank',
    title: e.title,
    status: e.status,
    detail: e.detail,
    ...(e.extra.errors ? { errors: e.extra.errors } : {}),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) throw new ApiError(413, 'Payload Too Large', `Bodies are limited to ${MAX_BODY} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'Payload Too Large', `Bodies are limited to ${MAX_BODY} bytes.`);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  if (!/^application\/(.+\+)?json\b/i.test(String(req.headers['content-type'] ?? 'application/json')))
    throw new ApiError(415, 'Unsupported Media Type', 'Send the body as application/json.');
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'Bad Request', 'The body is not valid JSON.');
  }
}

function validate(schema: z.ZodType, value: unknown, where: 'body' | 'query'): unknown {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ApiError(
    422,
    'Invalid request',
    `The ${where} does not match the API's schema (see /api/v1/openapi.json).`,
    {
      errors: r.error.issues.map((i) => ({
        field: i.path.length ? i.path.join('.') : where,
        message: i.message,
      })),
    },
  );
}

function clientIp(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** A node handler for /api/v1/*; answers false for every other path. */
export function createApiHandler(o: ApiHttpOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const limit = o.ratePerMinute ?? 120;
  const limiter = new RateLimiterMemory({ points: limit, duration: 60 });
  const now = o.now ?? (() => new Date());
  let doc: unknown;
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://baton.invalid');
    if (url.pathname !== API_PREFIX && !url.pathname.startsWith(`${API_PREFIX}/`)) return false;
    const path = url.pathname.slice(API_PREFIX.length) || '/';
    if (path === '/openapi.json' && req.method === 'GET') {
      doc ??= openApiDocument();
      send(res, 200, doc);
      return true;
    }
    let tokenId: string | null = null;
    let tokenName: string | null = null;
    let target: string | undefined;
    let status = 500;
    try {
      const m = match(req.method ?? 'GET', path);
      if (m === 'method') throw new ApiError(405, 'Method Not Allowed', `${req.method} is not allowed on ${path}.`);
      if (!m) throw new ApiError(404, 'Not Found', `No API route ${path}; see ${API_PREFIX}/openapi.json.`);
      const presented = bearerToken(req.headers.authorization);
      if (!presented)
        throw new ApiError(
          401,
          'Unauthorized',
          'Send `Authorization: Bearer <token>` (create one with `baton tokens create`).',
          {
            headers: { 'www-authenticate': 'Bearer' },
          },
        );
      const check = await o.tokens.verify(presented);
      if ('error' in check) {
        const why = {
          malformed: 'The token is not a Baton API token.',
          unknown: 'Unknown token.',
          revoked: 'This token was revoked; ask for a new one.',
          expired: 'This token has expired; ask for a new one.',
        }[check.error];
        throw new ApiError(401, 'Unauthorized', why, {
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        });
      }
      const token = check.ok;
      tokenId = token.id;
      tokenName = token.name;
      let rl: RateLimiterRes;
      try {
        rl = await limiter.consume(token.id);
      } catch (rej) {
        const r = rej as RateLimiterRes;
        const secs = Math.max(1, Math.ceil(r.msBeforeNext / 1000));
        throw new ApiError(
          429,
          'Too Many Requests',
          `This token may make ${limit} requests a minute; retry in ${secs} s.`,
          {
            headers: {
              'retry-after': String(secs),
              'ratelimit-limit': String(limit),
              'ratelimit-remaining': '0',
              'ratelimit-reset': String(secs),
              'ratelimit-policy': `${limit};w=60`,
            },
          },
        );
      }
      const rateHeaders = {
        'ratelimit-limit': String(limit),
        'ratelimit-remaining': String(rl.remainingPoints),
        'ratelimit-reset': String(Math.max(0, Math.ceil(rl.msBeforeNext / 1000))),
        'ratelimit-policy': `${limit};w=60`,
      };
      res.setHeader('ratelimit-limit', rateHeaders['ratelimit-limit']);
      res.setHeader('ratelimit-remaining', rateHeaders['ratelimit-remaining']);
      res.setHeader('ratelimit-reset', rateHeaders['ratelimit-reset']);
      if (!token.can.includes(m.route.scope))
        throw new ApiError(
          403,
          'Forbidden',
          `This token lacks the "${m.route.scope}" scope (it has: ${token.can.join(', ')}).`,
        );
      const body = m.route.body ? validate(m.route.body, await readJson(req), 'body') : undefined;
      const query = m.route.query
        ? (validate(m.route.query, Object.fromEntries(url.searchParams), 'query') as Record<string, string>)
        : {};
      const answer = await m.route.handle(
        { token, params: m.params, query, body, headers: req.headers },
        { service: o.service, outbound: o.outbound },
      );
      status = answer.status;
      target = answer.target;
      send(res, answer.status, answer.body, { ...rateHeaders, ...(answer.headers ?? {}) });
    } catch (err) {
      const e =
        err instanceof ApiError
          ? err
          : (err as { status?: number }).status === 404
            ? new ApiError(404, 'Not Found', 'GitHub does not know this repository or issue (or Baton may not see it).')
            : new ApiError(502, 'Bad Gateway', 'GitHub did not answer as expected; retry later.');
      if (!(err instanceof ApiError))
        o.log?.warn({ err: String((err as Error)?.message ?? err), path }, 'partner API call failed');
      status = e.status;
      if (!res.headersSent) send(res, e.status, problemOf(e), e.extra.headers ?? {});
    }
    await o.audit
      .record({
        at: now().toISOString(),
        tokenId,
        token: tokenName,
        method: req.method ?? 'GET',
        route: path,
        status,
        ip: clientIp(req),
        ...(target ? { target } : {}),
      })
      .catch((err) => o.log?.warn({ err: String(err) }, 'audit write failed'));
    return true;
  };
}
