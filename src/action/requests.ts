// The action's view of its GitHub calls: every request counted, every write remembered for the job summary, and the
// refusals a workflow token is expected to get turned into a degraded mode instead of a failed job:
// - without `checks: write` (or `checks: read`) the flow.yml and risk check runs are skipped: runs keep moving, the
//   risk gate is then the `baton:high-risk` label and the card only;
// - organization team membership needs `members: read`, which no GITHUB_TOKEN can have: team members of roles are
//   unknown (listed users still count), unless the job uses a GitHub App token.
// Anything else refused (issues, pull requests, contents) fails the job with the fix in the summary.
import type { OctokitLike } from '../github/port.js';

type Request = OctokitLike['request'];
type Res = Awaited<ReturnType<Request>>;

export interface WriteRecord {
  method: string;
  route: string;
  /** The issue/PR/comment the write was about, for the summary. */
  target?: string;
  outcome: 'applied' | 'skipped' | 'failed';
  status?: number;
}

export interface Degradation {
  permission: string;
  what: string;
}

const FORBIDDEN = /Resource not accessible by integration/i;

/** Route → the permission it needs when a GITHUB_TOKEN is refused, and what Baton does without it. */
const DEGRADABLE: Array<{ test: RegExp; permission: string; what: string; fallback: (params: any) => unknown }> = [
  {
    test: /^GET \/repos\/\{owner\}\/\{repo\}\/commits\/\{ref\}\/check-runs$/,
    permission: 'checks: read',
    what: 'check runs could not be read',
    fallback: () => ({ total_count: 0, check_runs: [] }),
  },
  {
    test: /^POST \/repos\/\{owner\}\/\{repo\}\/check-runs$/,
    permission: 'checks: write',
    what: 'the "Baton / risk" and "Baton / flow.yml" check runs were not written (the risk gate is the baton:high-risk label and the card)',
    fallback: (p) => ({ id: 0, name: p.name, head_sha: p.head_sha, status: 'completed', conclusion: p.conclusion }),
  },
  {
    test: /^PATCH \/repos\/\{owner\}\/\{repo\}\/check-runs\/\{check_run_id\}$/,
    permission: 'checks: write',
    what: 'the "Baton / risk" and "Baton / flow.yml" check runs were not written (the risk gate is the baton:high-risk label and the card)',
    fallback: (p) => ({ id: p.check_run_id, status: 'completed', conclusion: p.conclusion }),
  },
  {
    test: /^GET \/orgs\/\{org\}\/teams\/\{team_slug\}\/members$/,
    permission: 'members: read (organization; needs a GitHub App token)',
    what: 'team members of roles are unknown; only logins listed in roles count',
    fallback: () => [],
  },
];

export interface RequestLog {
  octokit: OctokitLike;
  /** Requests sent (each costs rate limit unless GitHub answered 304). */
  count(): number;
  writes: WriteRecord[];
  degraded: Degradation[];
  /** Status-card bodies Baton read or wrote, oldest first (the job's outputs come from the last one). */
  cards: string[];
}

const CARD = '<!-- baton:card -->';

function collectCards(data: unknown, into: string[]): void {
  const rows = Array.isArray(data) ? data : [data];
  for (const r of rows) {
    const body = (r as { body?: unknown } | null)?.body;
    if (typeof body === 'string' && body.includes(CARD)) into.push(body);
  }
}

function targetOf(params: Record<string, unknown>): string | undefined {
  if (params.issue_number !== undefined) return `#${params.issue_number}`;
  if (params.pull_number !== undefined) return `#${params.pull_number}`;
  if (params.comment_id !== undefined) return `comment ${params.comment_id}`;
  if (params.head_sha !== undefined) return String(params.head_sha).slice(0, 7);
  if (params.title !== undefined) return `"${String(params.title).slice(0, 60)}"`;
  return undefined;
}

/** Wrap a client: count and remember, and degrade the refusals listed above. */
export function requestLog(inner: OctokitLike): RequestLog {
  let sent = 0;
  const writes: WriteRecord[] = [];
  const degraded: Degradation[] = [];
  const cards: string[] = [];
  const request = (async (route: string, params: Record<string, unknown> = {}) => {
    const method = route.split(' ')[0]!;
    sent++;
    try {
      const res = await (inner.request as (r: string, p: unknown) => Promise<Res>)(route, params);
      if (route.includes('/comments')) collectCards(res.data, cards);
      if (method !== 'GET')
        writes.push({ method, route, target: targetOf(params), outcome: 'applied', status: res.status });
      return res;
    } catch (err) {
      const e = err as { status?: number; message?: string };
      const d =
        e.status === 403 && FORBIDDEN.test(String(e.message)) ? DEGRADABLE.find((x) => x.test.test(route)) : undefined;
      if (d) {
        if (!degraded.some((x) => x.permission === d.permission))
          degraded.push({ permission: d.permission, what: d.what });
        if (method !== 'GET') writes.push({ method, route, target: targetOf(params), outcome: 'skipped', status: 403 });
        return { status: 200, url: '', headers: {}, data: d.fallback(params) } as unknown as Res;
      }
      if (method !== 'GET' && e.status !== 304)
        writes.push({ method, route, target: targetOf(params), outcome: 'failed', status: e.status });
      throw err;
    }
  }) as unknown as Request;
  return { octokit: { request }, count: () => sent, writes, degraded, cards };
}
