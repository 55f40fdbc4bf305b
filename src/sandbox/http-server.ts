// The HTTP face of the sandbox: routing, auth, faults, latency, pagination, ETags and rate-limit accounting, all in
// front of the route handlers (which only know the world). One module so every answer passes the same checks.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyAppJwt } from './app-auth.js';
import { Faults } from './faults.js';
import { checkPermission, type Permissions } from './permissions.js';
import type { Json } from './http-types.js';
import { HttpError } from './http-types.js';
import { APP_MANIFEST } from './app-manifest.js';
import { GRAPHQL_ROUTE } from './graphql.js';
import { ROUTES, compileRoutes, matchRoute, type RouteContext } from './routes.js';
import type { World } from './world.js';

export interface RequestCounts {
  /** Requests that cost rate limit: every answer except 304s and access-token minting. */
  total: number;
  /** Per `METHOD /route/{template}`. */
  byRoute: Record<string, number>;
  /** 304 answers (free on GitHub), for cache-hit ratios. */
  notModified: number;
}

export interface HttpOptions {
  appId: number;
  botLogin: string;
  publicKey?: string;
  latencyMs: number;
  /** Requests per hour before GitHub would answer 403 (only reported in headers; use faults to simulate exhaustion). */
  rateLimit: number;
  /** The App webhook's delivery log and how to redeliver one (GET/POST /app/hook/deliveries…). */
  hooks?: RouteContext['hooks'];
}

/** What the sandbox is about to answer (after the request was applied to the world, before the answer is sent). */
export interface Exchange {
  method: string;
  /** Route template, '' for unknown routes. */
  route: string;
  query: URLSearchParams;
  /** The parsed request body ({} when empty). */
  body: unknown;
  status: number;
  /** The JSON answer (undefined for 204/304 and raw media types). */
  response: unknown;
}

export interface AnswerInfo {
  method: string;
  /** Route template, e.g. `/repos/{owner}/{repo}/issues/{issue_number}/comments`; '' for unknown routes. */
  route: string;
  path: string;
  status: number;
}

