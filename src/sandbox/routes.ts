// The sandbox's REST routes: every call in src/github/port.ts plus the App-auth routes Probot/Octokit use. Paths are
// GitHub's OpenAPI templates verbatim (test/sandbox/openapi.test.ts checks each exists in @octokit/openapi).
import type { Json } from './http-types.js';
import { HttpError } from './http-types.js';
import type { Commit, Installation, Issue, Repo } from './state.js';
import type { World } from './world.js';
import { HookDeliveries } from './hook-deliveries.js';
import { parseIssueQuery, searchIssues } from './search.js';

export type AuthKind = 'jwt' | 'token';

/** Path parameters, by the names GitHub's OpenAPI templates use. */
type ParamName =
  | 'owner'
  | 'repo'
  | 'path'
  | 'ref'
  | 'issue_number'
  | 'pull_number'
  | 'comment_id'
  | 'check_run_id'
  | 'installation_id'
  | 'name'
  | 'org'
  | 'team_slug'
  | 'username'
  | 'delivery_id'
  | 'assignee'
  | 'sha'
  | 'commit_sha'
  | 'branch';
/** A route's handler reads only the names in its own template, which the matcher always fills. */
export type RouteParams = Record<ParamName, string>;

export interface RouteContext {
  world: World;
  params: RouteParams;
  query: URLSearchParams;
  body: Json;
  /** Login the Authorization header stands for (the App's bot unless a user token was used). */
  actor: string;
  appId: number;
  /** Set when an installation token made the request: its installation. */
  installationId?: number;
  /** Set when a workflow job's token made the request: the workflow run it belongs to. */
  workflow?: string;
  /** The Accept header (custom media types such as application/vnd.github.raw+json). */
  accept: string;
  mintToken(installationId: number): { token: string; expires_at: string };
  /** The request URL (for Link headers a route builds itself, e.g. cursor pagination). */
  url?: URL;
  /**
   * Whether the request's token may do `method restRoute` on `repo` (installation scope and App permissions, as for
   * that REST route); throws the HttpError GitHub would answer. Routes that address objects by node id (GraphQL) use
   * it once they know the repository.
   */
  reach?: (repo: Repo, method: string, restRoute: string) => void;
  /** The App webhook's delivery log, and a redelivery of one GUID (sent asynchronously, as GitHub does). */
  hooks?: { log: HookDeliveries; redeliver(guid: string): void };
}

export type RouteAnswer =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /**
   * A list the server pages (per_page/page + Link header) before rendering only the page it returns; `wrap` puts the
   * page in an object (`{ total_count, check_runs }`) for the lists GitHub answers that way.
   */
  | {
      status: number;
      list: unknown[];
      render: (item: unknown) => unknown;
      wrap?: (page: unknown[], total: number) => unknown;
    }
  /** A raw media type answer (file bytes), not JSON. */
  | { status: number; raw: string; contentType: string };

export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  auth: AuthKind;
  /** Rate-limit accounting skips it (GitHub does not charge for minting tokens). */
  free?: boolean;
  handler: (ctx: RouteContext) => RouteAnswer;
}

const repoOf = (c: RouteContext): Repo => c.world.repo(c.params.owner, c.params.repo);
const num = (s: string): number => {
  const n = Number(s);
  if (!Number.isInteger(n)) throw new HttpError(404, 'Not Found');
  return n;
};
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

function hooksOf(c: RouteContext): NonNullable<RouteContext['hooks']> {
  if (!c.hooks) throw new HttpError(404, 'Not Found');
  return c.hooks;
}

function installationFor(c: RouteContext, r: Repo): Installation {
  for (const i of c.world.state.installations.values())
    if (i.appId === c.appId && i.repos.has(r.fullName.toLowerCase())) return i;
  throw new HttpError(404, 'Not Found');
}

