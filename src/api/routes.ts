// The API's routes: one table drives request validation, dispatch, scopes and the OpenAPI document.
import type { z } from 'zod';
import {
  CommentCreated,
  CommentRequest,
  CreateRunRequest,
  ListRunsQuery,
  Problem,
  Run,
  RunList,
  type Scope,
  Webhook,
  WebhookList,
  WebhookRequest,
} from './schema.js';
import type { ApiService } from './service.js';
import { ApiError } from './service.js';
import type { Outbound, WebhookRecord } from './outbound.js';
import { UnsafeUrlError } from './outbound.js';
import type { ApiToken } from './tokens.js';
import { errorMessage } from '../ops/errors.js';

export interface Call {
  token: ApiToken;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** What the call touched, for the audit log. */
  target?: string;
}

export interface RouteDeps {
  service: ApiService;
  outbound: Outbound;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI path template under /api/v1. */
  path: string;
  operationId: string;
  summary: string;
  scope: Scope;
  body?: z.ZodType;
  query?: z.ZodType;
  params?: Record<string, string>;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  headers?: string[];
  handle(c: Call, d: RouteDeps): Promise<Answer>;
}

const problems = {
  400: { description: 'Malformed request (bad JSON, cursor or header).', schema: Problem },
  401: { description: 'Missing, unknown, revoked or expired token.', schema: Problem },
  403: { description: 'The token lacks the scope or may not use this flow.', schema: Problem },
  429: { description: 'Rate limited; see Retry-After.', schema: Problem },
  502: { description: 'GitHub did not answer as expected; retry later.', schema: Problem },
};

const bodyProblems = {
  413: { description: 'The body is over 64 KiB.', schema: Problem },
  415: { description: 'The body is not JSON.', schema: Problem },
  422: { description: 'The body does not match the schema.', schema: Problem },
};

const hookView = (w: WebhookRecord, withSecret = false) => ({
  id: w.id,
  url: w.url,
  runs: w.runs,
  created_at: w.createdAt,
  ...(withSecret ? { secret: w.secret } : {}),
});

