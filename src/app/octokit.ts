// How Baton's installation Octokit talks to GitHub: Probot's Octokit (throttling, retry, app auth) with three changes
// that keep "every visible effect exactly once" true when GitHub or Redis misbehave:
//  - no transport-level retry of POSTs: a POST GitHub applied but answered 5xx (or whose connection reset) would be
//    applied twice by Octokit's retry plugin inside one job attempt, before the effect journal could look. A failed
//    POST fails the job attempt; the retried job checks GitHub (effect markers, current state) before writing again.
//    PATCH, PUT and DELETE are idempotent by HTTP's definition and keep the plugin's retries.
//  - a timeout on every request attempt (BATON_GITHUB_TIMEOUT_MS), so one request GitHub never answers cannot block
//    its issue's jobs forever while the queue lease keeps renewing.
//  - Bottleneck's Redis state (shared throttling across replicas) under the deployment's key prefix, on a client Baton
//    owns and closes at shutdown, and re-created when Redis lost it (see RecoveringRedisConnection).
import { createRequire } from 'node:module';
import { ProbotOctokit } from 'probot';
import { Redis } from 'ioredis';
import type { Logger as PinoLogger } from 'pino';
import { errorMessage } from '../ops/errors.js';

const require = createRequire(import.meta.url);

/** Longest wait for a primary rate-limit reset inside a job; beyond it the job fails and the queue retries later. */
const MAX_RATE_LIMIT_WAIT_S = 120;
const RATE_LIMIT_RETRIES = 3;
export const DEFAULT_GITHUB_TIMEOUT_MS = 30_000;

export interface OctokitOptions {
  /** Minimum spacing of write requests per installation (ms). */
  writeSpacingMs?: number;
  /** Redis for throttling shared by replicas. */
  redisUrl?: string;
  /** Key prefix of Bottleneck's Redis keys (BATON_REDIS_PREFIX), so a deployment's keys live together. */
  redisPrefix?: string;
  /** Per-attempt request timeout (ms). */
  timeoutMs?: number;
  log: PinoLogger;
}

export interface OctokitSetup {
  Octokit: typeof ProbotOctokit;
  /** `request.fetch` with the per-attempt timeout: give it to Probot too, so token requests time out as well. */
  fetch: typeof fetch;
  /** Throttling's Redis answers (readiness). Always true without Redis. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Methods Octokit may re-send on a 5xx: idempotent ones (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH']);

/** POSTs that add to a set (labels, assignees): sending one twice has the effect of sending it once. */
const SET_ADDITIONS = /\/issues\/(\{issue_number\}|\d+)\/(labels|assignees)$/;

/** Whether the retry plugin may re-send this request after a 5xx or a reset connection. */
export function mayResend(method: string, url: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase()) || (method.toUpperCase() === 'POST' && SET_ADDITIONS.test(url));
}

/** Octokit plugin: turn off the retry plugin's re-sends for non-idempotent requests. */
export function noRetryOfNonIdempotent(octokit: {
  hook: {
    before(name: 'request', fn: (o: { method: string; url: string; request?: Record<string, unknown> }) => void): void;
  };
}): void {
  octokit.hook.before('request', (options) => {
    // A caller that knows its POST is idempotent (a GraphQL batch of add/remove mutations) says so.
    if (options.request?.idempotent === true) return;
    if (!mayResend(options.method, options.url)) options.request = { ...options.request, retries: 0 };
  });
}

/** fetch with a timeout per attempt; the error names the request and the setting. */
export function timedFetch(timeoutMs: number, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      return await inner(input, { ...init, signal });
    } catch (err) {
      if (timeout.aborted && !init?.signal?.aborted) {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        throw new Error(
          `GitHub did not answer ${init?.method ?? 'GET'} ${new URL(url).pathname} within ${timeoutMs} ms (BATON_GITHUB_TIMEOUT_MS); the job will be retried`,
          { cause: err },
        );
      }
      throw err;
    }
  };
}

/**
 * Bottleneck's Redis datastore re-creates its keys when a script answers SETTINGS_KEY_NOT_FOUND or UNKNOWN_CLIENT —
 * but compares the whole message, and Redis 7 prefixes script errors with `ERR `. Without this, a Redis that lost
 * its data (restart without persistence, eviction, FLUSHALL) fails every GitHub request until the process restarts.
 */
interface RedisConnection {
  disconnect(flush?: boolean): Promise<void>;
  on(event: 'error', f: (e: unknown) => void): void;
}

/** The last outcome of Bottleneck's Redis scripts, per limiter id: what readiness reports when it went wrong. */
type ThrottleOutcomes = Map<string, { ok: boolean; at: number; error?: string }>;

function recoveringConnectionClass(
  outcomes: ThrottleOutcomes,
): new (o: {
  client: Redis;
  Redis: typeof Redis;
}) => RedisConnection {
  const Bottleneck = require('bottleneck');
  const Recovering = class RecoveringRedisConnection extends Bottleneck.IORedisConnection {
    __scriptArgs__(name: string, id: string, args: unknown[], cb: (err: Error | null, replies: unknown) => void) {
      return super.__scriptArgs__(name, id, args, (err: Error | null, replies: unknown) => {
        if (err && /^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)\b/.test(err.message))
          err.message = err.message.slice(4);
        // Those two Bottleneck answers itself by re-creating its keys; any other error is a broken throttling state.
        if (err && !/^(SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)\b/.test(err.message))
          outcomes.set(id, { ok: false, at: Date.now(), error: `${name}: ${err.message}` });
        else if (!err) outcomes.set(id, { ok: true, at: Date.now() });
        cb(err, replies);
      });
    }
  };
  return Recovering as never;
}

