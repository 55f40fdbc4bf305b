// The one place that knows each GitHub REST call Baton makes. Everything else talks to this port, so the set of
// routes the sandbox must serve (and that test/sandbox checks against GitHub's OpenAPI description) is this file.
import type { Octokit } from '@octokit/rest';

export type OctokitLike = Pick<Octokit, 'request'>;

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
}

export interface CommentData {
  id: number;
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
  html_url: string;
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
}

export interface CheckRunData {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
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
}

/** Shared across jobs (one per process) so conditional requests survive between jobs of a repo. */
export type EtagCache = Map<string, Cached>;

export class GitHubPort {
  constructor(
    readonly octokit: OctokitLike,
    readonly ref: RepoRef,
    private readonly etags: EtagCache = new Map(),
    private readonly etagLimit = 5000,
  ) {}

  get fullName(): string {
    return `${this.ref.owner}/${this.ref.repo}`;
  }

  /** GET with If-None-Match; a 304 returns the remembered body. */
  private async conditional<T>(route: string, params: Record<string, unknown>): Promise<T> {
    const cacheKey = `${this.fullName} ${route} ${JSON.stringify(params)}`;
    const hit = this.etags.get(cacheKey);
    try {
      const res = await this.octokit.request(route, {
        ...this.ref,
        ...params,
        headers: hit ? { 'if-none-match': hit.etag } : {},
      });
      const etag = (res.headers as Record<string, string | undefined>).etag;
      if (etag) {
        if (this.etags.size >= this.etagLimit) this.etags.delete(this.etags.keys().next().value as string);
        this.etags.set(cacheKey, { etag, data: res.data });
      }
      return res.data as T;
    } catch (err) {
      if (hit && (err as { status?: number }).status === 304) return hit.data as T;
      throw err;
    }
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
    try {
      const data = await this.conditional<{ content?: string; encoding?: string; sha: string; type: string }>(
        'GET /repos/{owner}/{repo}/contents/{path}',
        { ...repoRef, path, ...(ref ? { ref } : {}) },
      );
      if (data.type !== 'file' || data.content === undefined) return undefined;
      return {
        text: Buffer.from(data.content, (data.encoding as BufferEncoding) || 'base64').toString('utf8'),
        sha: data.sha,
      };
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }
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
    const out: IssueData[] = [];
    for (let page = 1; page < 100; page++) {
      const res = await this.octokit.request('GET /repos/{owner}/{repo}/issues', {
        ...this.ref,
        ...params,
        per_page: 100,
        page,
      });
      const rows = res.data as Record<string, any>[];
      out.push(...rows.map(toIssue));
      if (rows.length < 100) break;
    }
    return out;
  }

  async createIssue(title: string, body: string, labels: string[] = []): Promise<IssueData> {
    const res = await this.octokit.request('POST /repos/{owner}/{repo}/issues', { ...this.ref, title, body, labels });
    return toIssue(res.data as Record<string, any>);
  }

