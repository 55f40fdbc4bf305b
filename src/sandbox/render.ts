// GitHub's JSON shapes for the sandbox's objects. REST answers and webhook payloads use the same renderers (as on
// GitHub), with field names from the @octokit/openapi description; test/sandbox checks them against it.
import { APP_MANIFEST } from './app-manifest.js';
import type {
  CheckRun,
  CheckSuite,
  Comment,
  Commit,
  CommitStatus,
  Installation,
  Issue,
  Label,
  Pull,
  Reaction,
  Repo,
  Review,
  Role,
  SandboxState,
  User,
} from './state.js';

export interface Urls {
  /** REST API root, e.g. http://127.0.0.1:PORT (no trailing slash). */
  api: string;
  /** Web root for html_url fields. */
  html: string;
}

type Json = Record<string, unknown>;

const ONE_MB = 1024 * 1024;
/** GitHub's placeholder account for content whose author deleted their account. */
const GHOST = 'ghost';
const CI_PERMISSIONS = { checks: 'write', statuses: 'write', contents: 'read', metadata: 'read' };

export const nodeId = (kind: string, id: number) => Buffer.from(`${kind}:${id}`).toString('base64').replace(/=+$/, '');

/** The kind and database id a sandbox node id stands for (GitHub's ids are opaque to clients; these are base64). */
export function decodeNodeId(id: string): { kind: string; id: number } | undefined {
  const m = /^([A-Za-z]+):(\d+)$/.exec(Buffer.from(id, 'base64').toString('utf8'));
  return m ? { kind: m[1]!, id: Number(m[2]) } : undefined;
}

export const LEGACY_PERMISSION: Record<Role, 'admin' | 'write' | 'read'> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
};

export class Renderer {
  constructor(
    readonly state: SandboxState,
    readonly urls: Urls,
    /** The App whose permissions come from app.yml (Baton); other apps (CI) have their own. */
    readonly manifestAppId = 0,
  ) {}

  /**
   * A deleted account: GitHub attributes its comments and issues to the "ghost" user, and REST/webhooks give
   * `user: null` on its reviews (https://docs.github.com/en/account-and-profile/setting-up-and-managing-your-personal-account-on-github/managing-your-personal-account/deleting-your-personal-account).
   */
  private deleted(login: string | null | undefined): boolean {
    return !!login && this.state.deletedUsers.has(login.toLowerCase());
  }

  /** `user` as GitHub renders an author that may have been deleted: the ghost user. */
  author(login: string | null | undefined): Json | null {
    return this.user(this.deleted(login) ? GHOST : login);
  }

