// Fault injection: the next N matching requests get a canned failure instead of their answer, so tests can prove
// retries, backoff and rate-limit handling against the answers GitHub really gives.
export interface FaultSpec {
  /** Matches the route template (`/repos/{owner}/{repo}/issues/{issue_number}`), `METHOD template`, or the request path. */
  route?: RegExp | string;
  method?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /**
   * The request is carried out (effect applied, webhooks sent) and only its answer is replaced: a gateway or load
   * balancer in front of GitHub that gave up after GitHub did the work. GitHub's docs say a 5xx does not mean the
   * request failed to take effect ("Troubleshooting the REST API": server errors; retry after checking state).
   */
  applied?: boolean;
  /** Probability (0–1) that a matching request is hit; the rest pass untouched without consuming `times`. */
  chance?: number;
  /** Random source for `chance` (a seeded PRNG makes a run repeatable). */
  random?: () => number;
}

interface ActiveFault extends FaultSpec {
  left: number;
}

export interface FaultAnswer {
  applied: boolean;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export class Faults {
  private active: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    this.active.push({ ...spec, left: spec.times ?? 1 });
  }

  clear(): void {
    this.active = [];
  }

  /** Pending fault count (what a test asserts was consumed). */
  pending(): number {
    return this.active.reduce((n, f) => n + f.left, 0);
  }

  /** Consume the first fault matching this request, if any. */
  take(method: string, template: string, path: string): FaultAnswer | undefined {
    if (this.active.length === 0) return undefined;
    const idx = this.active.findIndex(
      (f) => matches(f, method, template, path) && (f.chance === undefined || (f.random ?? Math.random)() < f.chance),
    );
    if (idx < 0) return undefined;
    const f = this.active[idx]!;
    if (--f.left <= 0) this.active.splice(idx, 1);
    return {
      applied: !!f.applied,
      status: f.status,
      headers: f.headers ?? {},
      body: f.body ?? { message: defaultMessage(f.status), documentation_url: 'https://docs.github.com/rest' },
    };
  }
}

function matches(f: FaultSpec, method: string, template: string, path: string): boolean {
  if (f.method && f.method.toUpperCase() !== method) return false;
  if (f.route === undefined) return true;
  if (typeof f.route === 'string')
    return f.route === template || f.route === `${method} ${template}` || f.route === path;
  return f.route.test(template) || f.route.test(`${method} ${template}`) || f.route.test(path);
}

function defaultMessage(status: number): string {
  return status === 502
    ? 'Server Error'
    : status === 503
      ? 'Service Unavailable'
      : status >= 500
        ? 'Internal Server Error'
        : 'Error';
}

/** GitHub's secondary rate limit answer (403 + retry-after). */
export function secondaryRateLimit(
  opts: { route?: RegExp | string; method?: string; times?: number; retryAfterSeconds?: number } = {},
): FaultSpec {
  return {
    route: opts.route,
    method: opts.method,
    times: opts.times,
    status: 403,
    headers: { 'retry-after': String(opts.retryAfterSeconds ?? 1) },
    body: {
      message:
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
      documentation_url:
        'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    },
  };
}

/** GitHub's primary rate limit answer (403, x-ratelimit-remaining 0, reset in `resetInSeconds`). */
export function primaryRateLimit(
  opts: { route?: RegExp | string; method?: string; times?: number; resetInSeconds?: number; now?: () => number } = {},
): FaultSpec {
  const reset = Math.floor((opts.now ?? Date.now)() / 1000) + (opts.resetInSeconds ?? 1);
  return {
    route: opts.route,
    method: opts.method,
    times: opts.times,
    status: 403,
    headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
    body: {
      message: 'API rate limit exceeded for installation ID 1.',
      documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
    },
  };
}
