// The read-only dashboard at /baton: a page, its script and style, chart.js from node_modules, and JSON under
// /baton/api/. Plain node:http handlers — Probot 14 has no express; its server takes `(req, res) => handled`
// handlers through `addHandler` — so the same handler also mounts on an express app via `use`.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store, TransitionRecord } from '../../store/types.js';
import { loadMerges } from '../merges.js';
import { buildRuns } from '../runs.js';
import { loadSince } from '../kpis.js';
import { parseDuration } from '../stats.js';
import { COOKIE, decideAccess } from './access.js';
import { board, kpiPayload, timeline } from './data.js';
import { CLIENT_CSS, CLIENT_JS, PAGE_HTML } from './client.js';
import { errorMessage } from '../../ops/errors.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

const MAX_PERIOD_MS = 3650 * 86_400_000;

export interface DashboardOptions {
  store: Pick<Store, 'transitions' | 'ledger' | 'kvList'>;
  /** `repo#issue` → the partner token that started the run (the partner API), shown on the board. */
  sources?: () => Promise<ReadonlyMap<string, string>>;
  /** Every repository Baton knows (installed, app/inventory.ts), with or without runs: the selector lists them all. */
  knownRepos?: () => Promise<string[]>;
  /** BATON_DASHBOARD_TOKEN. Without one the dashboard is open to localhost only (sandbox mode). */
  token?: string;
  /** Default true: with no token, allow browsers on the server itself. Set false to refuse everyone instead. */
  openOnLocalhost?: boolean;
  /** Clock for "the last 30 days" (injected for tests and the sandbox's replayed history). */
  now?: () => Date;
  onError?: (e: unknown) => void;
}

const BASE = '/baton';
const PERIODS = ['7d', '30d', '90d', '365d'];
const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  // Scripts only from us; chart.js sets canvas styles through CSSOM, which style-src does not restrict.
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

let chartJs: Promise<Buffer> | undefined;
function loadChartJs(): Promise<Buffer> {
  // Resolved through node's resolver so it works wherever node_modules is (no CDN: the dashboard works offline).
  // chart.js's package exports hide dist/, so resolve its main entry (dist/chart.cjs) and take the UMD file beside it.
  chartJs ??= readFile(join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js'));
  return chartJs;
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  extra: Record<string, string | string[]> = {},
): true {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, ...extra });
  res.end(body);
  return true;
}