  user(login: string | null | undefined): Json | null {
    if (!login) return null;
    const u: User = this.state.user(login) ?? this.state.ensureUser(login);
    const api = `${this.urls.api}/users/${u.login}`;
    return {
      login: u.login,
      id: u.id,
      node_id: nodeId(u.type === 'Organization' ? 'Organization' : u.type === 'Bot' ? 'Bot' : 'User', u.id),
      avatar_url: `${this.urls.html}/${u.login}.png`,
      gravatar_id: '',
      url: api,
      html_url: `${this.urls.html}/${u.login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: u.type,
      user_view_type: 'public',
      site_admin: false,
    };
  }

  /** A user as a push/commit author (name/email/username). */
  gitUser(name: string, email: string, login?: string): Json {
    return { name, email, ...(login ? { username: login } : {}) };
  }

  organization(login: string): Json {
    const u = this.state.ensureUser(login, 'Organization');
    const api = `${this.urls.api}/orgs/${u.login}`;
    return {
      login: u.login,
      id: u.id,
      node_id: nodeId('Organization', u.id),
      url: api,
      repos_url: `${api}/repos`,
      events_url: `${api}/events`,
      hooks_url: `${api}/hooks`,
      issues_url: `${api}/issues`,
      members_url: `${api}/members{/member}`,
      public_members_url: `${api}/public_members{/member}`,
      avatar_url: `${this.urls.html}/${u.login}.png`,
      description: null,
    };
  }

  repo(r: Repo): Json {
    const api = `${this.urls.api}/repos/${r.fullName}`;
    const html = `${this.urls.html}/${r.fullName}`;
    const open = this.openIssueCount(r);
    return {
      id: r.id,
      node_id: nodeId('Repository', r.id),
      name: r.name,
      full_name: r.fullName,
      private: r.private,
      owner: this.user(r.owner),
      html_url: html,
      description: r.description,
      fork: false,
      url: api,
      forks_url: `${api}/forks`,
      keys_url: `${api}/keys{/key_id}`,
      collaborators_url: `${api}/collaborators{/collaborator}`,
      teams_url: `${api}/teams`,
      hooks_url: `${api}/hooks`,
      issue_events_url: `${api}/issues/events{/number}`,
      events_url: `${api}/events`,
      assignees_url: `${api}/assignees{/user}`,
      branches_url: `${api}/branches{/branch}`,
      tags_url: `${api}/tags`,
      blobs_url: `${api}/git/blobs{/sha}`,
      git_tags_url: `${api}/git/tags{/sha}`,
      git_refs_url: `${api}/git/refs{/sha}`,
      trees_url: `${api}/git/trees{/sha}`,
      statuses_url: `${api}/statuses/{sha}`,
      languages_url: `${api}/languages`,
      stargazers_url: `${api}/stargazers`,
      contributors_url: `${api}/contributors`,
      subscribers_url: `${api}/subscribers`,
      subscription_url: `${api}/subscription`,
      commits_url: `${api}/commits{/sha}`,
      git_commits_url: `${api}/git/commits{/sha}`,
      comments_url: `${api}/comments{/number}`,
      issue_comment_url: `${api}/issues/comments{/number}`,
      contents_url: `${api}/contents/{+path}`,
      compare_url: `${api}/compare/{base}...{head}`,
      merges_url: `${api}/merges`,
      archive_url: `${api}/{archive_format}{/ref}`,
      downloads_url: `${api}/downloads`,
      issues_url: `${api}/issues{/number}`,
      pulls_url: `${api}/pulls{/number}`,
      milestones_url: `${api}/milestones{/number}`,
      notifications_url: `${api}/notifications{?since,all,participating}`,
      labels_url: `${api}/labels{/name}`,
      releases_url: `${api}/releases{/id}`,
      deployments_url: `${api}/deployments`,
      created_at: r.created_at,
      updated_at: r.updated_at,
      pushed_at: r.pushed_at,
      git_url: `git://sandbox/${r.fullName}.git`,
      ssh_url: `git@sandbox:${r.fullName}.git`,
      clone_url: `${html}.git`,
      svn_url: html,
      homepage: null,
      size: 0,
      stargazers_count: 0,
      watchers_count: 0,
      language: null,
      has_issues: true,
      has_projects: false,
      has_downloads: true,
      has_wiki: false,
      has_pages: false,
      has_discussions: false,
      forks_count: 0,
      mirror_url: null,
      archived: false,
      disabled: false,
      open_issues_count: open,
      license: null,
      allow_forking: true,
      forks: 0,
      open_issues: open,
      watchers: 0,
      default_branch: r.default_branch,
      is_template: false,
      topics: [],
      visibility: r.private ? 'private' : 'public',
      web_commit_signoff_required: false,
      custom_properties: {},
    };
  }

  private openIssueCount(r: Repo): number {
    return r.openCount;
  }

  label(r: Repo, l: Label): Json {
    return {
      id: l.id,
      node_id: nodeId('Label', l.id),
      url: `${this.urls.api}/repos/${r.fullName}/labels/${encodeURIComponent(l.name)}`,
      name: l.name,
      color: l.color,
      default: l.default,
      description: l.description,
    };
  }

