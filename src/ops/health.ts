// Health and metrics endpoints for load balancers, orchestrators and Prometheus.
// /healthz: the process answers (liveness; never touches dependencies, so a database outage does not get every
// replica restarted). /readyz: the store and the queue answer their ping (readiness). /metrics: Prometheus text.
// Probot 14 has no express router: extra routes are node handlers given to `addHandler` that return true when they
// answered the request; `opsHandler` is one (app/serve.ts puts it first among Baton's handlers).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '../store/types.js';
import type { JobQueue } from '../queue/types.js';
import type { Metrics } from './metrics.js';
import { errorMessage } from './errors.js';
import { bearerToken, sameSecret } from './auth.js';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface OpsDeps {
  store: Pick<Store, 'ping' | 'kind'>;
  queue: Pick<JobQueue, 'ping' | 'kind'>;
  /** Serves /metrics when given; without it /metrics answers 404. */
  metrics?: Pick<Metrics, 'text' | 'contentType'>;
  /**
   * When set, /metrics requires `Authorization: Bearer <token>` (label values include repository names, which a
   * public endpoint should not reveal). Prometheus: `authorization: { credentials: <token> }` in the scrape config.
   */
  metricsToken?: string;
  /** More dependencies readiness reports (GitHub throttling's Redis…), by name. */
  extra?: Record<string, { kind: string; ping(): Promise<boolean> }>;
  /** How long one dependency ping may take before it counts as down. Default 2000 ms. */
  pingTimeoutMs?: number;
}

export interface CheckResult {
  ok: boolean;
  kind: string;
  error?: string;
}

export interface OpsRoutes {
  '/healthz': NodeHandler;
  '/readyz': NodeHandler;
  '/metrics': NodeHandler;
}

async function check(
  name: string,
  kind: string,
  ping: () => Promise<boolean>,
  timeoutMs: number,
): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} ping did not answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    const ok = await Promise.race([ping(), timeout]);
    return ok ? { ok: true, kind } : { ok: false, kind, error: `${name} ping returned false` };
  } catch (err) {
    return { ok: false, kind, error: errorMessage(err) };
  } finally {
    clearTimeout(timer);
  }
}

function bearerMatches(req: IncomingMessage, token: string): boolean {
  const given = bearerToken(req.headers.authorization);
  return given !== undefined && sameSecret(given, token);
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

export function healthRoutes(deps: OpsDeps): OpsRoutes {
  const timeoutMs = deps.pingTimeoutMs ?? 2000;
  return {
    '/healthz': async (_req, res) => {
      json(res, 200, { ok: true });
      return true;
    },
    '/readyz': async (_req, res) => {
      const deps_ = { store: deps.store, queue: deps.queue, ...deps.extra };
      const names = Object.keys(deps_) as Array<keyof typeof deps_>;
      const results = await Promise.all(
        names.map((n) => check(String(n), deps_[n]!.kind, () => deps_[n]!.ping(), timeoutMs)),
      );
      const checks = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
      const failed = names.filter((_, i) => !results[i]!.ok);
      json(res, failed.length ? 503 : 200, { ok: !failed.length, failed, checks });
      return true;
    },
    '/metrics': async (req, res) => {
      if (!deps.metrics) {
        json(res, 404, { error: 'metrics are not enabled in this process' });
        return true;
      }
      if (deps.metricsToken && !bearerMatches(req, deps.metricsToken)) {
        res.setHeader('www-authenticate', 'Bearer');
        json(res, 401, { error: 'metrics need "Authorization: Bearer <token>" (the configured metrics token)' });
        return true;
      }
      try {
        send(res, 200, deps.metrics.contentType, await deps.metrics.text());
      } catch (err) {
        send(res, 500, 'text/plain; charset=utf-8', `metrics collection failed: ${errorMessage(err)}\n`);
      }
      return true;
    },
  };
}

/** One node handler serving the ops routes for GET/HEAD; returns false for anything else (next handler runs). */
export function opsHandler(deps: OpsDeps): NodeHandler {
  const routes = healthRoutes(deps);
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0]! as keyof OpsRoutes;
    const route = routes[path];
    if (!route) return false;
    return route(req, res);
  };
}
