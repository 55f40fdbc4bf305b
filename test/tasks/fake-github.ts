// A tiny in-memory GitHub behind `octokit.request(route, params)`: serves the routes the tasks use by route string
// and records every write, so tests can assert "ran twice, wrote nothing new".
import type { CommitData, PullData, PullFile, ReviewData } from '../../src/github/port.js';

export interface RepoCommit {
  sha: string;
  login: string;
  date: string;
  files: string[];
  message?: string;
}

export interface StoredCheck {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output: { title: string; summary: string };
}

export class FakeGitHub {
  defaultBranch = 'main';
  pulls = new Map<number, PullData>();
  prFiles = new Map<number, PullFile[]>();
  prCommits = new Map<number, CommitData[]>();
  history: RepoCommit[] = [];
  comments: Array<{
    id: number;
    issue: number;
    body: string;
    user: { login: string; type: string };
    html_url: string;
    created_at: string;
  }> = [];
  labels = new Map<number, string[]>();
  reviews = new Map<number, ReviewData[]>();
  requested = new Map<number, { users: string[]; teams: string[] }>();
  checks: StoredCheck[] = [];
  refs = new Map<string, string>([['heads/main', 'basesha0001']]);
  contents = new Map<string, { text: string; sha: string }>(); // `${branch}:${path}`
  teams = new Map<string, string[]>();
  writes: Array<{ route: string; params: Record<string, any> }> = [];
  reads: string[] = [];
  private nextId = 1000;
  botLogin = 'baton[bot]';

  readonly octokit = {
    request: (route: string, params: Record<string, any> = {}) => this.handle(route, params),
  } as any;

  addPull(p: Partial<PullData> & { number: number }, files: PullFile[], commits: CommitData[] = []): void {
    this.pulls.set(p.number, {
      title: 'A change',
      body: '',
      state: 'open',
      draft: false,
      merged: false,
      user: { login: 'dev' },
      head: { ref: `feature-${p.number}`, sha: `head${p.number}` },
      base: { ref: 'main', sha: 'basesha0001' },
      additions: files.reduce((a, f) => a + f.additions, 0),
      deletions: files.reduce((a, f) => a + f.deletions, 0),
      changed_files: files.length,
      created_at: '2026-11-01T00:00:00Z',
      merged_at: null,
      html_url: `https://github.test/o/r/pull/${p.number}`,
      ...p,
    });
    this.prFiles.set(p.number, files);
    this.prCommits.set(p.number, commits);
  }

  writesOf(route: string): Array<Record<string, any>> {
    return this.writes.filter((w) => w.route === route).map((w) => w.params);
  }

  private id(): number {
    return this.nextId++;
  }

  private notFound(): never {
    throw Object.assign(new Error('Not Found'), { status: 404 });
  }

  private ok(data: unknown) {
    return { status: 200, headers: {}, data };
  }

  private toCommit(c: RepoCommit): CommitData {
    return {
      sha: c.sha,
      commit: { message: c.message ?? 'change', author: { name: c.login, date: c.date } },
      author: { login: c.login },
    };
  }

