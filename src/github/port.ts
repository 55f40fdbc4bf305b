// The one place that knows each GitHub REST call Baton makes. Everything else talks to this port, so the set of
// routes the sandbox must serve (and that test/sandbox checks against GitHub's OpenAPI description) is this file.
import { createHash } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import { LRUCache } from 'lru-cache';
import { GITHUB_LIMITS as L, outbound, outboundLine } from './outbound.js';

/**
 * What the port needs of an Octokit: `request`, and (when it has one) the auth strategy, to tell which token a
 * request carries (ETags are per token) and to mint a fresh installation token when GitHub says the old one expired.
 */
export type OctokitLike = Pick<Octokit, 'request'> & { auth?: (options?: Record<string, unknown>) => Promise<unknown> };

/** The login GitHub shows for deleted accounts; REST and webhooks may also give `user: null` for them. */
export const GHOST = 'ghost';
const loginOf = (u: { login?: string } | null | undefined): string => u?.login ?? GHOST;

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface IssueData {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  user: { login: string };
  labels: string[];
  assignees: string[];
  pull_request?: unknown;
  created_at: string;
  updated_at?: string;
  /** When and why a closed issue was closed (`completed`, `not_planned`). */
  closed_at?: string;
  state_reason?: string;
  html_url?: string;
  /** GraphQL's global id of the issue (REST answers carry it as `node_id`). */
  node_id?: string;
  /** How many comments the issue has. */
  comments?: number;
  /** The issue's type name (organisations' issue types: Bug, Feature, Task), when it has one. */
  type?: string;
}

export interface InstalledRepo {
  full_name: string;
  default_branch?: string;
  archived?: boolean;
}

/** An issue search hit, as far as Baton reads it. */
export interface SearchIssueItem {
  number: number;
  created_at: string;
  closed_at: string | null;
  state_reason?: string | null;
  pull_request?: unknown;
}

export interface CommentData {
  id: number;
  node_id?: string;
  body: string;
  user: { login: string; type?: string };
  html_url: string;
  created_at: string;
}

export interface PullData {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  merged: boolean;
  user: { login: string };
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  additions: number;
  deletions: number;
  changed_files: number;
  created_at: string;
  merged_at: string | null;
  merged_by?: { login: string } | null;
  merge_commit_sha?: string | null;
  closed_at?: string | null;
  html_url: string;
  labels?: Array<{ name: string }>;
}

export interface PullFile {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  changes: number;
  patch?: string;
  previous_filename?: string;
}

export interface CommitData {
  sha: string;
  commit: { message: string; author: { name?: string; email?: string; date?: string } | null };
  author: { login: string } | null;
}

export interface ReviewData {
  id: number;
  user: { login: string };
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  submitted_at?: string;
  /** The head commit the review was submitted on. */
  commit_id?: string;
}

export interface CheckRunData {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  app?: { slug?: string } | null;
}

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
}

/** A conditional GET's memory: ETag + the body it stood for. 304 answers do not count against the rate limit. */
interface Cached {
  etag: string;
  data: unknown;
  /** The page had a Link rel="next" (a 304 may not repeat the Link header). */
  next?: boolean;
}

/**
 * Shared across jobs (one per process) so conditional requests survive between jobs of a repo. It also keeps the
 * GraphQL node ids Baton looked up (labels, users, comments: they never change), under keys starting with `node `.
 */
/** Conditional-request memory shared by the ports of one process: bounded, the least recently used go first. */
export type EtagCache = LRUCache<string, Cached>;
export const ETAG_LIMIT = 5000;
export const etagCache = (max = ETAG_LIMIT): EtagCache => new LRUCache<string, Cached>({ max });

/** Node id lookups in flight, per process cache (see GitHubPort.nodeIds). */
const NODE_LOOKUPS = new WeakMap<EtagCache, Map<string, Promise<string | undefined>>>();

/**
 * Labels and assignees to change on one issue in one request. (The status card stays a REST PATCH: its answer's ETag
 * makes the next job's conditional read of the card free, which a GraphQL edit would not.)
 */
export interface IssueBatch {
  issue: IssueData;
  addLabels: string[];
  removeLabels: string[];
  addAssignees: string[];
  removeAssignees: string[];
}

export interface IssueBatchResult {
  /** The issue's assignees after the write (when assignees were added): who is missing was not assigned. */
  assignees?: string[];
  /** Logins GitHub has no user for (a typo, a deleted account): never sent. */
  unknownUsers: string[];
}

/** A GraphQL batch could not be used as is (a stale node id, a permission the mutation lacks): use REST instead. */
export class BatchUnavailable extends Error {}