/**
 * A limiter's failure older than this is forgotten (Bottleneck groups drop limiters that went unused). Short enough
 * that a repaired Redis brings the replica back into the load balancer within a few readiness polls even when no
 * GitHub call went through that limiter since.
 */
const THROTTLE_FAILURE_MEMORY_MS = 15_000;

export function createOctokit(opts: OctokitOptions): OctokitSetup {
  const spacing = opts.writeSpacingMs ?? 1000;
  const Bottleneck = require('bottleneck');
  const log = opts.log.child({ name: 'github' });
  let client: Redis | undefined;
  let connection: RedisConnection | undefined;
  let probe: { schedule<T>(f: () => Promise<T>): Promise<T> } | undefined;
  const outcomes: ThrottleOutcomes = new Map();
  const throttleStore: Record<string, unknown> = {};
  if (opts.redisUrl) {
    client = new Redis(opts.redisUrl, { keyPrefix: `${opts.redisPrefix ?? 'baton'}:throttle:` });
    client.on('error', () => {}); // reconnects on its own; failures surface on the requests (and in /readyz)
    const Connection = recoveringConnectionClass(outcomes);
    connection = new Connection({ client, Redis });
    connection.on('error', (err) => log.warn({ err: errorMessage(err) }, 'throttling Redis'));
    // Readiness schedules a no-op through a limiter of its own: the same scripts and keys as the real ones, so a
    // throttling state Bottleneck cannot use (or re-create) is seen without waiting for a GitHub call to fail.
    probe = new Bottleneck({ id: 'baton-readyz', datastore: 'ioredis', connection, timeout: 300_000 });
    Object.assign(throttleStore, { Bottleneck, connection });
  }
  const group = () => new Bottleneck.Group({ maxConcurrent: spacing === 0 ? null : 1, minTime: spacing });
  // With Redis, the Bottleneck groups are shared by all replicas and space writes cluster-wide; an explicit spacing
  // below GitHub's 1 s (sandbox, GHES without secondary limits) keeps local groups so no write waits on Redis.
  const groups = spacing === 0 || (spacing < 1000 && !opts.redisUrl) ? { write: group(), notifications: group() } : {};
  const fetchWithTimeout = timedFetch(opts.timeoutMs ?? DEFAULT_GITHUB_TIMEOUT_MS);
  // Probot's own handlers do not retry secondary rate limits; Baton waits as GitHub asks (Retry-After) and retries,
  // a bounded number of times. A function default (not an object) so Probot's throttle options are merged, not lost.
  const Octokit = ProbotOctokit.plugin(noRetryOfNonIdempotent as never).defaults((options: Record<string, any>) => ({
    ...options,
    // Probot gives the App auth a request without the base URL: a token refresh (after GitHub answered 401 to an
    // expired or revoked token) would go to api.github.com instead of GHES or the sandbox.
    ...(options.auth?.request && options.baseUrl
      ? { auth: { ...options.auth, request: options.auth.request.defaults({ baseUrl: options.baseUrl }) } }
      : {}),
    request: { ...options.request, fetch: fetchWithTimeout },
    throttle: {
      ...options.throttle,
      ...throttleStore,
      ...groups,
      onSecondaryRateLimit: (
        retryAfter: number,
        o: { method: string; url: string; request: { retryCount: number } },
      ) => {
        log.warn({ retryAfter, route: `${o.method} ${o.url}` }, 'GitHub secondary rate limit: waiting as asked');
        return o.request.retryCount < RATE_LIMIT_RETRIES;
      },
      onRateLimit: (retryAfter: number, o: { method: string; url: string; request: { retryCount: number } }) => {
        log.warn({ retryAfter, route: `${o.method} ${o.url}` }, 'GitHub rate limit exhausted');
        return o.request.retryCount < RATE_LIMIT_RETRIES && retryAfter <= MAX_RATE_LIMIT_WAIT_S;
      },
    },
  })) as typeof ProbotOctokit;
  return {
    Octokit,
    fetch: fetchWithTimeout,
    async ping() {
      if (!client) return true;
      if ((await client.ping()) !== 'PONG') return false;
      await probe
        ?.schedule(async () => undefined)
        .catch((err: unknown) => {
          throw new Error(`GitHub throttling state in Redis is broken (${errorMessage(err)})`);
        });
      const now = Date.now();
      for (const [id, o] of outcomes) {
        if (o.ok || now - o.at > THROTTLE_FAILURE_MEMORY_MS) outcomes.delete(id);
        else throw new Error(`GitHub throttling state in Redis is broken (limiter ${id}, ${o.error})`);
      }
      return true;
    },
    async close() {
      if (!client) return;
      // Bottleneck's disconnect quits its client and its subscriber (a duplicate of the client).
      await connection?.disconnect(false).catch(() => client?.disconnect());
    },
  };
}