  issueLabels(r: Repo, i: Issue): Json[] {
    const out: Json[] = [];
    for (const name of i.labels) {
      const l = r.labels.get(name.toLowerCase());
      if (l) out.push(this.label(r, l));
    }
    return out;
  }

  private association(r: Repo, login: string): string {
    if (login.toLowerCase() === r.owner.toLowerCase()) return 'OWNER';
    if (r.collaborators.has(login)) return 'COLLABORATOR';
    return 'NONE';
  }

  issue(r: Repo, i: Issue): Json {
    const api = `${this.urls.api}/repos/${r.fullName}/issues/${i.number}`;
    const html = `${this.urls.html}/${r.fullName}/${i.pull ? 'pull' : 'issues'}/${i.number}`;
    const assignees = i.assignees.map((a) => this.user(a));
    const out: Json = {
      url: api,
      repository_url: `${this.urls.api}/repos/${r.fullName}`,
      labels_url: `${api}/labels{/name}`,
      comments_url: `${api}/comments`,
      events_url: `${api}/events`,
      html_url: html,
      id: i.id,
      node_id: nodeId('Issue', i.id),
      number: i.number,
      title: i.title,
      user: this.user(i.user),
      labels: this.issueLabels(r, i),
      state: i.state,
      locked: false,
      assignee: assignees[0] ?? null,
      assignees,
      milestone: null,
      comments: i.comments.length,
      created_at: i.created_at,
      updated_at: i.updated_at,
      closed_at: i.closed_at,
      author_association: this.association(r, i.user),
      active_lock_reason: null,
      body: i.body,
      reactions: this.reactions(api),
      timeline_url: `${api}/timeline`,
      performed_via_github_app: null,
      state_reason: i.state_reason,
      draft: i.pull?.draft ?? false,
      ...(i.type
        ? {
            type: {
              id: i.type.id,
              node_id: nodeId('IssueType', i.type.id),
              name: i.type.name,
              description: null,
              color: null,
            },
          }
        : {}),
    };
    if (i.pull) {
      const p = `${this.urls.api}/repos/${r.fullName}/pulls/${i.number}`;
      out.pull_request = {
        url: p,
        html_url: html,
        diff_url: `${html}.diff`,
        patch_url: `${html}.patch`,
        merged_at: i.pull.merged_at,
      };
    }
    if (i.state === 'closed') out.closed_by = this.user(i.closed_by);
    return out;
  }

  /** The `reactions` rollup GitHub puts on issues and comments: a count per content. */
  private reactions(url: string, list: readonly Reaction[] = []): Json {
    const n = (c: Reaction['content']) => list.filter((x) => x.content === c).length;
    return {
      url: `${url}/reactions`,
      total_count: list.length,
      '+1': n('+1'),
      '-1': n('-1'),
      laugh: n('laugh'),
      hooray: n('hooray'),
      confused: n('confused'),
      heart: n('heart'),
      rocket: n('rocket'),
      eyes: n('eyes'),
    };
  }

  reaction(x: Reaction): Json {
    return {
      id: x.id,
      node_id: nodeId('Reaction', x.id),
      user: this.author(x.user),
      content: x.content,
      created_at: x.created_at,
    };
  }