/** GraphQL answers 200 with `errors` for refused fields; these are the types GitHub uses for a retryable one. */
const GRAPHQL_TRANSIENT = new Set(['RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'INTERNAL', 'TIMEOUT']);

interface GraphqlAnswer {
  data?: Record<string, any> | null;
  errors?: Array<{ type?: string; path?: Array<string | number>; message: string }>;
}

export class GitHubPort {
  constructor(
    readonly octokit: OctokitLike,
    readonly ref: RepoRef,
    private readonly etags: EtagCache = etagCache(),
  ) {}

  get fullName(): string {
    return `${this.ref.owner}/${this.ref.repo}`;
  }

  /**
   * Every request goes through here. A 401 means the installation token expired or was revoked (they live an hour):
   * mint a fresh one and try once more, instead of failing the job
   * (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation).
   */
  private async call(route: string, params: Record<string, unknown>): Promise<{ data: any; headers: unknown }> {
    try {
      return await this.octokit.request(route, params);
    } catch (err) {
      if ((err as { status?: number }).status !== 401 || !this.octokit.auth) throw err;
      await this.octokit.auth({ type: 'installation', refresh: true });
      return this.octokit.request(route, params);
    }
  }

  /** Owner/repo path parameters only for repository routes: GitHub does not declare them elsewhere. */
  private withRef(route: string, params: Record<string, unknown>): Record<string, unknown> {
    return route.includes('{owner}') ? { ...this.ref, ...params } : params;
  }

  /**
   * Which credentials a request carries, hashed: GitHub's ETags are tied to the token (answers vary on
   * Authorization), so a validator remembered under one token is never sent with another
   * (https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate).
   */
  private async tokenKey(): Promise<string> {
    if (!this.octokit.auth) return '-';
    try {
      const a = (await this.octokit.auth({ type: 'installation' })) as { token?: string } | undefined;
      return a?.token ? createHash('sha256').update(a.token).digest('hex').slice(0, 16) : '-';
    } catch {
      return '-';
    }
  }

  private async cacheKey(route: string, params: Record<string, unknown>): Promise<string> {
    return `${await this.tokenKey()} ${this.fullName} ${route} ${JSON.stringify(params)}`;
  }

  /** GET with If-None-Match; a 304 returns the remembered body. */
  private async conditional<T>(route: string, params: Record<string, unknown>): Promise<T> {
    return (await this.conditionalPage<T>(route, params)).data;
  }

  private async conditionalPage<T>(
    route: string,
    params: Record<string, unknown>,
  ): Promise<{ data: T; next: boolean }> {
    const cacheKey = await this.cacheKey(route, params);
    const hit = this.etags.get(cacheKey);
    try {
      const res = await this.call(route, {
        ...this.withRef(route, params),
        headers: hit ? { 'if-none-match': hit.etag } : {},
      });
      const headers = res.headers as Record<string, string | undefined>;
      const next = /rel="next"/.test(headers.link ?? '');
      if (headers.etag) {
        this.etags.set(await this.cacheKey(route, params), { etag: headers.etag, data: res.data, next });
      }
      return { data: res.data as T, next };
    } catch (err) {
      if (hit && (err as { status?: number }).status === 304) return { data: hit.data as T, next: !!hit.next };
      throw err;
    }
  }

  /**
   * Every page of a list, following Link rel="next" (100 a page; each page a conditional GET), up to `maxPages`
   * (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api).
   */
  private async all<T, D = T[]>(
    route: string,
    params: Record<string, unknown>,
    pick: (d: D) => T[] = (d) => d as unknown as T[],
    maxPages = 50,
  ): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; page <= maxPages; page++) {
      const { data, next } = await this.conditionalPage<D>(route, { ...params, per_page: 100, page });
      out.push(...pick(data));
      if (!next) break;
    }
    return out;
  }

  /**
   * One page (100 items) of an issue search scoped to this repository (`repo:` is added to `query`). GitHub serves
   * at most the first 1,000 results of a search and answers 422 beyond them; search has its own rate limit, 30
   * requests a minute (https://docs.github.com/en/rest/search/search#search-issues-and-pull-requests). Callers count
   * the pages they ask for against their own request budget.
   */
  async searchIssues(
    query: string,
    page: number,
    sort: 'created' | 'updated' = 'created',
  ): Promise<{ total: number; incomplete: boolean; items: SearchIssueItem[]; next: boolean }> {
    const res = await this.call('GET /search/issues', {
      q: `repo:${this.fullName} ${query}`,
      sort,
      order: 'desc',
      per_page: 100,
      page,
    });
    const d = res.data as { total_count: number; incomplete_results: boolean; items: SearchIssueItem[] };
    const link = (res.headers as Record<string, string | undefined>).link ?? '';
    return { total: d.total_count, incomplete: d.incomplete_results, items: d.items, next: /rel="next"/.test(link) };
  }

  // --- repository & config -------------------------------------------------------------------------------
  async getRepo(): Promise<{ default_branch: string; private: boolean; full_name: string }> {
    return this.conditional('GET /repos/{owner}/{repo}', {});
  }

  /** File text and blob sha at a ref, or undefined when the file does not exist. */
  async getFile(
    path: string,
    ref?: string,
    repoRef: RepoRef = this.ref,
  ): Promise<{ text: string; sha: string } | undefined> {
    return unless404(async () => {
      const data = await this.conditional<{ content?: string; encoding?: string; sha: string; type: string }>(
        'GET /repos/{owner}/{repo}/contents/{path}',
        { ...repoRef, path, ...(ref ? { ref } : {}) },
      );
      if (data.type !== 'file' || data.content === undefined) return undefined;
      // Files over 1 MB come back with `encoding: "none"` and no content; only the raw media type has the bytes
      // (https://docs.github.com/en/rest/repos/contents#get-repository-content).
      if (data.encoding === 'none') {
        const raw = await this.call('GET /repos/{owner}/{repo}/contents/{path}', {
          ...repoRef,
          path,
          ...(ref ? { ref } : {}),
          mediaType: { format: 'raw' },
        });
        return { text: String(raw.data), sha: data.sha };
      }
      return {
        text: Buffer.from(data.content, (data.encoding as BufferEncoding) || 'base64').toString('utf8'),
        sha: data.sha,
      };
    });
  }

  /**
   * Every repository this installation's token reaches, paged (100 a page) in GitHub's `{ repositories }` wrapper
   * (https://docs.github.com/en/rest/apps/installations#list-repositories-accessible-to-the-app-installation).
   */
  async listInstallationRepos(): Promise<InstalledRepo[]> {
    return this.all<InstalledRepo, { repositories: InstalledRepo[] }>(
      'GET /installation/repositories',
      {},
      (d) => d.repositories ?? [],
    );
  }

  // --- issues, labels, assignees, comments ----------------------------------------------------------------
  async getIssue(issue: number): Promise<IssueData> {
    const d = await this.conditional<Record<string, any>>('GET /repos/{owner}/{repo}/issues/{issue_number}', {
      issue_number: issue,
    });
    return toIssue(d);
  }

  async listIssues(params: {
    labels?: string;
    state?: 'open' | 'closed' | 'all';
    since?: string;
  }): Promise<IssueData[]> {
    const rows = await this.all<Record<string, any>>('GET /repos/{owner}/{repo}/issues', params, undefined, 100);
    return rows.map(toIssue);
  }

  async createIssue(title: string, body: string, labels: string[] = []): Promise<IssueData> {
    const res = await this.call('POST /repos/{owner}/{repo}/issues', {
      ...this.ref,
      title: outboundLine(title, L.issueTitle),
      body: outbound(body, L.body),
      labels,
    });
    return toIssue(res.data as Record<string, any>);
  }

  /** Close an issue; `not_planned` tells GitHub (and people) it was dropped rather than done. */
  async closeIssue(issue: number, reason: 'completed' | 'not_planned'): Promise<IssueData> {
    const res = await this.octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
      ...this.ref,
      issue_number: issue,
      state: 'closed',
      state_reason: reason,
    });
    return toIssue(res.data as Record<string, any>);
  }

  /** Add labels (GitHub creates labels it does not know); adding one that is there changes nothing. */
  async addLabels(issue: number, labels: string[]): Promise<void> {
    await this.call('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
      ...this.ref,
      issue_number: issue,
      labels,
    });
  }

  /** Removing a label that is not there is success (idempotent). */
  async removeLabel(issue: number, name: string): Promise<void> {
    try {
      await this.call('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', {
        ...this.ref,
        issue_number: issue,
        name,
      });
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err;
    }
  }

  /** Create a repository label; an existing one (422) is success. */
  async ensureLabel(name: string, color: string, description: string): Promise<void> {
    try {
      await this.call('POST /repos/{owner}/{repo}/labels', { ...this.ref, name, color, description });
    } catch (err) {
      if ((err as { status?: number }).status !== 422) throw err;
    }
  }

  /** Adding someone already assigned changes nothing. */
  /** Add assignees; returns the issue's assignees after the write (logins GitHub could not assign are missing). */
  async addAssignees(issue: number, assignees: string[]): Promise<string[]> {
    const res = await this.call('POST /repos/{owner}/{repo}/issues/{issue_number}/assignees', {
      ...this.ref,
      issue_number: issue,
      assignees,
    });
    // The answer is the whole issue: it primes the conditional GET (the next read is a free 304 unless someone else
    // changed the issue).
    await this.prime('GET /repos/{owner}/{repo}/issues/{issue_number}', { issue_number: issue }, res);
    return toIssue(res.data as Record<string, any>).assignees;
  }

  async removeAssignees(issue: number, assignees: string[]): Promise<void> {
    const res = await this.call('DELETE /repos/{owner}/{repo}/issues/{issue_number}/assignees', {
      ...this.ref,
      issue_number: issue,
      assignees,
    });
    await this.prime('GET /repos/{owner}/{repo}/issues/{issue_number}', { issue_number: issue }, res);
  }

  async listComments(issue: number): Promise<CommentData[]> {
    const rows = await this.all<CommentData>('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      issue_number: issue,
    });
    return rows.map(toComment);
  }

  /** A comment by id, or undefined when it was deleted. Conditional: unchanged cards cost no rate limit. */
  async getComment(id: number): Promise<CommentData | undefined> {
    return unless404(async () => {
      const c = await this.conditional<CommentData>('GET /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        comment_id: id,
      });
      return toComment(c);
    });
  }

  async createComment(issue: number, body: string): Promise<CommentData> {
    const res = await this.call('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...this.ref,
      issue_number: issue,
      body: outbound(body, L.body),
    });
    await this.prime(
      'GET /repos/{owner}/{repo}/issues/comments/{comment_id}',
      { comment_id: (res.data as CommentData).id },
      res,
    );
    return res.data as CommentData;
  }

  /** Remember the representation a write returned, so the next conditional read of it is answered 304. */
  private async prime(
    route: string,
    params: Record<string, unknown>,
    res: { headers: unknown; data: unknown },
  ): Promise<void> {
    const etag = (res.headers as Record<string, string | undefined>).etag;
    if (etag) this.etags.set(await this.cacheKey(route, params), { etag, data: res.data });
  }

  /** Edit a comment; undefined when it no longer exists (deleted by a user). */
  async updateComment(id: number, body: string): Promise<CommentData | undefined> {
    return unless404(async () => {
      const res = await this.call('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        ...this.ref,
        comment_id: id,
        body: outbound(body, L.body),
      });
      // Remember what we wrote: the next conditional GET of this comment is answered 304 if nobody else edited it.
      await this.prime('GET /repos/{owner}/{repo}/issues/comments/{comment_id}', { comment_id: id }, res);
      return res.data as CommentData;
    });
  }

  /**
   * React to a comment (an issue's or a PR's conversation comment): how Baton acknowledges a command that needs no
   * answer. GitHub answers 200 when the reaction is already there, so a retry is harmless; a comment deleted
   * meanwhile (404) is nothing to acknowledge
   * (https://docs.github.com/en/rest/reactions/reactions#create-reaction-for-an-issue-comment).
   */
  async createReaction(commentId: number, content: '+1' | 'eyes' | 'confused' | 'rocket'): Promise<boolean> {
    try {
      await this.call('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
        ...this.ref,
        comment_id: commentId,
        content,
      });
      return true;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return false;
      throw err;
    }
  }

  // --- branch rules ----------------------------------------------------------------------------------------------
  /**
   * The status checks a branch requires before a merge, as far as the App can read them: the `required_status_checks`
   * rules of its rulesets (https://docs.github.com/en/rest/repos/rules#get-rules-for-a-branch, metadata read) and its
   * classic protection summary (https://docs.github.com/en/rest/branches/branches#get-a-branch, contents read).
   * Undefined when neither could be read (403, 404, a GHES without rulesets): the caller falls back to every check.
   */
  async requiredChecks(branch: string): Promise<string[] | undefined> {
    const unreadable = (err: unknown) => [403, 404].includes((err as { status?: number }).status ?? 0);
    let readable = false;
    const out = new Set<string>();
    try {
      const rules = await this.all<{
        type: string;
        parameters?: { required_status_checks?: Array<{ context: string }> };
      }>('GET /repos/{owner}/{repo}/rules/branches/{branch}', { branch });
      readable = true;
      for (const r of rules)
        if (r.type === 'required_status_checks')
          for (const c of r.parameters?.required_status_checks ?? []) out.add(c.context);
    } catch (err) {
      if (!unreadable(err)) throw err;
    }
    try {
      const b = await this.conditional<{
        protection?: { required_status_checks?: { contexts?: string[]; checks?: Array<{ context: string }> } };
      }>('GET /repos/{owner}/{repo}/branches/{branch}', { branch });
      readable = true;
      const rsc = b.protection?.required_status_checks;
      for (const c of rsc?.contexts ?? []) out.add(c);
      for (const c of rsc?.checks ?? []) out.add(c.context);
    } catch (err) {
      if (!unreadable(err)) throw err;
    }
    return readable ? [...out] : undefined;
  }

  // --- several issue writes in one request (GraphQL) ---------------------------------------------------------
  /**
   * One GraphQL request (https://docs.github.com/en/graphql/guides/forming-calls-with-graphql) with a mutation per
   * change — add labels, remove labels, remove assignees, add assignees — run one after the other
   * in document order. Each is a delta (only what Baton owns changes, nothing a person set is reverted, as with the
   * REST add/remove endpoints) and idempotent, so re-sending the request after an ambiguous answer is safe. Node ids
   * come from the issue's REST answer (`node_id`) or one lookup query, and are remembered. Throws BatchUnavailable when the
   * batch cannot be used as is (a label or user id that no longer resolves, a permission the mutation lacks): the
   * caller then writes through REST, which says precisely what GitHub refused.
   */
  async writeIssueBatch(b: IssueBatch): Promise<IssueBatchResult> {
    const issueId = b.issue.node_id;
    if (!issueId) throw new BatchUnavailable('the issue has no node id');
    const labelIds = await this.labelNodeIds([...b.addLabels, ...b.removeLabels]);
    const userIds = await this.userNodeIds([...b.addAssignees, ...b.removeAssignees]);
    const unknownUsers = [...b.addAssignees, ...b.removeAssignees].filter((u) => !userIds.has(u.toLowerCase()));
    const lid = (names: string[]) => names.map((n) => labelIds.get(n.toLowerCase())!);
    const uid = (logins: string[]) =>
      logins.filter((u) => userIds.has(u.toLowerCase())).map((u) => userIds.get(u.toLowerCase())!);
    const vars: Record<string, unknown> = { issue: issueId };
    const decl = ['$issue: ID!'];
    const fields: string[] = [];
    const add = (alias: string, name: string, value: unknown, type: string, field: string) => {
      vars[name] = value;
      decl.push(`$${name}: ${type}`);
      fields.push(`${alias}: ${field}`);
    };
    const A = uid(b.addAssignees);
    const R = uid(b.removeAssignees);
    if (b.addLabels.length)
      add(
        'addLabels',
        'add',
        lid(b.addLabels),
        '[ID!]!',
        'addLabelsToLabelable(input: {labelableId: $issue, labelIds: $add}) { clientMutationId }',
      );
    if (b.removeLabels.length)
      add(
        'removeLabels',
        'remove',
        lid(b.removeLabels),
        '[ID!]!',
        'removeLabelsFromLabelable(input: {labelableId: $issue, labelIds: $remove}) { clientMutationId }',
      );
    if (R.length)
      add(
        'unassign',
        'unassign',
        R,
        '[ID!]!',
        'removeAssigneesFromAssignable(input: {assignableId: $issue, assigneeIds: $unassign}) { clientMutationId }',
      );
    if (A.length)
      add(
        'assign',
        'assign',
        A,
        '[ID!]!',
        'addAssigneesToAssignable(input: {assignableId: $issue, assigneeIds: $assign}) { assignable { ... on Issue { assignees(first: 100) { nodes { login } } } } }',
      );
    if (!fields.length) return { unknownUsers };
    const answer = await this.graphql(`mutation(${decl.join(', ')}) { ${fields.join(' ')} }`, vars);
    const failed = new Map((answer.errors ?? []).map((e) => [String(e.path?.[0] ?? ''), e]));
    const out: IssueBatchResult = { unknownUsers };
    if (failed.size) {
      // A label or user deleted since its id was remembered: look them up afresh next time.
      for (const k of [...this.etags.keys()])
        if (k.startsWith(`node label ${this.fullName} `) || k.startsWith('node user ')) this.etags.delete(k);
      throw new BatchUnavailable([...failed.values()].map((e) => `${e.type ?? 'error'}: ${e.message}`).join('; '));
    }
    const assigned = answer.data?.assign?.assignable?.assignees?.nodes;
    if (Array.isArray(assigned)) out.assignees = assigned.map((n: { login: string }) => n.login);
    return out;
  }

  /** POST /graphql through the same path as every REST call (401 refresh, throttling); field errors are returned. */
  private async graphql(query: string, variables: Record<string, unknown>): Promise<GraphqlAnswer> {
    const res = await this.call('POST /graphql', { query, variables, request: { idempotent: true } });
    const answer = res.data as GraphqlAnswer;
    const transient = answer.errors?.find((e) => e.type && GRAPHQL_TRANSIENT.has(e.type));
    if (transient) throw Object.assign(new Error(`GitHub GraphQL: ${transient.message}`), { status: 503 });
    if (!answer.data && answer.errors?.length)
      throw new BatchUnavailable(answer.errors.map((e) => e.message).join('; '));
    return answer;
  }

  /**
   * Node ids of repository labels by name; labels that do not exist yet are created (REST answers the id). Lookups
   * are shared by the jobs of a process: many issues entering a new stage at once ask for its label once.
   */
  private async labelNodeIds(names: string[]): Promise<Map<string, string>> {
    const byKey = new Map(names.map((n) => [`node label ${this.fullName} ${n.toLowerCase()}`, n]));
    const found = await this.nodeIds([...byKey.keys()], async (keys) => {
      const wanted = keys.map((k) => byKey.get(k)!);
      const vars: Record<string, unknown> = { owner: this.ref.owner, name: this.ref.repo };
      wanted.forEach((n, i) => (vars[`l${i}`] = n));
      const q = `query($owner: String!, $name: String!, ${wanted.map((_, i) => `$l${i}: String!`).join(', ')}) { repository(owner: $owner, name: $name) { ${wanted.map((_, i) => `l${i}: label(name: $l${i}) { id }`).join(' ')} } }`;
      const answer = await this.graphql(q, vars);
      const ids: Array<string | undefined> = [];
      for (const [i, n] of wanted.entries()) {
        let id: string | undefined = answer.data?.repository?.[`l${i}`]?.id;
        if (!id) id = await this.createLabelForId(n);
        ids.push(id);
      }
      return ids;
    });
    const out = new Map<string, string>();
    for (const [k, n] of byKey) {
      const id = found.get(k);
      if (!id) throw new BatchUnavailable(`no node id for label ${n}`);
      out.set(n.toLowerCase(), id);
    }
    return out;
  }

  /** A label that is not in the repository yet (GitHub's REST add-labels would create it too). */
  private async createLabelForId(name: string): Promise<string | undefined> {
    try {
      const res = await this.call('POST /repos/{owner}/{repo}/labels', { ...this.ref, name });
      return (res.data as { node_id?: string }).node_id;
    } catch (err) {
      // Created by someone else meanwhile: the next lookup finds it.
      if ((err as { status?: number }).status === 422) return undefined;
      throw err;
    }
  }

  /** Node ids of users by login (one query for all the unknown ones); a login GitHub has no user for is left out. */
  private async userNodeIds(logins: string[]): Promise<Map<string, string>> {
    const byKey = new Map(logins.map((l) => [`node user ${l.toLowerCase()}`, l]));
    const found = await this.nodeIds([...byKey.keys()], async (keys) => {
      const wanted = keys.map((k) => byKey.get(k)!);
      const vars: Record<string, unknown> = {};
      wanted.forEach((l, i) => (vars[`u${i}`] = l));
      const q = `query(${wanted.map((_, i) => `$u${i}: String!`).join(', ')}) { ${wanted.map((_, i) => `u${i}: user(login: $u${i}) { id }`).join(' ')} }`;
      const answer = await this.graphql(q, vars);
      return wanted.map((_, i) => answer.data?.[`u${i}`]?.id as string | undefined);
    });
    const out = new Map<string, string>();
    for (const [k, l] of byKey) {
      const id = found.get(k);
      if (id) out.set(l.toLowerCase(), id);
    }
    return out;
  }

  /**
   * Remembered node ids, looking up the unknown ones with `lookup` (one request for all of them). A key another job
   * of this process is already looking up is awaited, not asked again.
   */
  private async nodeIds(
    keys: string[],
    lookup: (keys: string[]) => Promise<Array<string | undefined>>,
  ): Promise<Map<string, string | undefined>> {
    const out = new Map<string, string | undefined>();
    let inflight = NODE_LOOKUPS.get(this.etags);
    if (!inflight) NODE_LOOKUPS.set(this.etags, (inflight = new Map()));
    const waits: Array<Promise<void>> = [];
    const todo: string[] = [];
    for (const k of new Set(keys)) {
      const hit = this.etags.get(k)?.data;
      if (typeof hit === 'string') out.set(k, hit);
      else if (inflight.has(k)) waits.push(inflight.get(k)!.then((id) => void out.set(k, id)));
      else todo.push(k);
    }
    if (todo.length) {
      const p = lookup(todo);
      const map = inflight;
      todo.forEach((k, i) => {
        const one = p.then(
          (ids) => ids[i],
          () => undefined,
        );
        map.set(k, one);
        void one.finally(() => map.delete(k));
      });
      const ids = await p;
      todo.forEach((k, i) => {
        const id = ids[i];
        if (id) this.remember(k, id);
        out.set(k, id);
      });
    }
    await Promise.all(waits);
    return out;
  }

  private remember(key: string, nodeId: string): void {
    this.etags.set(key, { etag: '', data: nodeId });
  }

  // --- pull requests ----------------------------------------------------------------------------------------
  async getPull(pr: number): Promise<PullData> {
    return this.conditional<PullData>('GET /repos/{owner}/{repo}/pulls/{pull_number}', { pull_number: pr });
  }

  /** The PR, or undefined when GitHub answers 404 (a number that is an issue, or a PR that is gone). */
  async findPull(pr: number): Promise<PullData | undefined> {
    return unless404(() => this.getPull(pr));
  }

  async listPulls(params: { state?: 'open' | 'closed' | 'all'; head?: string }): Promise<PullData[]> {
    return this.all<PullData>('GET /repos/{owner}/{repo}/pulls', params, undefined, 10);
  }

  /** Open PRs whose head is `sha` (fork PRs too: check payloads leave `pull_requests` empty for them). */
  async pullsForCommit(sha: string): Promise<PullData[]> {
    return this.all<PullData>(
      'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls',
      { commit_sha: sha },
      undefined,
      3,
    );
  }

  async listPullFiles(pr: number): Promise<PullFile[]> {
    // GitHub lists at most 3,000 files per PR, 100 a page.
    return this.all<PullFile>(
      'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
      { pull_number: pr },
      undefined,
      30,
    );
  }

  async listPullCommits(pr: number): Promise<CommitData[]> {
    // At most 250 commits are listed (https://docs.github.com/en/rest/pulls/pulls#list-commits-on-a-pull-request).
    return this.all<CommitData>(
      'GET /repos/{owner}/{repo}/pulls/{pull_number}/commits',
      { pull_number: pr },
      undefined,
      3,
    );
  }

  /** Reviews, oldest first; a deleted reviewer (`user: null`) is the ghost user. */
  async listReviews(pr: number): Promise<ReviewData[]> {
    const rows = await this.all<ReviewData & { user: { login: string } | null }>(
      'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
      { pull_number: pr },
    );
    return rows.map((r) => ({ ...r, user: { login: loginOf(r.user) } }));
  }

  async listRequestedReviewers(pr: number): Promise<{ users: string[]; teams: string[] }> {
    const d = await this.conditional<{ users: ({ login: string } | null)[]; teams: { slug: string }[] }>(
      'GET /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
      { pull_number: pr },
    );
    return { users: d.users.map(loginOf), teams: d.teams.map((t) => t.slug) };
  }

  async requestReviewers(pr: number, users: string[], teams: string[]): Promise<void> {
    await this.call('POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', {
      ...this.ref,
      pull_number: pr,
      reviewers: users,
      team_reviewers: teams,
    });
  }

  async createPull(p: { title: string; head: string; base: string; body: string }): Promise<PullData> {
    const res = await this.call('POST /repos/{owner}/{repo}/pulls', {
      ...this.ref,
      ...p,
      title: outboundLine(p.title, L.issueTitle),
      body: outbound(p.body, L.body),
    });
    return res.data as unknown as PullData;
  }

  // --- commits, refs, contents (risk metrics, docs follow-up PRs) --------------------------------------------
  async listCommits(params: {
    path?: string;
    author?: string;
    since?: string;
    sha?: string;
    per_page?: number;
  }): Promise<CommitData[]> {
    return this.conditional<CommitData[]>('GET /repos/{owner}/{repo}/commits', { per_page: 100, ...params });
  }

  async getRefSha(ref: string): Promise<string | undefined> {
    return unless404(async () => {
      const d = await this.conditional<{ object: { sha: string } }>('GET /repos/{owner}/{repo}/git/ref/{ref}', { ref });
      return d.object.sha;
    });
  }

  async createRef(ref: string, sha: string): Promise<void> {
    await this.call('POST /repos/{owner}/{repo}/git/refs', { ...this.ref, ref, sha });
  }

  async putFile(p: { path: string; message: string; text: string; branch: string; sha?: string }): Promise<void> {
    await this.call('PUT /repos/{owner}/{repo}/contents/{path}', {
      ...this.ref,
      path: p.path,
      message: outbound(p.message, L.commitMessage),
      content: Buffer.from(p.text, 'utf8').toString('base64'),
      branch: p.branch,
      ...(p.sha ? { sha: p.sha } : {}),
    });
  }

  // --- checks --------------------------------------------------------------------------------------------------
  async createCheckRun(p: {
    name: string;
    head_sha: string;
    conclusion: 'success' | 'failure' | 'neutral';
    title: string;
    summary: string;
    annotations?: CheckAnnotation[];
    external_id?: string;
  }): Promise<CheckRunData> {
    const res = await this.call('POST /repos/{owner}/{repo}/check-runs', {
      ...this.ref,
      name: p.name,
      head_sha: p.head_sha,
      status: 'completed',
      conclusion: p.conclusion,
      external_id: p.external_id,
      completed_at: new Date().toISOString(),
      // GitHub accepts at most 50 annotations per request.
      output: {
        title: outboundLine(p.title, L.checkTitle),
        summary: outbound(p.summary, L.checkSummary, 'the annotations and `npx baton validate` show every problem'),
        annotations: (p.annotations ?? []).slice(0, 50).map((a) => ({
          ...a,
          message: outbound(a.message, L.annotationMessage),
          ...(a.title !== undefined ? { title: outboundLine(a.title, L.annotationTitle) } : {}),
        })),
      },
    });
    return res.data as CheckRunData;
  }

  async updateCheckRun(
    id: number,
    p: { conclusion: 'success' | 'failure' | 'neutral'; title: string; summary: string },
  ): Promise<void> {
    await this.call('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...this.ref,
      check_run_id: id,
      status: 'completed',
      conclusion: p.conclusion,
      completed_at: new Date().toISOString(),
      output: { title: outboundLine(p.title, L.checkTitle), summary: outbound(p.summary, L.checkSummary) },
    });
  }

  /** The latest check run per name on `ref`, every app's and every suite's. */
  async listCheckRuns(ref: string, checkName?: string): Promise<CheckRunData[]> {
    return this.all<CheckRunData, { check_runs: CheckRunData[] }>(
      'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
      { ref, ...(checkName ? { check_name: checkName } : {}) },
      (d) => d.check_runs,
      10,
    );
  }

  /** The newest commit status per context on `ref` (CI systems that report statuses instead of checks). */
  async listStatuses(ref: string): Promise<{ context: string; state: string }[]> {
    return this.all<{ context: string; state: string }, { statuses: { context: string; state: string }[] }>(
      'GET /repos/{owner}/{repo}/commits/{ref}/status',
      { ref },
      (d) => d.statuses,
      10,
    );
  }

  // --- people ------------------------------------------------------------------------------------------------
  async getPermission(username: string): Promise<'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'> {
    try {
      const d = await this.conditional<{ permission: string; role_name?: string }>(
        'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
        { username },
      );
      // `permission` is the legacy field (admin/write/read/none); `role_name` carries maintain/triage.
      const role = (d.role_name ?? d.permission) as string;
      if (['admin', 'maintain', 'write', 'triage', 'read'].includes(role)) return role as 'admin';
      return d.permission === 'admin' || d.permission === 'write' || d.permission === 'read' ? d.permission : 'none';
    } catch (err) {
      if ((err as { status?: number }).status === 404) return 'none';
      throw err;
    }
  }

  /** Can `login` be assigned to issues here (collaborator, org member)? 204 yes, 404 no. */
  async canBeAssigned(login: string): Promise<boolean> {
    try {
      await this.call('GET /repos/{owner}/{repo}/assignees/{assignee}', { ...this.ref, assignee: login });
      return true;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return false;
      throw err;
    }
  }

  async listTeamMembers(org: string, teamSlug: string): Promise<string[]> {
    try {
      const d = await this.all<{ login: string }>('GET /orgs/{org}/teams/{team_slug}/members', {
        org,
        team_slug: teamSlug,
      });
      return d.map((u) => u.login);
    } catch (err) {
      if ((err as { status?: number }).status === 404) return [];
      throw err;
    }
  }
}