function json(res: ServerResponse, status: number, body: unknown): true {
  return send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

/** How long one load of transitions serves other API calls: a page view makes three calls over the same window. */
const LOAD_TTL_MS = 5000;

export function createDashboardHandler(o: DashboardOptions): Handler {
  const now = o.now ?? (() => new Date());
  const loads = new Map<string, { at: number; until: number; data: Promise<TransitionRecord[]> }>();
  /** Transitions for a repo filter and period, shared by the calls of one page view (and its `until`). */
  const load = (repo: string | undefined, periodMs: number) => {
    const t = now().getTime();
    const key = `${repo ?? '*'}|${periodMs}`;
    const hit = loads.get(key);
    if (hit && t - hit.at < LOAD_TTL_MS) return hit;
    for (const [k, v] of loads) if (t - v.at >= LOAD_TTL_MS) loads.delete(k);
    const sinceIso = new Date(t - periodMs).toISOString();
    const untilIso = new Date(t).toISOString();
    const entry = {
      at: t,
      until: t,
      data: o.store.transitions({ repo, since: loadSince(sinceIso, untilIso), until: untilIso }),
    };
    entry.data.catch(() => loads.delete(key));
    loads.set(key, entry);
    return entry;
  };
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://baton.local');
    if (url.pathname !== BASE && !url.pathname.startsWith(BASE + '/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain; charset=utf-8', 'The dashboard is read-only.', { Allow: 'GET, HEAD' });

    const access = decideAccess(
      { remoteAddress: req.socket?.remoteAddress, headers: req.headers, queryToken: url.searchParams.get('token') },
      o.token,
      o.openOnLocalhost ?? true,
    );
    if (!access.ok) {
      const api = url.pathname.startsWith(BASE + '/api/');
      return api
        ? json(res, access.status, { error: access.message })
        : send(res, access.status, 'text/plain; charset=utf-8', access.message + '\n');
    }
    if (access.setCookie) {
      // Trade the URL token for an HttpOnly cookie and drop it from the address bar (and from history/referrers).
      url.searchParams.delete('token');
      const secure =
        (req.headers['x-forwarded-proto'] ?? '') === 'https' || (req.socket as { encrypted?: boolean }).encrypted
          ? '; Secure'
          : '';
      return send(res, 303, 'text/plain; charset=utf-8', 'Signed in.\n', {
        'Set-Cookie': `${COOKIE}=${encodeURIComponent(o.token!)}; Path=${BASE}; HttpOnly; SameSite=Strict; Max-Age=2592000${secure}`,
        Location: url.pathname + (url.search || ''),
      });
    }

    try {
      switch (url.pathname) {
        case BASE:
        case BASE + '/':
          return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
        case BASE + '/app.js':
          return send(res, 200, 'text/javascript; charset=utf-8', CLIENT_JS);
        case BASE + '/app.css':
          return send(res, 200, 'text/css; charset=utf-8', CLIENT_CSS);
        case BASE + '/chart.js':
          return send(res, 200, 'text/javascript; charset=utf-8', await loadChartJs());
      }
      if (!url.pathname.startsWith(BASE + '/api/')) return send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');

      const wanted = url.searchParams.get('repo') || undefined;
      if (wanted !== undefined && !/^[^/\s*]+\/([^/\s*]+|\*)$/.test(wanted))
        return json(res, 400, { error: 'repo must be owner/repo, or owner/* for every repository of an org' });
      // `acme/*`: all repositories of acme, one view (loaded unfiltered, then kept to the org).
      const org = wanted?.endsWith('/*') ? wanted.slice(0, -2).toLowerCase() : undefined;
      const repo = org ? undefined : wanted;
      const ofOrg = <T extends { repo: string }>(xs: T[]): T[] =>
        org ? xs.filter((x) => x.repo.split('/')[0]?.toLowerCase() === org) : xs;
      const period = url.searchParams.get('since') || '30d';
      let periodMs: number;
      try {
        periodMs = parseDuration(period);
      } catch (e) {
        return json(res, 400, { error: errorMessage(e) });
      }
      // A period beyond any date JavaScript can represent would throw later: refuse it here, with the bound.
      if (!Number.isFinite(periodMs) || periodMs <= 0 || periodMs > MAX_PERIOD_MS)
        return json(res, 400, { error: `since must be a duration of at most 3650d, got ${period.slice(0, 40)}` });
      if (url.pathname === BASE + '/api/run') {
        const issue = Number(url.searchParams.get('issue'));
        if (!repo || !Number.isInteger(issue) || issue <= 0)
          return json(res, 400, { error: 'give repo=owner/repo and issue=<number>' });
        if (!repo) return json(res, 400, { error: 'give repo=owner/repo and issue=<number>' });
        return json(res, 200, timeline(await o.store.transitions({ repo, until: now().toISOString() }), repo, issue));
      }
      const loaded = load(repo, periodMs);
      const until = loaded.until;
      const since = until - periodMs;
      switch (url.pathname) {
        case BASE + '/api/meta': {
          const t = await load(undefined, periodMs).data;
          const repos = [...new Set([...t.map((x) => x.repo), ...((await o.knownRepos?.()) ?? [])])].sort();
          const owners = new Map<string, number>();
          for (const r of repos) owners.set(r.split('/')[0]!, (owners.get(r.split('/')[0]!) ?? 0) + 1);
          return json(res, 200, {
            repos,
            /** Owners with more than one repository: the selector offers "all repositories of <org>". */
            orgs: [...owners].filter(([, n]) => n > 1).map(([owner]) => owner),
            periods: PERIODS,
            now: new Date(until).toISOString(),
          });
        }
        case BASE + '/api/board':
          return json(
            res,
            200,
            board(buildRuns(ofOrg(await loaded.data)), since, until, 50, (await o.sources?.()) ?? new Map()),
          );
        case BASE + '/api/kpis': {
          const [t, l] = await Promise.all([
            loaded.data,
            o.store.ledger({ repo, since: new Date(since - periodMs).toISOString() }),
          ]);
          const untilIso = new Date(until).toISOString();
          const runs = buildRuns(ofOrg(t));
          // The merges of the repos in view (one repo, or every repo with runs for "all" and "all of <org>").
          const repos = repo ? [repo] : [...new Set(runs.map((r) => r.repo))];
          const merges = await loadMerges(o.store, repos, new Date(since - periodMs).toISOString(), untilIso);
          return json(
            res,
            200,
            kpiPayload(
              runs,
              ofOrg(l).filter((e) => e.at < untilIso),
              since,
              until,
              merges,
            ),
          );
        }
      }
      return json(res, 404, { error: `no such API route: ${url.pathname}` });
    } catch (e) {
      o.onError?.(e);
      return json(res, 500, { error: 'The dashboard could not read the store; see the Baton server log.' });
    }
  };
}

/** Something a handler can be mounted on: Probot's `addHandler`, an object with it, or an express app/router. */
export type MountTarget =
  | ((h: Handler) => void)
  | { addHandler(h: Handler): void }
  | { use(fn: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void): unknown };

export function mountDashboard(target: MountTarget, o: DashboardOptions): Handler {
  const handler = createDashboardHandler(o);
  if (typeof target === 'function') target(handler);
  else if ('addHandler' in target) target.addHandler(handler);
  else
    target.use((req, res, next) => {
      Promise.resolve(handler(req, res)).then((handled) => (handled ? undefined : next()), next);
    });
  return handler;
}