function filterIssues(c: RouteContext, r: Repo): Issue[] {
  const state = c.query.get('state') ?? 'open';
  const labels = (c.query.get('labels') ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const since = c.query.get('since');
  const assignee = c.query.get('assignee');
  const creator = c.query.get('creator');
  const out: Issue[] = [];
  for (const i of r.issues.values()) {
    if (state !== 'all' && i.state !== state) continue;
    if (labels.length && !labels.every((l) => i.labels.some((x) => x.toLowerCase() === l))) continue;
    if (since && i.updated_at < since) continue;
    if (
      assignee &&
      assignee !== '*' &&
      !(assignee === 'none' ? i.assignees.length === 0 : i.assignees.includes(assignee))
    )
      continue;
    if (creator && i.user.toLowerCase() !== creator.toLowerCase()) continue;
    out.push(i);
  }
  const sort = c.query.get('sort') ?? 'created';
  const dir = c.query.get('direction') === 'asc' ? 1 : -1;
  const key = (i: Issue) => (sort === 'updated' ? i.updated_at : i.created_at);
  // Newest first by default; the number breaks ties so equal timestamps keep a stable order.
  return out.sort((a, b) => (key(a) < key(b) ? -dir : key(a) > key(b) ? dir : (a.number - b.number) * dir));
}

function listCommits(c: RouteContext, r: Repo): Commit[] {
  const head = c.world.state.resolveRef(r, c.query.get('sha') ?? undefined);
  if (!head) throw new HttpError(404, 'No commit found for SHA: ' + (c.query.get('sha') ?? r.default_branch));
  const path = c.query.get('path')?.replace(/^\/+/, '');
  const author = c.query.get('author')?.toLowerCase();
  const since = c.query.get('since');
  const until = c.query.get('until');
  const out: Commit[] = [];
  for (const commit of c.world.state.history(r, head.sha)) {
    if (since && commit.author.date < since) continue;
    if (until && commit.author.date > until) continue;
    if (author && commit.author.login?.toLowerCase() !== author && commit.author.email.toLowerCase() !== author)
      continue;
    if (path && !commit.files.some((f) => f.filename === path || f.filename.startsWith(path + '/'))) continue;
    out.push(commit);
  }
  return out;
}

export const ROUTES: RouteDef[] = [
  // --- App auth ------------------------------------------------------------------------------------------------------
  {
    method: 'GET',
    path: '/app',
    auth: 'jwt',
    handler: (c) => ({
      status: 200,
      body: { ...c.world.render.app(c.appId), installations_count: c.world.state.installations.size },
    }),
  },
  {
    method: 'GET',
    path: '/app/installations',
    auth: 'jwt',
    handler: (c) => ({
      status: 200,
      list: [...c.world.state.installations.values()].filter((i) => i.appId === c.appId),
      render: (i) => c.world.render.installation(i as Installation),
    }),
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/installation',
    auth: 'jwt',
    handler: (c) => ({ status: 200, body: c.world.render.installation(installationFor(c, repoOf(c))) }),
  },
  {
    method: 'POST',
    path: '/app/installations/{installation_id}/access_tokens',
    auth: 'jwt',
    free: true,
    handler: (c) => {
      const inst = c.world.state.installations.get(num(c.params.installation_id));
      if (!inst || inst.appId !== c.appId) throw new HttpError(404, 'Not Found');
      const t = c.mintToken(inst.id);
      return {
        status: 201,
        body: { ...t, permissions: c.world.render.app(c.appId).permissions, repository_selection: 'selected' },
      };
    },
  },
  {
    method: 'GET',
    path: '/installation/repositories',
    auth: 'token',
    // The repositories the token's installation can reach, paged like every list, in the object GitHub wraps them in
    // (https://docs.github.com/en/rest/apps/installations#list-repositories-accessible-to-the-app-installation).
    handler: (c) => {
      const inst = c.installationId !== undefined ? c.world.state.installations.get(c.installationId) : undefined;
      if (!inst) throw new HttpError(403, 'This endpoint requires an installation access token');
      const repos = [...c.world.state.repos.values()].filter((r) => inst.repos.has(r.fullName.toLowerCase()));
      return {
        status: 200,
        list: repos,
        render: (r) => c.world.render.repo(r as Repo),
        wrap: (page, total) => ({ total_count: total, repository_selection: 'selected', repositories: page }),
      };
    },
  },
  // --- the App's webhook deliveries (https://docs.github.com/en/rest/apps/webhooks) -------------------------------------
  {
    method: 'GET',
    path: '/app/hook/deliveries',
    auth: 'jwt',
    // Newest first, paged by an opaque cursor (not page numbers): the Link header's rel="next" carries the cursor
    // of the first item of the next page.
    handler: (c) => {
      const log = hooksOf(c).log;
      const status = c.query.get('status');
      if (status !== null && status !== 'success' && status !== 'failure')
        throw new HttpError(422, 'Validation Failed', [{ resource: 'Delivery', field: 'status', code: 'invalid' }]);
      const perPage = Math.min(100, Math.max(1, Number(c.query.get('per_page') ?? 30) || 30));
      const all = log.list(status ?? undefined);
      const cursor = c.query.get('cursor');
      let start = 0;
      if (cursor) {
        const m = /^v1_(\d+)$/.exec(cursor);
        if (!m) throw new HttpError(400, 'Bad request: invalid cursor');
        const from = Number(m[1]);
        start = all.findIndex((a) => a.id <= from);
        if (start < 0) start = all.length;
      }
      const page = all.slice(start, start + perPage);
      const next = all[start + perPage];
      const headers: Record<string, string> = {};
      if (next && c.url) {
        const u = new URL(c.url);
        u.searchParams.set('cursor', `v1_${next.id}`);
        u.searchParams.set('per_page', String(perPage));
        headers.link = `<${u.toString()}>; rel="next"`;
      }
      return { status: 200, body: page.map(HookDeliveries.simple), headers };
    },
  },
  {
    method: 'GET',
    path: '/app/hook/deliveries/{delivery_id}',
    auth: 'jwt',
    handler: (c) => {
      const a = hooksOf(c).log.get(num(c.params.delivery_id));
      if (!a) throw new HttpError(404, 'Not Found');
      return { status: 200, body: a };
    },
  },
  {
    method: 'POST',
    path: '/app/hook/deliveries/{delivery_id}/attempts',
    auth: 'jwt',
    handler: (c) => {
      const h = hooksOf(c);
      const a = h.log.get(num(c.params.delivery_id));
      if (!a) throw new HttpError(404, 'Not Found');
      h.redeliver(a.guid);
      return { status: 202, body: {} };
    },
  },
  // --- repository ----------------------------------------------------------------------------------------------------
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}',
    auth: 'token',
    // The full repository adds a few counts to the one embedded in other answers.
    handler: (c) => ({
      status: 200,
      body: { ...c.world.render.repo(repoOf(c)), network_count: 0, subscribers_count: 0 },
    }),
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/contents/{path}',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const ref = c.query.get('ref') ?? r.default_branch;
      const commit = c.world.state.resolveRef(r, ref);
      if (!commit) throw new HttpError(404, `No commit found for the ref ${ref}`);
      const path = c.params.path.replace(/^\/+|\/+$/g, '');
      const sha = commit.tree.get(path);
      if (sha) {
        const text = r.blobs.get(sha) ?? '';
        // Over 100 MB the endpoint refuses; the raw media type returns the bytes of any smaller file
        // (https://docs.github.com/en/rest/repos/contents#get-repository-content).
        if (Buffer.byteLength(text) > 100 * 1024 * 1024)
          throw new HttpError(403, 'This API returns blobs up to 100 MB in size. The requested blob is too large.', [
            { resource: 'Blob', field: 'data', code: 'too_large' },
          ]);
        if (/application\/vnd\.github(\.v3)?\.raw/.test(c.accept))
          return { status: 200, raw: text, contentType: 'application/vnd.github.raw; charset=utf-8' };
        return { status: 200, body: c.world.render.content(r, path, sha, ref, text) };
      }
      // A directory: its direct children (files and sub-directories).
      const prefix = path ? path + '/' : '';
      const entries = new Map<string, { sha: string; type: 'file' | 'dir' }>();
      for (const [p, s] of commit.tree) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (slash < 0) entries.set(rest, { sha: s, type: 'file' });
        else if (!entries.has(rest.slice(0, slash)))
          entries.set(rest.slice(0, slash), { sha: commit.treeSha, type: 'dir' });
      }
      if (entries.size === 0) throw new HttpError(404, 'Not Found');
      const list = [...entries]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, e]) => c.world.render.content(r, prefix + name, e.sha, ref, undefined, e.type));
      return { status: 200, body: list };
    },
  },
  {
    method: 'PUT',
    path: '/repos/{owner}/{repo}/contents/{path}',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const path = c.params.path.replace(/^\/+/, '');
      const b = c.body as { message: string; content: string; branch?: string; sha?: string };
      if (typeof b.content !== 'string') throw new HttpError(422, 'Invalid request.\n\n"content" wasn\'t supplied.');
      const { created, commit } = c.world.putFile(r, c.actor, {
        path,
        message: b.message,
        content: b.content,
        branch: b.branch,
        sha: b.sha,
      });
      const ref = b.branch ?? r.default_branch;
      return {
        status: created ? 201 : 200,
        body: {
          content: c.world.render.content(r, path, commit.tree.get(path)!, ref),
          commit: c.world.render.commit(r, commit).commit,
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/git/ref/{ref}',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const m = /^heads\/(.+)$/.exec(c.params.ref);
      const sha = m ? r.branches.get(m[1]!) : undefined;
      if (!sha) throw new HttpError(404, 'Not Found');
      const api = `${c.world.render.urls.api}/repos/${r.fullName}`;
      return {
        status: 200,
        body: {
          ref: `refs/${c.params.ref}`,
          node_id: Buffer.from(`Ref:${c.params.ref}`).toString('base64'),
          url: `${api}/git/refs/${c.params.ref}`,
          object: { type: 'commit', sha, url: `${api}/git/commits/${sha}` },
        },
      };
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/git/refs',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const { ref, sha } = c.body as { ref: string; sha: string };
      c.world.createRef(r, ref, sha);
      const api = `${c.world.render.urls.api}/repos/${r.fullName}`;
      const short = ref.replace(/^refs\//, '');
      return {
        status: 201,
        body: {
          ref,
          node_id: Buffer.from(`Ref:${short}`).toString('base64'),
          url: `${api}/git/refs/${short}`,
          object: { type: 'commit', sha, url: `${api}/git/commits/${sha}` },
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      return { status: 200, list: listCommits(c, r), render: (x) => c.world.render.commit(r, x as Commit) };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits/{ref}',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const commit = c.world.state.resolveRef(r, c.params.ref);
      if (!commit) throw new HttpError(422, `No commit found for SHA: ${c.params.ref}`);
      return { status: 200, body: c.world.render.commit(r, commit, true) };
    },
  },
  // --- branches and their rules ------------------------------------------------------------------------------------
  {
    // https://docs.github.com/en/rest/branches/branches#get-a-branch: the branch, its head commit, and a summary of
    // its classic protection (`protection.required_status_checks`: contexts and checks) readable with contents read.
    method: 'GET',
    path: '/repos/{owner}/{repo}/branches/{branch}',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const name = c.params.branch;
      const sha = r.branches.get(name);
      const head = sha ? c.world.state.resolveRef(r, sha) : undefined;
      if (!head) throw new HttpError(404, 'Branch not found');
      const p = r.protections?.get(name);
      const classic = p?.via === 'classic' ? p : undefined;
      const api = `${c.world.render.urls.api}/repos/${r.fullName}/branches/${encodeURIComponent(name)}`;
      return {
        status: 200,
        body: {
          name,
          commit: c.world.render.commit(r, head),
          _links: { self: api, html: `${c.world.render.urls.html}/${r.fullName}/tree/${name}` },
          protected: !!classic,
          protection: {
            enabled: !!classic,
            required_status_checks: {
              enforcement_level: classic ? 'non_admins' : 'off',
              contexts: classic?.contexts ?? [],
              checks: (classic?.contexts ?? []).map((context) => ({ context, app_id: null })),
            },
          },
          protection_url: `${api}/protection`,
        },
      };
    },
  },
  {
    // https://docs.github.com/en/rest/repos/rules#get-rules-for-a-branch: every active ruleset rule on the branch,
    // readable by anyone with read access (metadata); required checks are a `required_status_checks` rule.
    method: 'GET',
    path: '/repos/{owner}/{repo}/rules/branches/{branch}',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const p = r.protections?.get(c.params.branch);
      const rules =
        p?.via === 'ruleset'
          ? [
              {
                type: 'required_status_checks',
                parameters: {
                  strict_required_status_checks_policy: false,
                  do_not_enforce_on_create: false,
                  required_status_checks: p.contexts.map((context) => ({ context })),
                },
                ruleset_source_type: 'Repository',
                ruleset_source: r.fullName,
                ruleset_id: p.rulesetId,
              },
            ]
          : [];
      return { status: 200, list: rules, render: (x) => x };
    },
  },
  // --- search --------------------------------------------------------------------------------------------------------
  {
    // https://docs.github.com/en/rest/search/search#search-issues-and-pull-requests: `{ total_count,
    // incomplete_results, items }`, each item the issue with a `score`; only the first 1,000 results can be paged to
    // ("Only the first 1000 search results are available", 422), and only repositories the caller can see.
    method: 'GET',
    path: '/search/issues',
    auth: 'token',
    handler: (c) => {
      const q = parseIssueQuery(c.query.get('q') ?? '');
      const perPage = Math.min(100, Math.max(1, Number(c.query.get('per_page') ?? 30) || 30));
      const page = Math.max(1, Number(c.query.get('page') ?? 1) || 1);
      if ((page - 1) * perPage >= 1000) throw new HttpError(422, 'Only the first 1000 search results are available');
      const hits: Array<{ r: Repo; i: Issue }> = [];
      for (const full of q.repos) {
        const [owner, name] = full.split('/');
        const r = owner && name ? c.world.state.repo(owner, name) : undefined;
        let visible = false;
        if (r)
          for (const inst of c.world.state.installations.values())
            visible ||= inst.appId === c.appId && inst.repos.has(r.fullName.toLowerCase());
        if (!r || !visible)
          throw new HttpError(
            422,
            'Validation Failed: the listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them.',
          );
        for (const i of searchIssues(r, q, c.query.get('sort'), c.query.get('order'))) hits.push({ r, i });
      }
      const total = hits.length;
      return {
        status: 200,
        list: hits.slice(0, 1000),
        render: (h) => {
          const { r, i } = h as { r: Repo; i: Issue };
          return { ...(c.world.render.issue(r, i) as object), score: 1 };
        },
        wrap: (items) => ({ total_count: total, incomplete_results: false, items, search_type: 'lexical' }),
      };
    },
  },
  // --- issues, labels, assignees, comments ------------------------------------------------------------------------
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      return { status: 200, list: filterIssues(c, r), render: (i) => c.world.render.issue(r, i as Issue) };
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const b = c.body as { title: string; body?: string; labels?: unknown; assignees?: unknown };
      const i = c.world.createIssue(r, c.actor, {
        title: b.title,
        body: b.body,
        labels: strings(b.labels),
        assignees: strings(b.assignees),
      });
      return { status: 201, body: c.world.render.issue(r, i) };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      return { status: 200, body: c.world.render.comment(r, c.world.comment(r, num(c.params.comment_id))) };
    },
  },
  {
    method: 'PATCH',
    path: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const body = (c.body as { body?: string }).body;
      if (typeof body !== 'string')
        throw new HttpError(422, 'Validation Failed', [
          { resource: 'IssueComment', field: 'body', code: 'missing_field' },
        ]);
      return {
        status: 200,
        body: c.world.render.comment(r, c.world.updateComment(r, c.actor, num(c.params.comment_id), body)),
      };
    },
  },
  {
    // https://docs.github.com/en/rest/reactions/reactions#create-reaction-for-an-issue-comment: 201 when created,
    // 200 when this user already reacted so; `content` must be one of the eight reactions (422 otherwise).
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const { reaction, created } = c.world.react(
        r,
        c.actor,
        num(c.params.comment_id),
        (c.body as { content?: unknown }).content,
      );
      return { status: created ? 201 : 200, body: c.world.render.reaction(reaction) };
    },
  },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    auth: 'token',
    handler: (c) => {
      c.world.deleteComment(repoOf(c), c.actor, num(c.params.comment_id));
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues/{issue_number}',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      return { status: 200, body: c.world.render.issue(r, c.world.issue(r, num(c.params.issue_number))) };
    },
  },
  {
    method: 'PATCH',
    path: '/repos/{owner}/{repo}/issues/{issue_number}',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const n = num(c.params.issue_number);
      const b = c.body as {
        title?: string;
        body?: string | null;
        state?: 'open' | 'closed';
        state_reason?: string;
        labels?: unknown;
        assignees?: unknown;
      };
      // Validated before anything changes: one login that cannot be assigned refuses the whole PATCH.
      const current = c.world.issue(r, n);
      if (b.assignees !== undefined)
        c.world.checkAssignees(
          r,
          current.user,
          strings(b.assignees).filter((a) => !current.assignees.some((x) => x.toLowerCase() === a.toLowerCase())),
        );
      c.world.updateIssue(r, c.actor, n, b);
      if (b.labels !== undefined) {
        const want = strings(b.labels);
        const i = c.world.issue(r, n);
        for (const l of [...i.labels])
          if (!want.some((w) => w.toLowerCase() === l.toLowerCase())) c.world.removeLabel(r, c.actor, n, l);
        c.world.addLabels(r, c.actor, n, want);
      }
      if (b.assignees !== undefined) {
        const want = strings(b.assignees);
        const i = c.world.issue(r, n);
        c.world.removeAssignees(
          r,
          c.actor,
          n,
          i.assignees.filter((a) => !want.includes(a)),
        );
        c.world.addAssignees(r, c.actor, n, want);
      }
      return { status: 200, body: c.world.render.issue(r, c.world.issue(r, n)) };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const i = c.world.issue(r, num(c.params.issue_number));
      const since = c.query.get('since');
      const list = i.comments
        .map((id) => c.world.state.comments.get(id)!)
        .filter((x) => !since || x.updated_at >= since);
      return { status: 200, list, render: (x) => c.world.render.comment(r, x as never) };
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const cm = c.world.createComment(r, c.actor, num(c.params.issue_number), (c.body as { body: string }).body);
      return {
        status: 201,
        body: c.world.render.comment(r, cm),
        headers: { location: `${c.world.render.urls.api}/repos/${r.fullName}/issues/comments/${cm.id}` },
      };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/labels',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      return { status: 200, list: [...r.labels.values()], render: (l) => c.world.render.label(r, l as never) };
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/labels',
    auth: 'token',
    handler: (c) => ({
      status: 201,
      body: c.world.createLabel(repoOf(c), c.actor, c.body as { name: string; color?: string; description?: string }),
    }),
  },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/labels/{name}',
    auth: 'token',
    handler: (c) => {
      c.world.deleteLabel(repoOf(c), c.actor, c.params.name);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const b = c.body as { labels?: unknown } | unknown[];
      const names = Array.isArray(b) ? strings(b) : strings(b.labels).length ? strings(b.labels) : [];
      if (names.length === 0)
        throw new HttpError(422, 'Validation Failed', [{ resource: 'Label', field: 'labels', code: 'missing_field' }]);
      const i = c.world.addLabels(r, c.actor, num(c.params.issue_number), names);
      return { status: 200, body: c.world.render.issueLabels(r, i) };
    },
  },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const i = c.world.removeLabel(r, c.actor, num(c.params.issue_number), c.params.name);
      return { status: 200, body: c.world.render.issueLabels(r, i) };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/assignees/{assignee}',
    auth: 'token',
    // 204 when the login can be assigned to issues here, 404 otherwise
    // (https://docs.github.com/en/rest/issues/assignees#check-if-a-user-can-be-assigned).
    handler: (c) => {
      const r = repoOf(c);
      if (!c.world.canAssign(r, c.params.assignee)) throw new HttpError(404, 'Not Found');
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/assignees',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const i = c.world.addAssignees(
        r,
        c.actor,
        num(c.params.issue_number),
        strings((c.body as { assignees?: unknown }).assignees),
      );
      return { status: 201, body: c.world.render.issue(r, i) };
    },
  },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/assignees',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const i = c.world.removeAssignees(
        r,
        c.actor,
        num(c.params.issue_number),
        strings((c.body as { assignees?: unknown }).assignees),
      );
      return { status: 200, body: c.world.render.issue(r, i) };
    },
  },
  // --- pull requests -----------------------------------------------------------------------------------------------
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const state = c.query.get('state') ?? 'open';
      const head = c.query.get('head');
      const base = c.query.get('base');
      const list: Issue[] = [];
      for (const i of r.issues.values()) {
        if (!i.pull || (state !== 'all' && i.state !== state)) continue;
        if (
          head &&
          `${r.owner}:${i.pull.headRef}`.toLowerCase() !== head.toLowerCase() &&
          !(head.indexOf(':') < 0 && head === i.pull.headRef)
        )
          continue;
        if (base && i.pull.baseRef !== base) continue;
        list.push(i);
      }
      list.sort((a, b) => b.number - a.number);
      return { status: 200, list, render: (i) => c.world.render.pull(r, i as Issue) };
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/pulls',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const b = c.body as { title: string; head: string; base: string; body?: string; draft?: boolean };
      const head = (b.head ?? '').includes(':') ? b.head.slice(b.head.indexOf(':') + 1) : b.head;
      const i = c.world.openPr(r, c.actor, { head, base: b.base, title: b.title, body: b.body, draft: b.draft });
      return { status: 201, body: c.world.render.pull(r, i) };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      return { status: 200, body: c.world.render.pull(r, c.world.pull(r, num(c.params.pull_number))) };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/files',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const i = c.world.pull(r, num(c.params.pull_number));
      return { status: 200, list: i.pull.files, render: (f) => c.world.render.file(r, f as never, i.pull.headSha) };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/commits',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const i = c.world.pull(r, num(c.params.pull_number));
      return {
        status: 200,
        list: i.pull.commits.map((s) => r.commits.get(s)!),
        render: (x) => c.world.render.commit(r, x as Commit),
      };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const i = c.world.pull(r, num(c.params.pull_number));
      return { status: 200, list: i.pull.reviews, render: (v) => c.world.render.review(r, i, v as never) };
    },
  },
  {
    // https://docs.github.com/en/rest/pulls/reviews#create-a-review-for-a-pull-request: 200 with the review; a body
    // is required for REQUEST_CHANGES and COMMENT (422 otherwise). Without `event` GitHub keeps a PENDING draft,
    // which the sandbox does not model: it refuses that with 422 and says so.
    method: 'POST',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const n = num(c.params.pull_number);
      const b = c.body as { event?: string; body?: string; commit_id?: string };
      const state = ({ APPROVE: 'APPROVED', REQUEST_CHANGES: 'CHANGES_REQUESTED', COMMENT: 'COMMENTED' } as const)[
        String(b.event ?? '') as 'APPROVE'
      ];
      if (!state)
        throw new HttpError(
          422,
          b.event === undefined
            ? 'Unprocessable Entity: the sandbox does not keep pending reviews; give event APPROVE, REQUEST_CHANGES or COMMENT'
            : `Unprocessable Entity: event must be APPROVE, REQUEST_CHANGES or COMMENT (got "${String(b.event).slice(0, 40)}")`,
        );
      if (state !== 'APPROVED' && !(b.body ?? '').trim())
        throw new HttpError(422, `Unprocessable Entity: body is required when event is ${b.event}`);
      const i = c.world.pull(r, n);
      const v = c.world.submitReview(r, c.actor, n, state, b.body ?? '');
      return { status: 200, body: c.world.render.review(r, i, v) };
    },
  },
  {
    // https://docs.github.com/en/rest/pulls/pulls#merge-a-pull-request: 200 {sha, merged, message}; 409 when `sha`
    // is not the head any more; 405 when the pull request cannot be merged (world.merge). A person needs write
    // access to the repository (https://docs.github.com/en/organizations/managing-user-access-to-your-organizations-repositories/managing-repository-roles/repository-roles-for-an-organization).
    method: 'PUT',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/merge',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const n = num(c.params.pull_number);
      const b = (c.body ?? {}) as { sha?: string };
      const person = c.installationId === undefined && !c.reach;
      if (person && !['admin', 'maintain', 'write'].includes(c.world.roleOf(r, c.actor)))
        throw new HttpError(403, 'Resource not accessible by personal access token');
      const i = c.world.pull(r, n);
      if (b.sha && b.sha !== i.pull.headSha)
        throw new HttpError(409, 'Head branch was modified. Review and try the merge again.');
      const merged = c.world.merge(r, c.actor, n);
      return {
        status: 200,
        body: { sha: merged.pull!.merge_commit_sha, merged: true, message: 'Pull Request successfully merged' },
      };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const i = c.world.pull(r, num(c.params.pull_number));
      return {
        status: 200,
        body: {
          users: [...i.pull.requestedUsers].map((u) => c.world.render.user(u)),
          teams: [...i.pull.requestedTeams].map((t) => c.world.render.team(r.owner, t)),
        },
      };
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const b = c.body as { reviewers?: unknown; team_reviewers?: unknown };
      const i = c.world.requestReviewers(
        r,
        c.actor,
        num(c.params.pull_number),
        strings(b.reviewers),
        strings(b.team_reviewers),
      );
      return { status: 201, body: c.world.render.pull(r, i) };
    },
  },
  // --- checks ------------------------------------------------------------------------------------------------------
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/check-runs',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const run = c.world.createCheckRun(r, c.actor, c.appId, c.body as never, undefined, c.workflow);
      return { status: 201, body: c.world.render.checkRun(r, run) };
    },
  },
  {
    method: 'PATCH',
    path: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const run = c.world.updateCheckRun(r, c.actor, num(c.params.check_run_id), c.body as never);
      return { status: 200, body: c.world.render.checkRun(r, run) };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits/{ref}/check-runs',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const commit = c.world.state.resolveRef(r, c.params.ref);
      if (!commit) throw new HttpError(422, `No commit found for SHA: ${c.params.ref}`);
      const name = c.query.get('check_name');
      const status = c.query.get('status');
      let runs = (r.runsBySha.get(commit.sha) ?? []).map((id) => r.checkRuns.get(id)!);
      if (name) runs = runs.filter((x) => x.name === name);
      if (status) runs = runs.filter((x) => x.status === status);
      if (c.query.get('filter') !== 'all') {
        // Default filter=latest: the newest run per name.
        const latest = new Map<string, (typeof runs)[number]>();
        for (const x of runs) latest.set(x.name, x);
        runs = [...latest.values()];
      }
      runs.sort((a, b) => b.id - a.id);
      return {
        status: 200,
        list: runs,
        render: (x) => c.world.render.checkRun(r, x as never),
        wrap: (page, total) => ({ total_count: total, check_runs: page }),
      };
    },
  },
  // --- commit statuses ---------------------------------------------------------------------------------------------
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/statuses/{sha}',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const st = c.world.createStatus(r, c.actor, c.params.sha, c.body as never);
      return { status: 201, body: c.world.render.status(r, st) };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits/{ref}/statuses',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const commit = c.world.state.resolveRef(r, c.params.ref);
      if (!commit) throw new HttpError(404, 'Not Found');
      const list = [...(r.statuses.get(commit.sha) ?? [])].reverse();
      return { status: 200, list, render: (x) => c.world.render.status(r, x as never) };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits/{ref}/status',
    auth: 'token',
    // The combined status: the newest per context; failure if any failed or errored, pending if any is pending or
    // there is none, else success (https://docs.github.com/en/rest/commits/statuses#get-the-combined-status-for-a-specific-reference).
    handler: (c) => {
      const r = repoOf(c);
      const commit = c.world.state.resolveRef(r, c.params.ref);
      if (!commit) throw new HttpError(404, 'Not Found');
      const latest = c.world.latestStatuses(r, commit.sha);
      const state = latest.some((x) => x.state === 'failure' || x.state === 'error')
        ? 'failure'
        : latest.length === 0 || latest.some((x) => x.state === 'pending')
          ? 'pending'
          : 'success';
      const api = `${c.world.render.urls.api}/repos/${r.fullName}`;
      return {
        status: 200,
        list: latest,
        render: (x) => c.world.render.status(r, x as never),
        wrap: (page, total) => ({
          state,
          statuses: page,
          sha: commit.sha,
          total_count: total,
          repository: c.world.render.repo(r),
          commit_url: `${api}/commits/${commit.sha}`,
          url: `${api}/commits/${commit.sha}/status`,
        }),
      };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits/{commit_sha}/pulls',
    auth: 'token',
    // Open PRs whose head is the commit (fork PRs included), or the merged PR that introduced it
    // (https://docs.github.com/en/rest/commits/commits#list-pull-requests-associated-with-a-commit).
    handler: (c) => {
      const r = repoOf(c);
      const commit = c.world.state.resolveRef(r, c.params.commit_sha);
      if (!commit) throw new HttpError(422, `No commit found for SHA: ${c.params.commit_sha}`);
      const list: Issue[] = [];
      for (const i of r.issues.values())
        if (i.pull && (i.pull.headSha === commit.sha || i.pull.commits.includes(commit.sha))) list.push(i);
      list.sort((a, b) => b.number - a.number);
      return { status: 200, list, render: (i) => c.world.render.pull(r, i as Issue) };
    },
  },
  // --- people --------------------------------------------------------------------------------------------------
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/collaborators/{username}/permission',
    auth: 'token',
    handler: (c) => {
      const r = repoOf(c);
      const u = c.world.state.user(c.params.username);
      if (!u) throw new HttpError(404, `${c.params.username} is not a user`);
      return { status: 200, body: c.world.render.permission(u.login, c.world.roleOf(r, u.login)) };
    },
  },
  {
    method: 'GET',
    path: '/orgs/{org}/teams/{team_slug}/members',
    auth: 'token',
    handler: (c) => {
      const t = c.world.state.team(c.params.org, c.params.team_slug);
      if (!t) throw new HttpError(404, 'Not Found');
      return { status: 200, list: [...t.members], render: (m) => c.world.render.user(m as string) };
    },
  },
];

/** A route compiled for matching: `{path}` and git `{ref}` may span slashes (Octokit may send them raw or %2F). */
export interface CompiledRoute extends RouteDef {
  regex: RegExp;
  names: string[];
}

export function compileRoutes(routes: RouteDef[]): Map<string, CompiledRoute[]> {
  const byMethod = new Map<string, CompiledRoute[]>();
  for (const r of routes) {
    const names: string[] = [];
    const source = r.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return name === 'path' || (name === 'ref' && r.path.includes('/git/ref/')) ? '(.+)' : '([^/]+)';
    });
    const list = byMethod.get(r.method) ?? [];
    list.push({ ...r, regex: new RegExp(`^${source}/?$`), names });
    byMethod.set(r.method, list);
  }
  return byMethod;
}

export function matchRoute(
  table: Map<string, CompiledRoute[]>,
  method: string,
  path: string,
): { route: CompiledRoute; params: RouteParams } | undefined {
  for (const route of table.get(method) ?? []) {
    const m = route.regex.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    // Every template name is a capture group of the route's regex, so each one matched.
    route.names.forEach((n, idx) => (params[n] = decodeURIComponent(m[idx + 1] ?? '')));
    return { route, params: params as RouteParams };
  }
  return undefined;
}