function toComment(c: CommentData): CommentData {
  return { ...c, body: c.body ?? '', user: { ...c.user, login: loginOf(c.user) } };
}

function toIssue(d: Record<string, any>): IssueData {
  return {
    number: d.number,
    title: d.title,
    body: d.body ?? null,
    state: d.state,
    user: { login: loginOf(d.user) },
    labels: (d.labels ?? []).map((l: string | { name: string }) => (typeof l === 'string' ? l : l.name)),
    assignees: (d.assignees ?? []).filter(Boolean).map((a: { login: string }) => a.login),
    pull_request: d.pull_request,
    created_at: d.created_at,
    ...(d.updated_at ? { updated_at: d.updated_at } : {}),
    ...(d.closed_at ? { closed_at: d.closed_at } : {}),
    ...(d.state_reason ? { state_reason: String(d.state_reason) } : {}),
    ...(d.html_url ? { html_url: d.html_url } : {}),
    ...(d.node_id ? { node_id: d.node_id } : {}),
    ...(typeof d.comments === 'number' ? { comments: d.comments } : {}),
    ...(d.type?.name ? { type: String(d.type.name) } : {}),
  };
}

// --- the App's webhook deliveries (App JWT; https://docs.github.com/en/rest/apps/webhooks) --------------------------