  /** Add labels (GitHub creates labels it does not know); adding one that is there changes nothing. */
  async addLabels(issue: number, labels: string[]): Promise<void> {
    await this.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
      ...this.ref,
      issue_number: issue,
      labels,
    });
  }

  /** Removing a label that is not there is success (idempotent). */
  async removeLabel(issue: number, name: string): Promise<void> {
    try {
      await this.octokit.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', {
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
      await this.octokit.request('POST /repos/{owner}/{repo}/labels', { ...this.ref, name, color, description });
    } catch (err) {
      if ((err as { status?: number }).status !== 422) throw err;
    }
  }

  /** Adding someone already assigned changes nothing. */
  async addAssignees(issue: number, assignees: string[]): Promise<void> {
    await this.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/assignees', {
      ...this.ref,
      issue_number: issue,
      assignees,
    });
  }

  async removeAssignees(issue: number, assignees: string[]): Promise<void> {
    await this.octokit.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/assignees', {
      ...this.ref,
      issue_number: issue,
      assignees,
    });
  }

  async listComments(issue: number): Promise<CommentData[]> {
    const out: CommentData[] = [];
    for (let page = 1; page < 50; page++) {
      const rows = await this.conditional<CommentData[]>('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        issue_number: issue,
        per_page: 100,
        page,
      });
      out.push(...rows);
      if (rows.length < 100) break;
    }
    return out;
  }

  /** A comment by id, or undefined when it was deleted. Conditional: unchanged cards cost no rate limit. */
  async getComment(id: number): Promise<CommentData | undefined> {
    try {
      return await this.conditional<CommentData>('GET /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        comment_id: id,
      });
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }
  }

  async createComment(issue: number, body: string): Promise<CommentData> {
    const res = await this.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...this.ref,
      issue_number: issue,
      body,
    });
    this.prime(
      'GET /repos/{owner}/{repo}/issues/comments/{comment_id}',
      { comment_id: (res.data as CommentData).id },
      res,
    );
    return res.data as CommentData;
  }

  /** Remember the representation a write returned, so the next conditional read of it is answered 304. */
  private prime(route: string, params: Record<string, unknown>, res: { headers: unknown; data: unknown }): void {
    const etag = (res.headers as Record<string, string | undefined>).etag;
    if (etag) this.etags.set(`${this.fullName} ${route} ${JSON.stringify(params)}`, { etag, data: res.data });
  }

  /** Edit a comment; undefined when it no longer exists (deleted by a user). */
  async updateComment(id: number, body: string): Promise<CommentData | undefined> {
    try {
      const res = await this.octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        ...this.ref,
        comment_id: id,
        body,
      });
      // Remember what we wrote: the next conditional GET of this comment is answered 304 if nobody else edited it.
      this.prime('GET /repos/{owner}/{repo}/issues/comments/{comment_id}', { comment_id: id }, res);
      return res.data as CommentData;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }
  }

  // --- pull requests ----------------------------------------------------------------------------------------
  async getPull(pr: number): Promise<PullData> {
    return this.conditional<PullData>('GET /repos/{owner}/{repo}/pulls/{pull_number}', { pull_number: pr });
  }

  async listPulls(params: { state?: 'open' | 'closed' | 'all'; head?: string }): Promise<PullData[]> {
    const res = await this.octokit.request('GET /repos/{owner}/{repo}/pulls', {
      ...this.ref,
      ...params,
      per_page: 100,
    });
    return res.data as unknown as PullData[];
  }

  async listPullFiles(pr: number): Promise<PullFile[]> {
    const out: PullFile[] = [];
    // GitHub lists at most 3,000 files per PR, 100 a page.
    for (let page = 1; page <= 30; page++) {
      const rows = await this.conditional<PullFile[]>('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
        pull_number: pr,
        per_page: 100,
        page,
      });
      out.push(...rows);
      if (rows.length < 100) break;
    }
    return out;
  }

  async listPullCommits(pr: number): Promise<CommitData[]> {
    return this.conditional<CommitData[]>('GET /repos/{owner}/{repo}/pulls/{pull_number}/commits', {
      pull_number: pr,
      per_page: 100,
    });
  }

  async listReviews(pr: number): Promise<ReviewData[]> {
    return this.conditional<ReviewData[]>('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
      pull_number: pr,
      per_page: 100,
    });
  }

  async listRequestedReviewers(pr: number): Promise<{ users: string[]; teams: string[] }> {
    const d = await this.conditional<{ users: { login: string }[]; teams: { slug: string }[] }>(
      'GET /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
      { pull_number: pr },
    );
    return { users: d.users.map((u) => u.login), teams: d.teams.map((t) => t.slug) };
  }

  async requestReviewers(pr: number, users: string[], teams: string[]): Promise<void> {
    await this.octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', {
      ...this.ref,
      pull_number: pr,
      reviewers: users,
      team_reviewers: teams,
    });
  }

  async createPull(p: { title: string; head: string; base: string; body: string }): Promise<PullData> {
    const res = await this.octokit.request('POST /repos/{owner}/{repo}/pulls', { ...this.ref, ...p });
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
    try {
      const d = await this.conditional<{ object: { sha: string } }>('GET /repos/{owner}/{repo}/git/ref/{ref}', { ref });
      return d.object.sha;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }
  }

  async createRef(ref: string, sha: string): Promise<void> {
    await this.octokit.request('POST /repos/{owner}/{repo}/git/refs', { ...this.ref, ref, sha });
  }

  async putFile(p: { path: string; message: string; text: string; branch: string; sha?: string }): Promise<void> {
    await this.octokit.request('PUT /repos/{owner}/{repo}/contents/{path}', {
      ...this.ref,
      path: p.path,
      message: p.message,
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
    const res = await this.octokit.request('POST /repos/{owner}/{repo}/check-runs', {
      ...this.ref,
      name: p.name,
      head_sha: p.head_sha,
      status: 'completed',
      conclusion: p.conclusion,
      external_id: p.external_id,
      completed_at: new Date().toISOString(),
      // GitHub accepts at most 50 annotations per request.
      output: { title: p.title, summary: p.summary, annotations: (p.annotations ?? []).slice(0, 50) },
    });
    return res.data as CheckRunData;
  }

  async updateCheckRun(
    id: number,
    p: { conclusion: 'success' | 'failure' | 'neutral'; title: string; summary: string },
  ): Promise<void> {
    await this.octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...this.ref,
      check_run_id: id,
      status: 'completed',
      conclusion: p.conclusion,
      completed_at: new Date().toISOString(),
      output: { title: p.title, summary: p.summary },
    });
  }

  async listCheckRuns(ref: string, checkName?: string): Promise<CheckRunData[]> {
    const d = await this.conditional<{ check_runs: CheckRunData[] }>(
      'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
      {
        ref,
        ...(checkName ? { check_name: checkName } : {}),
      },
    );
    return d.check_runs;
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

  async listTeamMembers(org: string, teamSlug: string): Promise<string[]> {
    try {
      const d = await this.conditional<{ login: string }[]>('GET /orgs/{org}/teams/{team_slug}/members', {
        org,
        team_slug: teamSlug,
        per_page: 100,
      });
      return d.map((u) => u.login);
    } catch (err) {
      if ((err as { status?: number }).status === 404) return [];
      throw err;
    }
  }
}

function toIssue(d: Record<string, any>): IssueData {
  return {
    number: d.number,
    title: d.title,
    body: d.body ?? null,
    state: d.state,
    user: { login: d.user?.login },
    labels: (d.labels ?? []).map((l: string | { name: string }) => (typeof l === 'string' ? l : l.name)),
    assignees: (d.assignees ?? []).map((a: { login: string }) => a.login),
    pull_request: d.pull_request,
    created_at: d.created_at,
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