export const ROUTES: Route[] = [
  {
    method: 'POST',
    path: '/runs',
    operationId: 'createRun',
    summary: 'Start a run: Baton opens the issue as the app, labelled with the flow trigger.',
    scope: 'create',
    body: CreateRunRequest,
    headers: ['Idempotency-Key'],
    responses: {
      201: { description: 'The run was started.', schema: Run },
      200: { description: 'Replay: this Idempotency-Key already started this run.', schema: Run },
      ...problems,
      ...bodyProblems,
      404: { description: 'Unknown repository (or one this token may not see).', schema: Problem },
      409: { description: 'No usable flow, or the same Idempotency-Key is in flight.', schema: Problem },
      422: { description: 'The request or its fields are not accepted.', schema: Problem },
      503: { description: 'Baton is starting and cannot reach GitHub yet; retry.', schema: Problem },
    },
    async handle(c, d) {
      const key = c.headers['idempotency-key'];
      const idem = typeof key === 'string' ? key : undefined;
      if (idem !== undefined && (idem.length < 1 || idem.length > 255))
        throw new ApiError(400, 'Bad Idempotency-Key', 'An Idempotency-Key is 1–255 characters.');
      const r = await d.service.create(c.token, c.body as z.infer<typeof CreateRunRequest>, idem);
      return {
        status: r.status,
        body: r.run,
        headers: { location: `/api/v1/runs/${r.run.id}`, ...(r.replayed ? { 'idempotent-replayed': 'true' } : {}) },
        target: r.run.id,
      };
    },
  },
  {
    method: 'GET',
    path: '/runs',
    operationId: 'listRuns',
    summary: "List runs in the token's scope, newest first, with cursor pagination.",
    scope: 'read',
    query: ListRunsQuery,
    responses: { 200: { description: 'A page of runs.', schema: RunList }, ...problems },
    async handle(c, d) {
      const q = c.query as unknown as z.infer<typeof ListRunsQuery>;
      const page = await d.service.list(c.token, {
        limit: q.limit,
        ...(q.repo ? { repo: q.repo } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
        mine: q.mine === 'true',
      });
      return { status: 200, body: page };
    },
  },
  {
    method: 'GET',
    path: '/runs/{id}',
    operationId: 'getRun',
    summary: 'One run: stage, owner (when the flow shows it), timeline, linked pull requests.',
    scope: 'read',
    params: { id: 'The run id.' },
    responses: {
      200: { description: 'The run.', schema: Run },
      ...problems,
      404: { description: 'No such run.', schema: Problem },
    },
    async handle(c, d) {
      return { status: 200, body: await d.service.get(c.token, c.params.id!), target: c.params.id! };
    },
  },
  {
    method: 'POST',
    path: '/runs/{id}/cancel',
    operationId: 'cancelRun',
    summary: 'Cancel a run: the issue is closed as not planned.',
    scope: 'cancel',
    params: { id: 'The run id.' },
    responses: {
      202: {
        description: 'The issue is closed; the run is cancelled as Baton processes it (follow with GET).',
        schema: Run,
      },
      200: { description: 'The run had already ended.', schema: Run },
      ...problems,
      404: { description: 'No such run.', schema: Problem },
    },
    async handle(c, d) {
      const r = await d.service.cancel(c.token, c.params.id!);
      return { status: r.accepted ? 202 : 200, body: r.run, target: c.params.id! };
    },
  },
  {
    method: 'POST',
    path: '/runs/{id}/comments',
    operationId: 'commentOnRun',
    summary: "Add a partner's note to the run's issue, attributed to the token and sanitised.",
    scope: 'comment',
    params: { id: 'The run id.' },
    body: CommentRequest,
    responses: {
      201: { description: 'The comment.', schema: CommentCreated },
      ...problems,
      ...bodyProblems,
      404: { description: 'No such run.', schema: Problem },
    },
    async handle(c, d) {
      const body = c.body as z.infer<typeof CommentRequest>;
      return { status: 201, body: await d.service.comment(c.token, c.params.id!, body.body), target: c.params.id! };
    },
  },
  {
    method: 'POST',
    path: '/webhooks',
    operationId: 'createWebhook',
    summary: 'Register a callback URL for stage changes; the answer carries the signing secret once.',
    scope: 'webhooks',
    body: WebhookRequest,
    responses: {
      201: { description: 'The webhook, with its secret.', schema: Webhook },
      ...problems,
      ...bodyProblems,
      422: { description: 'The URL is not allowed, or the body does not match the schema.', schema: Problem },
    },
    async handle(c, d) {
      const b = c.body as z.infer<typeof WebhookRequest>;
      try {
        const w = await d.outbound.register(c.token, b);
        return { status: 201, body: hookView(w, true), target: w.id };
      } catch (err) {
        if (err instanceof UnsafeUrlError || err instanceof TypeError)
          throw new ApiError(422, 'URL not allowed', errorMessage(err));
        throw err;
      }
    },
  },
  {
    method: 'GET',
    path: '/webhooks',
    operationId: 'listWebhooks',
    summary: "This token's webhooks.",
    scope: 'webhooks',
    responses: { 200: { description: 'The webhooks (without secrets).', schema: WebhookList }, ...problems },
    async handle(c, d) {
      return { status: 200, body: { webhooks: (await d.outbound.list(c.token)).map((w) => hookView(w)) } };
    },
  },
  {
    method: 'DELETE',
    path: '/webhooks/{id}',
    operationId: 'deleteWebhook',
    summary: 'Remove a webhook; deliveries still queued for it are dropped.',
    scope: 'webhooks',
    params: { id: 'The webhook id.' },
    responses: {
      204: { description: 'Removed.' },
      ...problems,
      404: { description: 'No such webhook.', schema: Problem },
    },
    async handle(c, d) {
      if (!(await d.outbound.remove(c.token, c.params.id!))) throw new ApiError(404, 'Not Found', 'No such webhook.');
      return { status: 204, target: c.params.id! };
    },
  },
];

/** Match a request path (below /api/v1) to a route; params decoded. */
export function match(
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | 'method' | undefined {
  let methodMismatch = false;
  for (const route of ROUTES) {
    const names: string[] = [];
    const re = new RegExp(
      `^${route.path.replace(/\{(\w+)\}/g, (_, n: string) => {
        names.push(n);
        return '([^/]+)';
      })}$`,
    );
    const m = re.exec(path);
    if (!m) continue;
    if (route.method !== method) {
      methodMismatch = true;
      continue;
    }
    const params: Record<string, string> = {};
    names.forEach((n, i) => {
      params[n] = decodeURIComponent(m[i + 1]!);
    });
    return { route, params };
  }
  return methodMismatch ? 'method' : undefined;
}