export interface HookDeliveryItem {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
}

/** Calls made as the App itself (a JWT-authenticated Octokit), not as an installation. */
export class AppHooksPort {
  /** Requests made, for budgets and reports. */
  requests = 0;

  constructor(readonly octokit: OctokitLike) {}

  /**
   * Deliveries newest first, one page per call: GitHub pages this list with an opaque `cursor` (from the Link
   * header's rel="next"), not with page numbers.
   */
  async listDeliveries(p: { cursor?: string; perPage?: number }): Promise<{
    items: HookDeliveryItem[];
    next?: string;
  }> {
    this.requests++;
    const res = await this.octokit.request('GET /app/hook/deliveries', {
      per_page: p.perPage ?? 100,
      ...(p.cursor ? { cursor: p.cursor } : {}),
    });
    const link = String((res.headers as Record<string, string | undefined>).link ?? '');
    const m = /<([^>]+)>;\s*rel="next"/.exec(link);
    const next = m ? (new URL(m[1]!).searchParams.get('cursor') ?? undefined) : undefined;
    return { items: res.data as unknown as HookDeliveryItem[], ...(next ? { next } : {}) };
  }

  /** One attempt with the payload GitHub sent (`request.payload`). */
  async getDelivery(id: number): Promise<HookDeliveryItem & { request: { payload: Record<string, unknown> | null } }> {
    this.requests++;
    const res = await this.octokit.request('GET /app/hook/deliveries/{delivery_id}', { delivery_id: id });
    return res.data as unknown as HookDeliveryItem & { request: { payload: Record<string, unknown> | null } };
  }