const TABLE = compileRoutes([...ROUTES, GRAPHQL_ROUTE]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SandboxHttp {
  readonly faults = new Faults();
  private counts: RequestCounts = { total: 0, byRoute: {}, notModified: 0 };
  /**
   * Tokens the API accepts. An installation token acts as the App's bot on its installation's repositories only and
   * expires after an hour (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation);
   * anything else is answered 401 "Bad credentials".
   */
  private readonly tokens = new Map<string, { login: string; installationId?: number; expiresAt?: number }>();
  /** Tokens limited to some repositories and permissions (a workflow's GITHUB_TOKEN), acting for another App. */
  private readonly scoped = new Map<
    string,
    { repos: Set<string>; permissions: Permissions; appId: number; workflow: string }
  >();
  private tokenSeq = 0;
  private requestSeq = 0;
  private windowStart = Math.floor(Date.now() / 1000);
  private windowUsed = 0;
  /**
   * Called (and awaited) before each answer is sent, after the request changed the world: fault tests use it to act
   * at an exact point of a job, e.g. kill Baton between two GitHub writes (the first applied, its answer never seen).
   */
  onAnswer: ((info: AnswerInfo) => void | Promise<void>) | undefined;
  /** Sees every served request and its JSON answer (what a contract check validates against GitHub's schemas). */
  onExchange: ((x: Exchange) => void) | undefined;

  constructor(
    private readonly world: World,
    readonly opts: HttpOptions,
  ) {}

  requests(): RequestCounts {
    return { total: this.counts.total, byRoute: { ...this.counts.byRoute }, notModified: this.counts.notModified };
  }

  resetCounts(): void {
    this.counts = { total: 0, byRoute: {}, notModified: 0 };
  }

  /** A token that acts as `login` (a person using the API); installation tokens act as the App's bot. */
  tokenFor(login: string): string {
    const token = `ghu_sandbox_${login.replace(/\W/g, '_')}`;
    this.tokens.set(token, { login });
    return token;
  }

  /**
   * An installation token of another App limited to `repos` and `permissions`: what a workflow job's GITHUB_TOKEN is
   * (https://docs.github.com/en/actions/concepts/security/github_token). Acts as `login` (github-actions[bot]).
   */
  scopedToken(login: string, appId: number, repos: string[], permissions: Permissions, workflow = 'workflow'): string {
    const token = `ghs_sandbox_scoped${String(++this.tokenSeq).padStart(18, '0')}`;
    this.tokens.set(token, { login });
    this.scoped.set(token, { repos: new Set(repos.map((r) => r.toLowerCase())), permissions, appId, workflow });
    return token;
  }

  /** An installation token, minted as POST /app/installations/{id}/access_tokens would. */
  mintToken(installationId: number): { token: string; expires_at: string } {
    const token = `ghs_sandbox${String(++this.tokenSeq).padStart(25, '0')}`;
    const expiresAt = Date.now() + 3600_000;
    this.tokens.set(token, { login: this.opts.botLogin, installationId, expiresAt });
    return { token, expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  /** Expire every installation token now (the hourly rotation): the next request with one is answered 401. */
  expireInstallationTokens(): number {
    let n = 0;
    for (const [token, t] of this.tokens)
      if (t.installationId !== undefined) {
        this.tokens.delete(token);
        n++;
      }
    return n;
  }

  private count(key: string): void {
    this.counts.total++;
    this.counts.byRoute[key] = (this.counts.byRoute[key] ?? 0) + 1;
    this.windowUsed++;
  }

  private rateHeaders(): Record<string, string> {
    const now = Math.floor(Date.now() / 1000);
    if (now >= this.windowStart + 3600) {
      this.windowStart = now;
      this.windowUsed = 0;
    }
    return {
      'x-ratelimit-limit': String(this.opts.rateLimit),
      'x-ratelimit-remaining': String(Math.max(0, this.opts.rateLimit - this.windowUsed)),
      'x-ratelimit-reset': String(this.windowStart + 3600),
      'x-ratelimit-used': String(this.windowUsed),
      'x-ratelimit-resource': 'core',
    };
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res).catch((err) => {
      // A bug in the sandbox itself: answer 500 with the cause so the test/demo log shows it.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ message: `sandbox error: ${(err as Error).stack ?? err}` }));
    });
  };

  /**
   * An installation token reaches only its installation's repositories (others are 404, as if they did not exist)
   * and only with the App's permissions: a route needing one the manifest does not grant is 403
   * "Resource not accessible by integration" (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api).
   */
  private checkInstallation(
    installationId: number,
    route: string,
    params: Record<string, string>,
    method: string,
  ): void {
    const inst = this.world.state.installations.get(installationId);
    if (!inst) throw new HttpError(401, 'Bad credentials');
    if (params.owner !== undefined && params.repo !== undefined) {
      const r = this.world.state.repo(params.owner, params.repo);
      if (!r || !inst.repos.has(r.fullName.toLowerCase())) throw new HttpError(404, 'Not Found');
    }
    if (params.org !== undefined && params.org.toLowerCase() !== inst.account.toLowerCase())
      throw new HttpError(404, 'Not Found');
    checkPermission(method, route, APP_MANIFEST.permissions as Permissions);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const host = req.headers.host ?? '127.0.0.1';
    const url = new URL(req.url ?? '/', `http://${host}`);
    const raw = await readBody(req);
    const requestId = `SANDBOX:${(++this.requestSeq).toString(16).toUpperCase()}`;
    let routePath = '';
    const send = async (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (this.onAnswer) await this.onAnswer({ method, route: routePath, path: url.pathname, status });
      this.onExchange?.({
        method,
        route: routePath,
        query: url.searchParams,
        body: raw ? safeJson(raw) : {},
        status,
        response: status === 204 || status === 304 ? undefined : body,
      });
      if (this.opts.latencyMs > 0) await sleep(this.opts.latencyMs);
      const text = body === undefined || status === 204 || status === 304 ? '' : JSON.stringify(body);
      res.writeHead(status, {
        ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        'x-github-request-id': requestId,
        'x-github-media-type': 'github.v3; format=json',
        ...this.rateHeaders(),
        ...headers,
      });
      res.end(text);
    };
    const sendRaw = async (status: number, text: string, contentType: string) => {
      if (this.onAnswer) await this.onAnswer({ method, route: routePath, path: url.pathname, status });
      if (this.opts.latencyMs > 0) await sleep(this.opts.latencyMs);
      res.writeHead(status, {
        'content-type': contentType,
        'x-github-request-id': requestId,
        'x-github-media-type': 'github.v3; param=raw',
        ...this.rateHeaders(),
      });
      res.end(text);
    };

    const hit = matchRoute(TABLE, method, url.pathname);
    const key = hit ? `${method} ${hit.route.path}` : `${method} (unknown route)`;
    routePath = hit?.route.path ?? '';
    const taken = this.faults.take(method, hit?.route.path ?? '', url.pathname);
    // An `applied` fault lets the request do its work and replaces only the answer (see FaultSpec.applied).
    const late = taken?.applied && hit ? taken : undefined;
    const fault = late ? undefined : taken;
    if (fault) {
      if (!hit?.route.free) this.count(key);
      return send(fault.status, fault.body, fault.headers);
    }
    if (!hit) {
      this.count(key);
      return send(404, new HttpError(404, 'Not Found').body());
    }
    const { route, params } = hit;
    // A renamed or transferred repository's former name is redirected: 301 for GET, 307 (method and body kept) for
    // the others (https://docs.github.com/en/repositories/creating-and-managing-repositories/renaming-a-repository,
    // https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#follow-redirects).
    if (params.owner !== undefined && params.repo !== undefined && !this.world.state.repo(params.owner, params.repo)) {
      const moved = this.world.state.moved.get(`${params.owner}/${params.repo}`.toLowerCase());
      if (moved) {
        // Every repository route is /repos/{owner}/{repo}/…: keep what follows the name.
        const rest = url.pathname.split('/').slice(4).join('/');
        const location = `${url.origin}/repos/${moved.owner}/${moved.name}${rest ? `/${rest}` : ''}${url.search}`;
        this.count(key);
        return send(
          method === 'GET' || method === 'HEAD' ? 301 : 307,
          {
            message: 'Moved Permanently',
            url: location,
            documentation_url:
              'https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects',
          },
          { location },
        );
      }
    }
    const authorization = req.headers.authorization;
    try {
      if (!authorization) throw new HttpError(401, 'Requires authentication');
      let actor = this.opts.botLogin;
      let appId = this.opts.appId;
      let workflow: string | undefined;
      let installationId: number | undefined;
      let reach: RouteContext['reach'];
      const token = authorization.replace(/^(token|bearer)\s+/i, '');
      if (route.auth === 'jwt')
        verifyAppJwt(authorization, this.opts.appId, this.opts.publicKey, Math.floor(Date.now() / 1000));
      else {
        const t = this.tokens.get(token);
        if (!t || (t.expiresAt !== undefined && t.expiresAt <= Date.now())) throw new HttpError(401, 'Bad credentials');
        actor = t.login;
        const scope = this.scoped.get(token);
        if (scope) {
          // A repository-scoped token sees no other repository (404, as GitHub hides what a token cannot reach).
          const repo = params.owner && params.repo ? `${params.owner}/${params.repo}`.toLowerCase() : undefined;
          if (repo && !scope.repos.has(repo)) throw new HttpError(404, 'Not Found');
          checkPermission(method, route.path, scope.permissions);
          appId = scope.appId;
          workflow = scope.workflow;
          reach = (r, m, rest) => {
            if (!scope.repos.has(r.fullName.toLowerCase())) throw new HttpError(404, 'Not Found');
            checkPermission(m, rest, scope.permissions);
          };
        } else if (t.installationId !== undefined) {
          const id = t.installationId;
          this.checkInstallation(id, route.path, params, method);
          installationId = id;
          reach = (r, m, rest) => this.checkInstallation(id, rest, { owner: r.owner, repo: r.name }, m);
        }
      }
      let body: Json = {};
      if (raw.length) {
        try {
          body = JSON.parse(raw) as Json;
        } catch {
          throw new HttpError(400, 'Problems parsing JSON');
        }
      }
      const ctx: RouteContext = {
        world: this.world,
        params,
        query: url.searchParams,
        body,
        actor,
        appId,
        ...(workflow ? { workflow } : {}),
        ...(installationId !== undefined ? { installationId } : {}),
        ...(reach ? { reach } : {}),
        accept: String(req.headers.accept ?? ''),
        mintToken: (id) => this.mintToken(id),
        url,
        ...(this.opts.hooks ? { hooks: this.opts.hooks } : {}),
      };
      const answer = route.handler(ctx);
      let out: unknown;
      const headers: Record<string, string> = { ...('headers' in answer ? (answer.headers ?? {}) : {}) };
      if ('raw' in answer) {
        if (!route.free) this.count(key);
        return sendRaw(answer.status, answer.raw, answer.contentType);
      }
      if ('list' in answer) {
        // Every list is paged: per_page (default 30, at most 100), page, and a Link header with rel="next"/"last"
        // (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api).
        const perPage = clamp(Number(url.searchParams.get('per_page') ?? 30) || 30, 1, 100);
        const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
        const last = Math.max(1, Math.ceil(answer.list.length / perPage));
        const rows = answer.list.slice((page - 1) * perPage, page * perPage).map(answer.render);
        out = answer.wrap ? answer.wrap(rows, answer.list.length) : rows;
        const link = linkHeader(url, page, last);
        if (link) headers.link = link;
      } else out = answer.body;
      // GitHub tags every 200 representation, writes included: a client that keeps the ETag of what it wrote gets a
      // 304 on its next read when nobody else changed the resource. The tag is tied to the credentials (the answer
      // varies on Authorization), so a rotated token starts with no valid ETag
      // (https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate).
      if (answer.status === 200 || answer.status === 201) {
        const etag = `W/"${createHash('sha1')
          .update(JSON.stringify(out ?? null))
          .update(`\0${token}`)
          .digest('hex')}"`;
        headers.etag = etag;
        headers.vary = 'Accept, Authorization, Cookie, X-GitHub-OTP';
        if (method === 'GET') headers['cache-control'] = 'private, max-age=60, s-maxage=60';
        const inm = req.headers['if-none-match'];
        if (method === 'GET' && inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === etag.slice(2))) {
          this.counts.notModified++;
          return send(304, undefined, headers);
        }
      }
      if (!route.free) this.count(key);
      if (late) return send(late.status, late.body, late.headers);
      return send(answer.status, out, headers);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      if (!route.free) this.count(key);
      return send(err.status, err.body(), err.headers);
    }
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

function linkHeader(url: URL, page: number, last: number): string | undefined {
  if (last <= 1 && page <= 1) return undefined;
  const at = (p: number) => {
    const u = new URL(url);
    u.searchParams.set('page', String(p));
    return u.toString();
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`<${at(page - 1)}>; rel="prev"`);
  if (page < last) parts.push(`<${at(page + 1)}>; rel="next"`);
  parts.push(`<${at(last)}>; rel="last"`);
  if (page > 1) parts.push(`<${at(1)}>; rel="first"`);
  return parts.join(', ');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