  async handle(
    route: string,
    p: Record<string, any>,
  ): Promise<{ status: number; headers: Record<string, string>; data: any }> {
    const [method] = route.split(' ');
    if (method === 'GET') this.reads.push(route);
    else this.writes.push({ route, params: p });
    const page = p.page ?? 1;
    const paged = <T>(rows: T[]) => rows.slice((page - 1) * (p.per_page ?? 30), page * (p.per_page ?? 30));
    switch (route) {
      case 'GET /repos/{owner}/{repo}':
        return this.ok({ default_branch: this.defaultBranch, private: false, full_name: `${p.owner}/${p.repo}` });
      case 'GET /repos/{owner}/{repo}/pulls/{pull_number}':
        return this.ok(this.pulls.get(p.pull_number) ?? this.notFound());
      case 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files':
        return this.ok(paged(this.prFiles.get(p.pull_number) ?? []));
      case 'GET /repos/{owner}/{repo}/pulls/{pull_number}/commits':
        return this.ok(this.prCommits.get(p.pull_number) ?? []);
      case 'GET /repos/{owner}/{repo}/collaborators/{username}/permission':
        return this.ok({ permission: 'write' });
      case 'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews':
        return this.ok(this.reviews.get(p.pull_number) ?? []);
      case 'GET /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers': {
        const r = this.requested.get(p.pull_number) ?? { users: [], teams: [] };
        return this.ok({ users: r.users.map((login) => ({ login })), teams: r.teams.map((slug) => ({ slug })) });
      }
      case 'POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers': {
        const r = this.requested.get(p.pull_number) ?? { users: [], teams: [] };
        this.requested.set(p.pull_number, {
          users: [...r.users, ...(p.reviewers ?? [])],
          teams: [...r.teams, ...(p.team_reviewers ?? [])],
        });
        return this.ok({});
      }
      case 'GET /repos/{owner}/{repo}/pulls':
        return this.ok([...this.pulls.values()].filter((x) => !p.head || `${p.owner}:${x.head.ref}` === p.head));
      case 'POST /repos/{owner}/{repo}/pulls': {
        if (!this.refs.has(`heads/${p.head}`)) throw Object.assign(new Error('head branch missing'), { status: 422 });
        const number = this.id();
        this.addPull(
          {
            number,
            title: p.title,
            body: p.body,
            head: { ref: p.head, sha: this.refs.get(`heads/${p.head}`)! },
            base: { ref: p.base, sha: 'basesha0001' },
          },
          [],
        );
        return this.ok(this.pulls.get(number));
      }
      case 'GET /repos/{owner}/{repo}/commits': {
        let rows = this.history;
        if (p.path) rows = rows.filter((c) => c.files.some((f) => f === p.path || f.startsWith(p.path + '/')));
        if (p.author) rows = rows.filter((c) => c.login === p.author);
        return this.ok(rows.slice(0, p.per_page ?? 30).map((c) => this.toCommit(c)));
      }
      case 'GET /repos/{owner}/{repo}/issues/{issue_number}': {
        const pull = this.pulls.get(p.issue_number);
        return this.ok({
          number: p.issue_number,
          title: pull?.title ?? 'Issue',
          body: '',
          state: 'open',
          user: { login: 'dev' },
          labels: (this.labels.get(p.issue_number) ?? []).map((name) => ({ name })),
          assignees: [],
          created_at: '2026-11-01T00:00:00Z',
        });
      }
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels':
        this.labels.set(p.issue_number, [...new Set([...(this.labels.get(p.issue_number) ?? []), ...p.labels])]);
        return this.ok([]);
      case 'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}': {
        const cur = this.labels.get(p.issue_number) ?? [];
        if (!cur.includes(p.name)) this.notFound();
        this.labels.set(
          p.issue_number,
          cur.filter((l) => l !== p.name),
        );
        return this.ok([]);
      }
      case 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments':
        return this.ok(paged(this.comments.filter((c) => c.issue === p.issue_number)));
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const c = {
          id: this.id(),
          issue: p.issue_number,
          body: p.body,
          user: { login: this.botLogin, type: 'Bot' },
          html_url: `https://github.test/o/r/issues/${p.issue_number}#c`,
          created_at: new Date().toISOString(),
        };
        this.comments.push(c);
        return this.ok(c);
      }
      case 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        const c = this.comments.find((x) => x.id === p.comment_id) ?? this.notFound();
        c.body = p.body;
        return this.ok(c);
      }
      case 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs':
        return this.ok({
          check_runs: this.checks.filter((c) => c.head_sha === p.ref && (!p.check_name || c.name === p.check_name)),
        });
      case 'POST /repos/{owner}/{repo}/check-runs': {
        const c: StoredCheck = {
          id: this.id(),
          name: p.name,
          head_sha: p.head_sha,
          status: p.status,
          conclusion: p.conclusion,
          output: p.output,
        };
        this.checks.push(c);
        return this.ok(c);
      }
      case 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': {
        const c = this.checks.find((x) => x.id === p.check_run_id) ?? this.notFound();
        Object.assign(c, { status: p.status, conclusion: p.conclusion, output: p.output });
        return this.ok(c);
      }
      case 'GET /orgs/{org}/teams/{team_slug}/members':
        return this.ok((this.teams.get(`${p.org}/${p.team_slug}`) ?? this.notFound()).map((login) => ({ login })));
      case 'GET /repos/{owner}/{repo}/git/ref/{ref}': {
        const sha = this.refs.get(p.ref) ?? this.notFound();
        return this.ok({ object: { sha } });
      }
      case 'POST /repos/{owner}/{repo}/git/refs':
        if (this.refs.has(p.ref.replace(/^refs\//, '')))
          throw Object.assign(new Error('Reference already exists'), { status: 422 });
        this.refs.set(p.ref.replace(/^refs\//, ''), p.sha);
        return this.ok({});
      case 'GET /repos/{owner}/{repo}/contents/{path}': {
        // A branch made from the default branch sees its files until it writes its own.
        const branch = p.ref ?? this.defaultBranch;
        const f =
          this.contents.get(`${branch}:${p.path}`) ??
          (this.refs.has(`heads/${branch}`) ? this.contents.get(`${this.defaultBranch}:${p.path}`) : undefined) ??
          this.notFound();
        return this.ok({
          type: 'file',
          encoding: 'base64',
          content: Buffer.from(f.text).toString('base64'),
          sha: f.sha,
        });
      }
      case 'PUT /repos/{owner}/{repo}/contents/{path}': {
        const key = `${p.branch}:${p.path}`;
        const cur = this.contents.get(key);
        if (cur && cur.sha !== p.sha) throw Object.assign(new Error('sha mismatch'), { status: 409 });
        this.contents.set(key, { text: Buffer.from(p.content, 'base64').toString('utf8'), sha: `blob${this.id()}` });
        return this.ok({});
      }
      default:
        throw new Error(`fake GitHub does not serve ${route}`);
    }
  }
}

export function file(
  filename: string,
  additions: number,
  deletions: number,
  patch?: string,
  status = 'modified',
): PullFile {
  return {
    filename,
    status,
    additions,
    deletions,
    changes: additions + deletions,
    patch:
      patch ??
      `@@ -1,${deletions} +1,${additions} @@\n${'-old\n'.repeat(deletions)}${'+new\n'.repeat(additions)}`.trimEnd(),
  };
}