  comment(r: Repo, c: Comment): Json {
    const api = `${this.urls.api}/repos/${r.fullName}/issues/comments/${c.id}`;
    const issue = r.issues.get(c.issue);
    const u = this.state.user(c.user);
    return {
      url: api,
      html_url: `${this.urls.html}/${r.fullName}/${issue?.pull ? 'pull' : 'issues'}/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${this.urls.api}/repos/${r.fullName}/issues/${c.issue}`,
      id: c.id,
      node_id: nodeId('IssueComment', c.id),
      user: this.author(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      author_association: this.association(r, c.user),
      body: c.body,
      reactions: this.reactions(api, c.reactions),
      performed_via_github_app: u?.type === 'Bot' ? this.appFor(u.login) : null,
    };
  }

  private appFor(botLogin: string): Json | null {
    const slug = botLogin.replace(/\[bot\]$/, '');
    for (const a of this.state.apps.values()) if (a.slug === slug) return this.app(a.id);
    return null;
  }

  app(appId: number): Json {
    const a = this.state.apps.get(appId);
    const slug = a?.slug ?? `app-${appId}`;
    return {
      id: appId,
      slug,
      node_id: nodeId('Integration', appId),
      owner: this.user(a?.owner ?? 'github'),
      name: a?.name ?? slug,
      description: '',
      external_url: `${this.urls.html}/apps/${slug}`,
      html_url: `${this.urls.html}/apps/${slug}`,
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      // The App registered from app.yml: its permissions and events are the manifest's (only for Baton's own app).
      permissions: { ...(appId === this.manifestAppId ? APP_MANIFEST.permissions : CI_PERMISSIONS) },
      events: [...(appId === this.manifestAppId ? APP_MANIFEST.events : ['check_run', 'check_suite', 'status'])],
    };
  }

  installation(inst: Installation): Json {
    return {
      id: inst.id,
      account: this.user(inst.account),
      repository_selection: 'selected',
      access_tokens_url: `${this.urls.api}/app/installations/${inst.id}/access_tokens`,
      repositories_url: `${this.urls.api}/installation/repositories`,
      html_url: `${this.urls.html}/settings/installations/${inst.id}`,
      app_id: inst.appId,
      app_slug: this.state.apps.get(inst.appId)?.slug ?? `app-${inst.appId}`,
      target_id: this.state.user(inst.account)?.id ?? 0,
      target_type: this.state.user(inst.account)?.type === 'Organization' ? 'Organization' : 'User',
      permissions: (this.app(inst.appId).permissions as Json) ?? {},
      events: this.app(inst.appId).events,
      created_at: inst.created_at,
      updated_at: inst.created_at,
      single_file_name: null,
      suspended_by: null,
      suspended_at: null,
    };
  }

  private branchRef(r: Repo, ref: string, sha: string): Json {
    return { label: `${r.owner}:${ref}`, ref, sha, user: this.user(r.owner), repo: this.repo(r) };
  }

  /** The head of a PR from a fork: the fork's owner and repository (a different id and full name). */
  private forkRef(r: Repo, fork: string, ref: string, sha: string): Json {
    const base = this.repo(r) as Record<string, unknown>;
    const forkRepo = {
      ...base,
      id: r.id + 1_000_000,
      node_id: nodeId('Repository', r.id + 1_000_000),
      full_name: `${fork}/${r.name}`,
      owner: this.user(fork),
      fork: true,
      html_url: `${this.urls.html}/${fork}/${r.name}`,
      url: `${this.urls.api}/repos/${fork}/${r.name}`,
    };
    return { label: `${fork}:${ref}`, ref, sha, user: this.user(fork), repo: forkRepo };
  }

  /** A commit status (https://docs.github.com/en/rest/commits/statuses). */
  status(r: Repo, st: CommitStatus): Json {
    return {
      url: `${this.urls.api}/repos/${r.fullName}/statuses/${st.sha}`,
      avatar_url: `${this.urls.html}/${st.creator}.png`,
      id: st.id,
      node_id: nodeId('StatusContext', st.id),
      state: st.state,
      description: st.description,
      target_url: st.target_url,
      context: st.context,
      created_at: st.created_at,
      updated_at: st.updated_at,
      creator: this.user(st.creator),
    };
  }

  pull(r: Repo, i: Issue): Json {
    const p = i.pull as Pull;
    const api = `${this.urls.api}/repos/${r.fullName}/pulls/${i.number}`;
    const html = `${this.urls.html}/${r.fullName}/pull/${i.number}`;
    const issueApi = `${this.urls.api}/repos/${r.fullName}/issues/${i.number}`;
    const assignees = i.assignees.map((a) => this.user(a));
    const additions = p.files.reduce((n, f) => n + f.additions, 0);
    const deletions = p.files.reduce((n, f) => n + f.deletions, 0);
    const baseHead = r.branches.get(p.baseRef) ?? p.baseSha;
    return {
      url: api,
      id: p.id,
      node_id: nodeId('PullRequest', p.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: issueApi,
      number: i.number,
      state: i.state,
      locked: false,
      title: i.title,
      user: this.user(i.user),
      body: i.body,
      created_at: i.created_at,
      updated_at: i.updated_at,
      closed_at: i.closed_at,
      merged_at: p.merged_at,
      merge_commit_sha: p.merge_commit_sha,
      assignee: assignees[0] ?? null,
      assignees,
      requested_reviewers: [...p.requestedUsers].map((u) => this.user(u)),
      requested_teams: [...p.requestedTeams].map((t) => this.team(r.owner, t)),
      labels: this.issueLabels(r, i),
      milestone: null,
      commits_url: `${api}/commits`,
      review_comments_url: `${api}/comments`,
      review_comment_url: `${this.urls.api}/repos/${r.fullName}/pulls/comments{/number}`,
      comments_url: `${issueApi}/comments`,
      statuses_url: `${this.urls.api}/repos/${r.fullName}/statuses/${p.headSha}`,
      head: p.fork ? this.forkRef(r, p.fork, p.headRef, p.headSha) : this.branchRef(r, p.headRef, p.headSha),
      base: this.branchRef(r, p.baseRef, p.merged ? p.baseSha : baseHead),
      _links: {
        self: { href: api },
        html: { href: html },
        issue: { href: issueApi },
        comments: { href: `${issueApi}/comments` },
        review_comments: { href: `${api}/comments` },
        review_comment: { href: `${this.urls.api}/repos/${r.fullName}/pulls/comments{/number}` },
        commits: { href: `${api}/commits` },
        statuses: { href: `${this.urls.api}/repos/${r.fullName}/statuses/${p.headSha}` },
      },
      author_association: this.association(r, i.user),
      auto_merge: null,
      active_lock_reason: null,
      draft: p.draft,
      merged: p.merged,
      mergeable: p.merged ? null : true,
      rebaseable: p.merged ? null : true,
      mergeable_state: p.merged ? 'unknown' : 'clean',
      merged_by: this.user(p.merged_by),
      comments: i.comments.length,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: p.commits.length,
      additions,
      deletions,
      changed_files: p.files.length,
    };
  }

  team(org: string, slug: string): Json {
    const t = this.state.team(org, slug);
    const id = t?.id ?? 0;
    const api = `${this.urls.api}/orgs/${org}/teams/${slug}`;
    return {
      id,
      node_id: nodeId('Team', id),
      url: api,
      html_url: `${this.urls.html}/orgs/${org}/teams/${slug}`,
      name: t?.name ?? slug,
      slug,
      description: null,
      privacy: 'closed',
      // An organization's team, not an enterprise team (required by the team schema).
      type: 'organization',
      notification_setting: 'notifications_enabled',
      permission: 'pull',
      members_url: `${api}/members{/member}`,
      repositories_url: `${api}/repos`,
      parent: null,
    };
  }

  review(r: Repo, i: Issue, v: Review): Json {
    const html = `${this.urls.html}/${r.fullName}/pull/${i.number}#pullrequestreview-${v.id}`;
    const pr = `${this.urls.api}/repos/${r.fullName}/pulls/${i.number}`;
    return {
      id: v.id,
      node_id: nodeId('PullRequestReview', v.id),
      user: this.deleted(v.user) ? null : this.user(v.user),
      body: v.body,
      commit_id: v.commit_id,
      submitted_at: v.submitted_at,
      state: v.state,
      html_url: html,
      pull_request_url: pr,
      author_association: this.association(r, v.user),
      _links: { html: { href: html }, pull_request: { href: pr } },
    };
  }

  /** The minimal PR reference GitHub puts in check_run/check_suite `pull_requests`. */
  pullRequestMin(r: Repo, i: Issue): Json {
    const p = i.pull as Pull;
    const repo = { id: r.id, url: `${this.urls.api}/repos/${r.fullName}`, name: r.name };
    return {
      url: `${this.urls.api}/repos/${r.fullName}/pulls/${i.number}`,
      id: p.id,
      number: i.number,
      head: { ref: p.headRef, sha: p.headSha, repo },
      base: { ref: p.baseRef, sha: r.branches.get(p.baseRef) ?? p.baseSha, repo },
    };
  }

  /** Open PRs whose head is `sha` (what GitHub fills into check payloads). */
  pullsForSha(r: Repo, sha: string): Json[] {
    const out: Json[] = [];
    for (const n of r.openPulls) {
      const i = r.issues.get(n);
      // A head branch in a fork never matches: GitHub leaves `pull_requests` empty for fork PRs
      // (https://docs.github.com/en/webhooks/webhook-events-and-payloads#check_suite).
      if (i?.pull && i.pull.headSha === sha && !i.pull.fork) out.push(this.pullRequestMin(r, i));
    }
    return out;
  }

  checkSuite(r: Repo, s: CheckSuite, withHeadCommit = false): Json {
    const out: Json = {
      id: s.id,
      node_id: nodeId('CheckSuite', s.id),
      head_branch: s.head_branch,
      head_sha: s.head_sha,
      status: s.status,
      conclusion: s.conclusion,
      url: `${this.urls.api}/repos/${r.fullName}/check-suites/${s.id}`,
      before: r.commits.get(s.head_sha)?.parents[0] ?? null,
      after: s.head_sha,
      pull_requests: this.pullsForSha(r, s.head_sha),
      app: this.app(s.appId),
      created_at: s.created_at,
      updated_at: s.updated_at,
    };
    if (withHeadCommit) {
      const c = r.commits.get(s.head_sha);
      out.latest_check_runs_count = s.runs.length;
      out.check_runs_url = `${this.urls.api}/repos/${r.fullName}/check-suites/${s.id}/check-runs`;
      out.head_commit = c
        ? {
            id: c.sha,
            tree_id: c.treeSha,
            message: c.message,
            timestamp: c.author.date,
            author: { name: c.author.name, email: c.author.email },
            committer: { name: c.author.name, email: c.author.email },
          }
        : null;
      out.rerequestable = true;
      out.runs_rerequestable = true;
      out.repository = this.repo(r);
    }
    return out;
  }

  checkRun(r: Repo, c: CheckRun): Json {
    const api = `${this.urls.api}/repos/${r.fullName}/check-runs/${c.id}`;
    const suite = r.suites.get(c.suiteId);
    return {
      id: c.id,
      node_id: nodeId('CheckRun', c.id),
      head_sha: c.head_sha,
      external_id: c.external_id ?? '',
      url: api,
      html_url: `${this.urls.html}/${r.fullName}/runs/${c.id}`,
      details_url: c.details_url ?? `${this.urls.html}/${r.fullName}/runs/${c.id}`,
      status: c.status,
      conclusion: c.conclusion,
      started_at: c.started_at,
      completed_at: c.completed_at,
      output: { ...c.output, annotations_url: `${api}/annotations` },
      name: c.name,
      check_suite: suite ? this.checkSuite(r, suite) : { id: c.suiteId },
      app: this.app(c.appId),
      pull_requests: this.pullsForSha(r, c.head_sha),
    };
  }

  commitAuthor(c: Commit): Json | null {
    return c.author.login ? this.user(c.author.login) : null;
  }

  commit(r: Repo, c: Commit, withFiles = false): Json {
    const api = `${this.urls.api}/repos/${r.fullName}/commits/${c.sha}`;
    const person = { name: c.author.name, email: c.author.email, date: c.author.date };
    const out: Json = {
      url: api,
      sha: c.sha,
      node_id: nodeId('Commit', r.id) + c.sha.slice(0, 8),
      html_url: `${this.urls.html}/${r.fullName}/commit/${c.sha}`,
      comments_url: `${api}/comments`,
      commit: {
        url: `${this.urls.api}/repos/${r.fullName}/git/commits/${c.sha}`,
        author: person,
        committer: person,
        message: c.message,
        comment_count: 0,
        tree: { sha: c.treeSha, url: `${this.urls.api}/repos/${r.fullName}/git/trees/${c.treeSha}` },
        verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
      },
      author: this.commitAuthor(c),
      committer: this.commitAuthor(c),
      parents: c.parents.map((p) => ({
        sha: p,
        url: `${this.urls.api}/repos/${r.fullName}/commits/${p}`,
        html_url: `${this.urls.html}/${r.fullName}/commit/${p}`,
      })),
    };
    if (withFiles) {
      out.files = c.files.map((f) => this.file(r, f, c.sha));
      out.stats = {
        additions: c.files.reduce((n, f) => n + f.additions, 0),
        deletions: c.files.reduce((n, f) => n + f.deletions, 0),
        total: c.files.reduce((n, f) => n + f.changes, 0),
      };
    }
    return out;
  }

  file(
    r: Repo,
    f: {
      filename: string;
      status: string;
      additions: number;
      deletions: number;
      changes: number;
      patch?: string;
      sha: string | null;
    },
    ref: string,
  ): Json {
    const raw = `${this.urls.html}/${r.fullName}/raw/${ref}/${f.filename}`;
    return {
      sha: f.sha ?? '0000000000000000000000000000000000000000',
      filename: f.filename,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      changes: f.changes,
      blob_url: `${this.urls.html}/${r.fullName}/blob/${ref}/${f.filename}`,
      raw_url: raw,
      contents_url: `${this.urls.api}/repos/${r.fullName}/contents/${f.filename}?ref=${ref}`,
      ...(f.patch !== undefined ? { patch: f.patch } : {}),
    };
  }

  /** A content entry; `text` given → a file answer with base64 content (GitHub wraps it at 60 chars). */
  content(r: Repo, path: string, sha: string, ref: string, text?: string, type: 'file' | 'dir' = 'file'): Json {
    const api = `${this.urls.api}/repos/${r.fullName}/contents/${path}?ref=${encodeURIComponent(ref)}`;
    const html = `${this.urls.html}/${r.fullName}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${path}`;
    const git = `${this.urls.api}/repos/${r.fullName}/git/${type === 'dir' ? 'trees' : 'blobs'}/${sha}`;
    const out: Json = {
      type,
      size: text !== undefined ? Buffer.byteLength(text) : 0,
      name: path.split('/').pop(),
      path,
      sha,
      url: api,
      git_url: git,
      html_url: html,
      download_url: type === 'file' ? `${this.urls.html}/${r.fullName}/raw/${ref}/${path}` : null,
      _links: { self: api, git, html },
    };
    if (text !== undefined && Buffer.byteLength(text) > ONE_MB) {
      // Files of 1-100 MB: the object answer has an empty `content` and `encoding: "none"`; only the raw media type
      // returns the bytes (https://docs.github.com/en/rest/repos/contents#get-repository-content).
      out.encoding = 'none';
      out.content = '';
    } else if (text !== undefined) {
      out.encoding = 'base64';
      out.content =
        (
          Buffer.from(text, 'utf8')
            .toString('base64')
            .match(/.{1,60}/g) ?? []
        ).join('\n') + '\n';
    }
    return out;
  }

  permission(login: string, role: Role | 'none'): Json {
    return {
      permission: role === 'none' ? 'none' : LEGACY_PERMISSION[role],
      role_name: role,
      user: { ...this.user(login), permissions: this.permissionFlags(role), role_name: role },
    };
  }

  private permissionFlags(role: Role | 'none'): Json {
    const rank = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 }[role];
    return { pull: rank >= 1, triage: rank >= 2, push: rank >= 3, maintain: rank >= 4, admin: rank >= 5 };
  }
}