  /** Ask GitHub to send the delivery again (202; the attempt happens asynchronously). */
  async redeliver(id: number): Promise<void> {
    this.requests++;
    await this.octokit.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: id });
  }
}

/**
 * The App's installations (app JWT auth), every page
 * (https://docs.github.com/en/rest/apps/apps#list-installations-for-the-authenticated-app).
 */
export async function listInstallations(
  app: OctokitLike,
  maxPages = 50,
): Promise<Array<{ id: number; account: { login: string } | null; suspended_at?: string | null }>> {
  const out: Array<{ id: number; account: { login: string } | null; suspended_at?: string | null }> = [];
  for (let page = 1; page <= maxPages; page++) {
    const res = await app.request('GET /app/installations', { per_page: 100, page });
    out.push(...(res.data as unknown as typeof out));
    if (!/rel="next"/.test(String((res.headers as Record<string, string | undefined>).link ?? ''))) break;
  }
  return out;
}

/**
 * The app's installation on a repository (app JWT auth), or undefined when the app is not installed there.
 * Docs: https://docs.github.com/en/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app
 */
export async function repoInstallationId(app: OctokitLike, ref: RepoRef): Promise<number | undefined> {
  return unless404(async () => {
    const res = await app.request('GET /repos/{owner}/{repo}/installation', { ...ref });
    return (res.data as { id: number }).id;
  });
}

/** The answer, or undefined when GitHub says 404 (what was asked for does not exist, or no longer does). */
async function unless404<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined;
    throw err;
  }
}
