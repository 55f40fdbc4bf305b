// GitHub's answers sorted into what a retry can fix and what it cannot. A permanent refusal (a 4xx other than rate
// limits and expired credentials) is skipped and reported with its fix; a transient one (5xx, timeouts, rate limits)
// fails the job so the queue retries it with backoff
// (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api,
// https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit).
import type { Effect } from '../engine/types.js';
import { LRUCache } from 'lru-cache';

interface HttpLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: { message?: string } };
  cause?: unknown;
}

/** The HTTP status of an Octokit error (also when wrapped as `cause`), or undefined for network errors. */
export function statusOf(err: unknown): number | undefined {
  let e = err as HttpLike | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.status === 'number') return e.status;
    e = e.cause as HttpLike | undefined;
  }
  return undefined;
}

function httpError(err: unknown): HttpLike | undefined {
  let e = err as HttpLike | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.status === 'number') return e;
    e = e.cause as HttpLike | undefined;
  }
  return undefined;
}

/** GitHub signals rate limits with 429, or 403 with `x-ratelimit-remaining: 0` / a "rate limit" message. */
export function isRateLimit(err: unknown): boolean {
  const e = httpError(err);
  if (!e) return false;
  if (e.status === 429) return true;
  if (e.status !== 403) return false;
  const h = e.response?.headers ?? {};
  return h['x-ratelimit-remaining'] === '0' || !!h['retry-after'] || /rate limit/i.test(e.message ?? '');
}

export function isPermanent(err: unknown): boolean {
  const s = statusOf(err);
  if (s === undefined || s < 400 || s >= 500) return false;
  // 401: an expired token (a new one fixes it); 408/409/423: timing, conflicts and locks that a retry can clear.
  if (s === 401 || s === 408 || s === 409 || s === 423 || isRateLimit(err)) return false;
  return true;
}

/** What could not be done, for the card: the effect, GitHub's own words, and what to change. */
export function describeRefusal(e: Effect, err: unknown, repo: string): string {
  const h = httpError(err);
  const said = (h?.response?.data?.message ?? h?.message ?? String(err)).split(' - https://')[0]!.slice(0, 200);
  const what: Record<Effect['kind'], string> = {
    'label.add': 'add labels',
    'label.remove': 'remove a label',
    assign: 'assign',
    unassign: 'unassign',
    'review.request': 'request reviews',
    comment: 'comment',
    react: 'react to a command',
    check: 'report a check run',
    task: 'run a task',
    transition: 'record the transition',
    card: 'update the status card',
  };
  const fix =
    h?.status === 403
      ? ' — grant the App the permission this needs (app.yml) and accept it on the installation'
      : h?.status === 404
        ? ` — check that ${repo} and what it refers to still exist and the App is installed there`
        : '';
  return `could not ${what[e.kind]} on ${repo}: GitHub answered ${h?.status ?? '?'} "${said}"${fix}`;
}

/**
 * Logins and teams GitHub refused (not assignable, not a collaborator, no team access), remembered for a while so
 * later transitions leave them out instead of paying a refused write and the fallback each time.
 */
export class Refusals {
  /** Bounded like every cache here (lru-cache): the oldest go first past `limit`, each expires after `ttlMs`. */
  private readonly seen: LRUCache<string, true>;

  constructor(ttlMs = 10 * 60_000, now: () => number = Date.now, limit = 5000) {
    this.seen = new LRUCache<string, true>({ max: limit, ttl: ttlMs, ttlResolution: 0, perf: { now } });
  }

  private key(repo: string, kind: string, who: string): string {
    return `${repo.toLowerCase()} ${kind} ${who.toLowerCase()}`;
  }

  remember(repo: string, kind: 'assign' | 'review' | 'team', who: string): void {
    this.seen.set(this.key(repo, kind, who), true);
  }

  refused(repo: string, kind: 'assign' | 'review' | 'team', who: string): boolean {
    return this.seen.get(this.key(repo, kind, who)) === true;
  }
}

/** The narrow slice of the port `requestReviewsEach` needs. */
interface ReviewPort {
  requestReviewers(pr: number, users: string[], teams: string[]): Promise<void>;
}

/**
 * Request reviews so one reviewer GitHub will not take never blocks the others: one request first, and when GitHub
 * refuses it whole (422: a non-collaborator, a team without access), one request per reviewer. Returns who was
 * refused for good; transient failures still throw.
 */
export async function requestReviewsEach(
  port: ReviewPort,
  pr: number,
  users: string[],
  teams: string[],
): Promise<{ users: string[]; teams: string[] }> {
  const refused = { users: [] as string[], teams: [] as string[] };
  if (!users.length && !teams.length) return refused;
  try {
    await port.requestReviewers(pr, users, teams);
    return refused;
  } catch (err) {
    if (!isPermanent(err)) throw err;
    if (users.length + teams.length === 1) return users.length ? { users, teams: [] } : { users: [], teams };
  }
  for (const u of users)
    try {
      await port.requestReviewers(pr, [u], []);
    } catch (err) {
      if (!isPermanent(err)) throw err;
      refused.users.push(u);
    }
  for (const t of teams)
    try {
      await port.requestReviewers(pr, [], [t]);
    } catch (err) {
      if (!isPermanent(err)) throw err;
      refused.teams.push(t);
    }
  return refused;
}
