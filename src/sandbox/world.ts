// Everything that can happen in the sandbox, whoever does it: a user through the Sandbox API, or the App through the
// REST API. Each operation mutates the state and emits the webhook(s) GitHub would send for it, so both paths stay
// identical (an App's label write produces the same `issues.labeled` a person's does, with the App as sender).
import type { Json } from './http-types.js';
import { HttpError } from './http-types.js';
import { buildPayload } from './payloads.js';
import { closingRefs } from './closing-keywords.js';
import type { Renderer } from './render.js';
import type { CheckRun, CheckSuite, Comment, Commit, CommitStatus, Issue, Pull, Repo, Review, Role } from './state.js';
import type { Reaction, ReactionContent } from './state.js';
import { REACTION_CONTENTS, type SandboxState, ZERO_SHA, diffTrees, isoSeconds } from './state.js';

export type Emit = (event: string, payload: Json) => void;

export interface WorldOptions {
  appId: number;
  botLogin: string;
  /** Emit webhooks for writes the App makes (GitHub does; Baton must ignore its own events). */
  emitAppEvents: boolean;
  /** The events the App subscribes to (app.yml's default_events); every event when absent. */
  events?: readonly string[];
  clock: () => Date;
}

/**
 * Sent to every App whether it subscribes or not: "All GitHub Apps receive this event by default. You cannot
 * manually subscribe to this event." (https://docs.github.com/en/webhooks/webhook-events-and-payloads#installation,
 * #installation_repositories, #github_app_authorization).
 */
export const ALWAYS_SENT_EVENTS: readonly string[] = [
  'installation',
  'installation_repositories',
  'github_app_authorization',
];

/** Files for a commit: path → new text (null deletes the file). */
export type FileChanges = Record<string, string | null>;

const DEFAULT_LABEL_COLOR = 'ededed';
/**
 * GitHub refuses bodies over 65,536 characters with a 422 ("body is too long (maximum is 65536 characters)"; see
 * https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#validation-failed).
 */
export const MAX_BODY = 65_536;
/** Check run output: summary and text are at most 65,535 characters (https://docs.github.com/en/rest/checks/runs). */
export const MAX_CHECK_TEXT = 65_535;
/** "The Checks API limits the number of annotations to a maximum of 50 per API request" (same page). */
export const MAX_ANNOTATIONS = 50;

function checkBody(resource: string, body: string | null | undefined): void {
  if (typeof body === 'string' && body.length > MAX_BODY)
    throw new HttpError(422, 'Validation Failed', [
      { resource, code: 'custom', field: 'body', message: `body is too long (maximum is ${MAX_BODY} characters)` },
    ]);
}

function checkOutput(p: { output?: { summary?: string; text?: string; annotations?: unknown[] } }): void {
  for (const field of ['summary', 'text'] as const) {
    const v = p.output?.[field];
    if (typeof v === 'string' && v.length > MAX_CHECK_TEXT)
      throw new HttpError(422, 'Invalid request.', [
        {
          resource: 'CheckRun',
          code: 'custom',
          field: `output.${field}`,
          message: `output.${field} is too long (maximum is ${MAX_CHECK_TEXT} characters)`,
        },
      ]);
  }
  if ((p.output?.annotations?.length ?? 0) > MAX_ANNOTATIONS)
    throw new HttpError(422, `Invalid request.\n\nOnly ${MAX_ANNOTATIONS} annotations are allowed per request.`);
}

export class World {
  readonly render: Renderer;

  constructor(
    readonly state: SandboxState,
    render: Renderer,
    private readonly emitRaw: Emit,
    readonly opts: WorldOptions,
  ) {
    this.render = render;
  }

  now(at?: string): string {
    return isoSeconds(at ?? this.opts.clock());
  }

  // --- lookups that answer like GitHub when something is missing ---------------------------------------------
  repo(owner: string, name: string): Repo {
    const r = this.state.repo(owner, name);
    if (!r) throw new HttpError(404, 'Not Found');
    return r;
  }

  issue(r: Repo, n: number): Issue {
    const i = r.issues.get(Number(n));
    if (!i) throw new HttpError(404, 'Not Found');
    return i;
  }

  pull(r: Repo, n: number): Issue & { pull: Pull } {
    const i = r.issues.get(Number(n));
    if (!i?.pull) throw new HttpError(404, 'Not Found');
    return i as Issue & { pull: Pull };
  }

  comment(r: Repo, id: number): Comment {
    const c = this.state.comments.get(Number(id));
    if (!c || c.repo !== r.fullName.toLowerCase()) throw new HttpError(404, 'Not Found');
    return c;
  }

  roleOf(r: Repo, login: string): Role | 'none' {
    const explicit = r.collaborators.get(login) ?? r.collaborators.get(login.toLowerCase());
    if (explicit) return explicit;
    if (login.toLowerCase() === r.owner.toLowerCase()) return 'admin';
    return r.private ? 'none' : 'read';
  }

  // --- emission ----------------------------------------------------------------------------------------------
  private subscribed(event: string): boolean {
    return !this.opts.events || this.opts.events.includes(event) || ALWAYS_SENT_EVENTS.includes(event);
  }

  private emit(r: Repo, actor: string, event: string, action: string | undefined, fields: Json): void {
    if (!this.opts.emitAppEvents && actor.toLowerCase() === this.opts.botLogin.toLowerCase()) return;
    const owner = this.state.user(r.owner);
    const inst = [...this.state.installations.values()].find(
      (i) => i.appId === this.opts.appId && i.repos.has(r.fullName.toLowerCase()),
    );
    // An App hears of a repository's activity only through an installation that reaches the repository, and only
    // of the events it subscribes to:
    // https://docs.github.com/en/apps/creating-github-apps/registering-a-github-app/using-webhooks-with-github-apps
    if (!inst || !this.subscribed(event)) return;
    this.emitRaw(
      event,
      buildPayload(event, action, {
        ...fields,
        repository: fields.repository ?? this.render.repo(r),
        organization: owner?.type === 'Organization' ? this.render.organization(owner.login) : undefined,
        sender: this.render.user(actor),
        installation: inst
          ? { id: inst.id, node_id: Buffer.from(`Installation:${inst.id}`).toString('base64') }
          : undefined,
      }),
    );
  }

  private emitIssue(r: Repo, i: Issue, actor: string, action: string, extra: Json = {}): void {
    if (i.pull)
      this.emit(r, actor, 'pull_request', action, { number: i.number, pull_request: this.render.pull(r, i), ...extra });
    else this.emit(r, actor, 'issues', action, { issue: this.render.issue(r, i), ...extra });
  }

  private touch(r: Repo, i: Issue, at: string): void {
    i.updated_at = at;
    r.updated_at = at;
  }

  // --- issues ---------------------------------------------------------------------------------------------------
  /** A fresh open issue record (issues and pull requests share numbers and fields, as on GitHub). */
  private newIssue(r: Repo, actor: string, p: { title: string; body?: string | null }, when: string): Issue {
    return {
      number: r.nextNumber++,
      id: this.state.nextId(),
      title: p.title,
      body: p.body ?? null,
      state: 'open',
      state_reason: null,
      user: actor,
      labels: [],
      assignees: [],
      created_at: when,
      updated_at: when,
      closed_at: null,
      closed_by: null,
      comments: [],
    };
  }

  createIssue(
    r: Repo,
    actor: string,
    p: { title: string; body?: string | null; labels?: string[]; assignees?: string[]; type?: string },
    at?: string,
  ): Issue {
    // A title is required (https://docs.github.com/en/rest/issues/issues#create-an-issue).
    if (!p.title)
      throw new HttpError(422, 'Validation Failed', [{ resource: 'Issue', field: 'title', code: 'missing_field' }]);
    checkBody('Issue', p.body);
    if (p.assignees?.length) this.checkAssignees(r, actor, p.assignees);
    const when = this.now(at);
    this.state.ensureUser(actor);
    const i: Issue = this.newIssue(r, actor, p, when);
    if (p.type) i.type = { id: this.state.nextId(), name: p.type };
    r.issues.set(i.number, i);
    r.openCount++;
    this.emitIssue(r, i, actor, 'opened');
    if (p.labels?.length) this.addLabels(r, actor, i.number, p.labels, at);
    if (p.assignees?.length) this.addAssignees(r, actor, i.number, p.assignees, at);
    return i;
  }

  private ensureLabel(r: Repo, name: string): { label: { name: string } } {
    const key = name.toLowerCase();
    let l = r.labels.get(key);
    if (!l) {
      l = { id: this.state.nextId(), name, color: DEFAULT_LABEL_COLOR, description: null, default: false };
      r.labels.set(key, l);
    }
    return { label: l };
  }

  /** Adds labels not yet on the issue (one `labeled` event each); unknown labels are created, as GitHub does. */
  addLabels(r: Repo, actor: string, n: number, names: string[], at?: string): Issue {
    const i = this.issue(r, n);
    const when = this.now(at);
    for (const name of names) {
      const { label } = this.ensureLabel(r, name);
      if (i.labels.some((x) => x.toLowerCase() === label.name.toLowerCase())) continue;
      i.labels.push(label.name);
      this.touch(r, i, when);
      this.emitIssue(r, i, actor, 'labeled', { label: this.render.label(r, r.labels.get(label.name.toLowerCase())!) });
    }
    return i;
  }

  removeLabel(r: Repo, actor: string, n: number, name: string, at?: string): Issue {
    const i = this.issue(r, n);
    const idx = i.labels.findIndex((x) => x.toLowerCase() === name.toLowerCase());
    if (idx < 0) throw new HttpError(404, 'Label does not exist');
    const removed = i.labels.splice(idx, 1)[0]!;
    this.touch(r, i, this.now(at));
    const l = r.labels.get(removed.toLowerCase());
    this.emitIssue(r, i, actor, 'unlabeled', l ? { label: this.render.label(r, l) } : {});
    return i;
  }

  /** A name is required and unique (case-insensitively) (https://docs.github.com/en/rest/issues/labels#create-a-label). */
  createLabel(r: Repo, actor: string, p: { name: string; color?: string; description?: string | null }): Json {
    if (!p.name)
      throw new HttpError(422, 'Validation Failed', [{ resource: 'Label', field: 'name', code: 'missing_field' }]);
    if (r.labels.has(p.name.toLowerCase()))
      throw new HttpError(422, 'Validation Failed', [{ resource: 'Label', code: 'already_exists', field: 'name' }]);
    const l = {
      id: this.state.nextId(),
      name: p.name,
      color: (p.color ?? DEFAULT_LABEL_COLOR).replace(/^#/, ''),
      description: p.description ?? null,
      default: false,
    };
    r.labels.set(p.name.toLowerCase(), l);
    const out = this.render.label(r, l);
    this.emit(r, actor, 'label', 'created', { label: out });
    return out;
  }

  /** Deletes a repository label; it disappears from every issue (GitHub sends only `label.deleted`). */
  deleteLabel(r: Repo, actor: string, name: string): void {
    const l = r.labels.get(name.toLowerCase());
    if (!l) throw new HttpError(404, 'Not Found');
    const rendered = this.render.label(r, l);
    r.labels.delete(name.toLowerCase());
    for (const i of r.issues.values()) {
      const idx = i.labels.findIndex((x) => x.toLowerCase() === name.toLowerCase());
      if (idx >= 0) i.labels.splice(idx, 1);
    }
    this.emit(r, actor, 'label', 'deleted', { label: rendered });
  }

  /**
   * Who can be assigned: collaborators (any role), the owner, org members and the issue's author
   * (https://docs.github.com/en/rest/issues/assignees#check-if-a-user-can-be-assigned).
   */
  canAssign(r: Repo, login: string, author?: string): boolean {
    const u = this.state.user(login);
    if (!u || this.state.deletedUsers.has(u.login.toLowerCase())) return false;
    if (
      r.collaborators.has(u.login) ||
      (author !== undefined && u.login.toLowerCase() === author.toLowerCase()) ||
      u.login.toLowerCase() === r.owner.toLowerCase()
    )
      return true;
    for (const t of this.state.teams.values())
      if (t.org.toLowerCase() === r.owner.toLowerCase() && t.members.has(u.login)) return true;
    return false;
  }

  /**
   * Creating an issue or setting its assignees (POST/PATCH issues) with a login that cannot be assigned is refused
   * whole with a 422 naming each login (https://docs.github.com/en/rest/issues/issues#update-an-issue); only the
   * "add assignees" endpoint skips them silently.
   */
  checkAssignees(r: Repo, author: string, logins: string[]): void {
    const bad = logins.filter((l) => !this.canAssign(r, l, author));
    if (bad.length)
      throw new HttpError(
        422,
        'Validation Failed',
        bad.map((value) => ({
          value,
          resource: 'Issue',
          field: 'assignees',
          code: 'invalid',
          message: `${value} cannot be assigned to this issue`,
        })),
      );
  }

  addAssignees(r: Repo, actor: string, n: number, logins: string[], at?: string): Issue {
    const i = this.issue(r, n);
    const when = this.now(at);
    for (const login of logins) {
      // POST .../assignees skips logins that cannot be assigned without an error; at most 10 assignees
      // (https://docs.github.com/en/rest/issues/assignees#add-assignees-to-an-issue).
      const u = this.state.user(login);
      if (!u || !this.canAssign(r, u.login, i.user) || i.assignees.includes(u.login) || i.assignees.length >= 10)
        continue;
      i.assignees.push(u.login);
      this.touch(r, i, when);
      this.emitIssue(r, i, actor, 'assigned', { assignee: this.render.user(u.login) });
    }
    return i;
  }

  removeAssignees(r: Repo, actor: string, n: number, logins: string[], at?: string): Issue {
    const i = this.issue(r, n);
    const when = this.now(at);
    for (const login of logins) {
      const idx = i.assignees.findIndex((a) => a.toLowerCase() === login.toLowerCase());
      if (idx < 0) continue;
      const [gone] = i.assignees.splice(idx, 1);
      this.touch(r, i, when);
      this.emitIssue(r, i, actor, 'unassigned', { assignee: this.render.user(gone) });
    }
    return i;
  }

  updateIssue(
    r: Repo,
    actor: string,
    n: number,
    p: { title?: string; body?: string | null; state?: 'open' | 'closed'; state_reason?: string | null },
    at?: string,
  ): Issue {
    const i = this.issue(r, n);
    checkBody('Issue', p.body);
    const when = this.now(at);
    const changes: Json = {};
    if (p.title !== undefined && p.title !== i.title) {
      changes.title = { from: i.title };
      i.title = p.title;
    }
    if (p.body !== undefined && p.body !== i.body) {
      changes.body = { from: i.body };
      i.body = p.body;
    }
    if (Object.keys(changes).length) {
      this.touch(r, i, when);
      this.emitIssue(r, i, actor, 'edited', { changes });
    }
    if (p.state === 'closed' && i.state === 'open') this.close(r, actor, n, at, p.state_reason ?? 'completed');
    if (p.state === 'open' && i.state === 'closed') this.reopen(r, actor, n, at);
    return i;
  }

  close(r: Repo, actor: string, n: number, at?: string, reason = 'completed'): Issue {
    const i = this.issue(r, n);
    if (i.state === 'closed') return i;
    const when = this.now(at);
    i.state = 'closed';
    i.state_reason = i.pull ? null : reason;
    i.closed_at = when;
    i.closed_by = actor;
    r.openCount--;
    r.openPulls.delete(i.number);
    this.touch(r, i, when);
    this.emitIssue(r, i, actor, 'closed');
    return i;
  }

  reopen(r: Repo, actor: string, n: number, at?: string): Issue {
    const i = this.issue(r, n);
    if (i.state === 'open') return i;
    if (i.pull?.merged)
      throw new HttpError(422, 'Validation Failed', [
        {
          resource: 'PullRequest',
          code: 'custom',
          message: 'state cannot be changed. The pull request has been merged.',
        },
      ]);
    i.state = 'open';
    i.state_reason = i.pull ? null : 'reopened';
    i.closed_at = null;
    i.closed_by = null;
    r.openCount++;
    if (i.pull) r.openPulls.add(i.number);
    this.touch(r, i, this.now(at));
    this.emitIssue(r, i, actor, 'reopened');
    return i;
  }

  // --- comments -------------------------------------------------------------------------------------------------
  createComment(r: Repo, actor: string, n: number, body: string, at?: string): Comment {
    const i = this.issue(r, n);
    // A body is required (https://docs.github.com/en/rest/issues/comments#create-an-issue-comment).
    if (typeof body !== 'string' || body === '')
      throw new HttpError(422, 'Validation Failed', [
        { resource: 'IssueComment', field: 'body', code: 'missing_field' },
      ]);
    checkBody('IssueComment', body);
    const when = this.now(at);
    this.state.ensureUser(actor);
    const c: Comment = {
      id: this.state.nextId(),
      repo: r.fullName.toLowerCase(),
      issue: i.number,
      body,
      user: actor,
      created_at: when,
      updated_at: when,
    };
    this.state.comments.set(c.id, c);
    i.comments.push(c.id);
    this.touch(r, i, when);
    this.emit(r, actor, 'issue_comment', 'created', {
      issue: this.render.issue(r, i),
      comment: this.render.comment(r, c),
    });
    return c;
  }

  updateComment(r: Repo, actor: string, id: number, body: string, at?: string): Comment {
    const c = this.comment(r, id);
    checkBody('IssueComment', body);
    if (c.body === body) return c;
    const from = c.body;
    c.body = body;
    c.updated_at = this.now(at);
    const i = this.issue(r, c.issue);
    this.emit(r, actor, 'issue_comment', 'edited', {
      changes: { body: { from } },
      issue: this.render.issue(r, i),
      comment: this.render.comment(r, c),
    });
    return c;
  }

  /**
   * "Create reaction for an issue comment": one reaction per user and content; asking again answers 200 with the
   * existing one instead of 201 (https://docs.github.com/en/rest/reactions/reactions#create-reaction-for-an-issue-comment).
   * GitHub sends no webhook for reactions.
   */
  react(r: Repo, actor: string, id: number, content: unknown, at?: string): { reaction: Reaction; created: boolean } {
    const c = this.comment(r, id);
    if (typeof content !== 'string' || !(REACTION_CONTENTS as readonly string[]).includes(content))
      throw new HttpError(422, 'Validation Failed', [{ resource: 'Reaction', field: 'content', code: 'invalid' }]);
    this.state.ensureUser(actor);
    const mine = (c.reactions ??= []).find((x) => x.user === actor && x.content === content);
    if (mine) return { reaction: mine, created: false };
    const reaction: Reaction = {
      id: this.state.nextId(),
      user: actor,
      content: content as ReactionContent,
      created_at: this.now(at),
    };
    c.reactions.push(reaction);
    return { reaction, created: true };
  }

  deleteComment(r: Repo, actor: string, id: number): void {
    const c = this.comment(r, id);
    const rendered = this.render.comment(r, c);
    this.state.comments.delete(c.id);
    const i = this.issue(r, c.issue);
    const idx = i.comments.indexOf(c.id);
    if (idx >= 0) i.comments.splice(idx, 1);
    this.emit(r, actor, 'issue_comment', 'deleted', { issue: this.render.issue(r, i), comment: rendered });
  }

  // --- git: commits, pushes, refs, contents -----------------------------------------------------------------------
  authorOf(login: string, date: string): { login: string; name: string; email: string; date: string } {
    const u = this.state.ensureUser(login);
    return { login: u.login, name: u.name, email: u.email, date };
  }

  /** Commit on a branch and send the `push` GitHub would send. */
  push(
    r: Repo,
    actor: string,
    branch: string,
    files: FileChanges,
    message: string,
    at?: string,
    from?: string,
  ): Commit {
    const when = this.now(at);
    const before = r.branches.get(branch);
    const c = this.state.commit(r, branch, files, message, this.authorOf(actor, when), from);
    r.pushed_at = when;
    this.emitPush(r, actor, branch, before, [c]);
    return c;
  }

  private emitPush(r: Repo, actor: string, branch: string, before: string | undefined, commits: Commit[]): void {
    const head = commits[commits.length - 1];
    if (!head) return; // nothing pushed
    const render = (c: Commit) => ({
      id: c.sha,
      tree_id: c.treeSha,
      distinct: true,
      message: c.message,
      timestamp: c.author.date,
      url: `${this.render.urls.html}/${r.fullName}/commit/${c.sha}`,
      author: this.render.gitUser(c.author.name, c.author.email, c.author.login),
      committer: this.render.gitUser(c.author.name, c.author.email, c.author.login),
      added: c.files.filter((f) => f.status === 'added').map((f) => f.filename),
      removed: c.files.filter((f) => f.status === 'removed').map((f) => f.filename),
      modified: c.files.filter((f) => f.status === 'modified').map((f) => f.filename),
    });
    const pusher = this.state.ensureUser(actor);
    this.emit(r, actor, 'push', undefined, {
      ref: `refs/heads/${branch}`,
      before: before ?? ZERO_SHA,
      after: head.sha,
      created: before === undefined,
      deleted: false,
      forced: false,
      base_ref: null,
      compare: `${this.render.urls.html}/${r.fullName}/compare/${(before ?? ZERO_SHA).slice(0, 12)}...${head.sha.slice(0, 12)}`,
      commits: commits.map(render),
      head_commit: render(head),
      pusher: { name: pusher.login, email: pusher.email },
      // Push payloads carry the legacy repository fields too.
      repository: { ...this.render.repo(r), stargazers: 0, master_branch: r.default_branch },
    });
  }

  /** A fully qualified, new ref on an existing object (https://docs.github.com/en/rest/git/refs#create-a-reference). */
  createRef(r: Repo, ref: string, sha: string): void {
    const m = /^refs\/heads\/(.+)$/.exec(ref ?? '');
    if (!m) throw new HttpError(422, 'Reference name must start with refs/heads/ (the sandbox has branches only)');
    if (r.branches.has(m[1]!)) throw new HttpError(422, 'Reference already exists');
    if (!r.commits.has(sha)) throw new HttpError(422, 'Object does not exist');
    r.branches.set(m[1]!, sha);
  }

  /**
   * PUT contents: create (sha absent) or update (sha = current blob sha) a file with a commit on `branch`; a message is
   * required, and a stale sha is a 409 (https://docs.github.com/en/rest/repos/contents#create-or-update-file-contents).
   */
  putFile(
    r: Repo,
    actor: string,
    p: { path: string; message: string; content: string; branch?: string; sha?: string },
    at?: string,
  ): { created: boolean; commit: Commit } {
    const branch = p.branch ?? r.default_branch;
    const head = this.state.resolveRef(r, branch);
    if (!head) throw new HttpError(404, `Branch ${branch} not found`);
    if (!p.message) throw new HttpError(422, 'Invalid request.\n\n"message" wasn\'t supplied.');
    const current = head.tree.get(p.path);
    if (current && !p.sha) throw new HttpError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
    if (current && p.sha !== current) throw new HttpError(409, `${p.path} does not match ${p.sha}`);
    const text = Buffer.from(p.content ?? '', 'base64').toString('utf8');
    const commit = this.push(r, actor, branch, { [p.path]: text }, p.message, at);
    this.refreshPullsOnBranch(r, branch);
    return { created: !current, commit };
  }

  /** PRs whose head is `branch` follow a new commit (files and commits are recomputed, like GitHub's PR view). */
  private refreshPullsOnBranch(r: Repo, branch: string): void {
    for (const n of r.openPulls) {
      const p = r.issues.get(n)?.pull;
      if (!p || p.headRef !== branch) continue;
      const sha = r.branches.get(branch)!;
      if (p.headSha === sha) continue;
      p.headSha = sha;
      this.recomputePull(r, p);
    }
  }

  private recomputePull(r: Repo, p: Pull): void {
    const base = r.commits.get(p.baseSha);
    const head = r.commits.get(p.headSha);
    p.files = diffTrees(r, base?.tree ?? new Map(), head?.tree ?? new Map());
    const commits: string[] = [];
    for (const c of this.state.history(r, p.headSha)) {
      if (c.sha === p.baseSha) break;
      commits.push(c.sha);
    }
    p.commits = commits.reverse();
  }

  // --- pull requests ----------------------------------------------------------------------------------------------
  openPr(
    r: Repo,
    actor: string,
    p: {
      head: string;
      base?: string;
      title: string;
      body?: string | null;
      files?: FileChanges;
      draft?: boolean;
      message?: string;
      /** The head branch is in this account's fork. */
      fork?: string;
    },
    at?: string,
  ): Issue & { pull: Pull } {
    // Base and head must be branches with commits between them, and one open PR per head and base
    // (https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request).
    checkBody('PullRequest', p.body);
    const base = p.base ?? r.default_branch;
    const baseSha = r.branches.get(base);
    if (!baseSha)
      throw new HttpError(422, 'Validation Failed', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    if (p.files && Object.keys(p.files).length) {
      // Commit the files on the head branch (branched from base) without a push event: a person opening a PR from
      // the web UI after pushing would have produced one, but Baton does not need it and it keeps the log readable.
      const when = this.now(at);
      this.state.commit(r, p.head, p.files, p.message ?? p.title, this.authorOf(actor, when), base);
    }
    const headSha = r.branches.get(p.head);
    if (!headSha)
      throw new HttpError(422, 'Validation Failed', [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    if (headSha === baseSha)
      throw new HttpError(422, 'Validation Failed', [
        { resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${p.head}` },
      ]);
    for (const n of r.openPulls) {
      const i = r.issues.get(n)!;
      if (i.pull && i.pull.headRef === p.head && i.pull.baseRef === base)
        throw new HttpError(422, 'Validation Failed', [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${r.owner}:${p.head}.`,
          },
        ]);
    }
    const when = this.now(at);
    const pull: Pull = {
      number: r.nextNumber,
      id: this.state.nextId(),
      headRef: p.head,
      headSha,
      baseRef: base,
      baseSha: this.mergeBase(r, headSha, baseSha),
      draft: p.draft ?? false,
      merged: false,
      merged_at: null,
      merged_by: null,
      merge_commit_sha: null,
      commits: [],
      files: [],
      reviews: [],
      requestedUsers: new Set(),
      requestedTeams: new Set(),
      ...(p.fork ? { fork: p.fork } : {}),
    };
    this.recomputePull(r, pull);
    this.state.ensureUser(actor);
    const i: Issue & { pull: Pull } = { ...this.newIssue(r, actor, p, when), pull };
    r.issues.set(i.number, i);
    r.openCount++;
    r.openPulls.add(i.number);
    this.emitIssue(r, i, actor, 'opened');
    return i;
  }

  /** The newest commit on base's first-parent line that head's history contains (or base head when unrelated). */
  private mergeBase(r: Repo, headSha: string, baseSha: string): string {
    const onBase = new Set<string>();
    for (const c of this.state.history(r, baseSha)) onBase.add(c.sha);
    for (const c of this.state.history(r, headSha)) if (onBase.has(c.sha)) return c.sha;
    return baseSha;
  }

  readyForReview(r: Repo, actor: string, n: number, at?: string): Issue {
    const i = this.pull(r, n);
    if (!i.pull.draft) return i;
    i.pull.draft = false;
    this.touch(r, i, this.now(at));
    this.emitIssue(r, i, actor, 'ready_for_review');
    return i;
  }

  pushCommits(r: Repo, actor: string, n: number, files: FileChanges, message = 'Update', at?: string): Commit {
    const i = this.pull(r, n);
    if (i.state !== 'open') throw new HttpError(422, `Pull request #${n} is closed`);
    const before = i.pull.headSha;
    const c = this.push(r, actor, i.pull.headRef, files, message, at);
    i.pull.headSha = c.sha;
    this.recomputePull(r, i.pull);
    this.touch(r, i, this.now(at));
    this.emitIssue(r, i, actor, 'synchronize', { before, after: c.sha });
    return c;
  }

  requestReviewers(r: Repo, actor: string, n: number, users: string[] = [], teams: string[] = [], at?: string): Issue {
    const i = this.pull(r, n);
    // The whole request is refused when one reviewer cannot review: the PR author, a user who is not a
    // collaborator, or a team without access to the repository (https://docs.github.com/en/rest/pulls/review-requests).
    for (const u of users) {
      if (u.toLowerCase() === i.user.toLowerCase())
        throw new HttpError(422, 'Review cannot be requested from pull request author.');
      const known = this.state.user(u);
      if (!known || !r.collaborators.has(known.login) || this.state.deletedUsers.has(known.login.toLowerCase()))
        throw new HttpError(
          422,
          'Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ' +
            `${r.fullName} repository.`,
        );
    }
    for (const t of teams) {
      const team = this.state.team(r.owner, t);
      if (!team) throw new HttpError(422, `Could not resolve to a node with the global id of team ${t}`);
      if (!team.repos.has(r.fullName.toLowerCase()))
        throw new HttpError(
          422,
          'Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ' +
            `${r.fullName} repository.`,
        );
    }
    const when = this.now(at);
    for (const u of users) {
      const login = this.state.user(u)!.login;
      if (i.pull.requestedUsers.has(login)) continue;
      i.pull.requestedUsers.add(login);
      this.touch(r, i, when);
      this.emitIssue(r, i, actor, 'review_requested', { requested_reviewer: this.render.user(login) });
    }
    for (const t of teams) {
      const slug = this.state.team(r.owner, t)!.slug;
      if (i.pull.requestedTeams.has(slug)) continue;
      i.pull.requestedTeams.add(slug);
      this.touch(r, i, when);
      this.emitIssue(r, i, actor, 'review_requested', { requested_team: this.render.team(r.owner, slug) });
    }
    return i;
  }

  submitReview(r: Repo, actor: string, n: number, state: Review['state'], body = '', at?: string): Review {
    const i = this.pull(r, n);
    if (actor.toLowerCase() === i.user.toLowerCase() && state !== 'COMMENTED')
      throw new HttpError(
        422,
        `Can not ${state === 'APPROVED' ? 'approve' : 'request changes on'} your own pull request`,
      );
    const when = this.now(at);
    this.state.ensureUser(actor);
    const v: Review = {
      id: this.state.nextId(),
      user: actor,
      state,
      body,
      commit_id: i.pull.headSha,
      submitted_at: when,
    };
    i.pull.reviews.push(v);
    // A review answers the request (GitHub removes the reviewer from requested_reviewers).
    i.pull.requestedUsers.delete(actor);
    this.touch(r, i, when);
    this.emit(r, actor, 'pull_request_review', 'submitted', {
      review: { ...this.render.review(r, i, v), state: state.toLowerCase() },
      pull_request: this.render.pull(r, i),
    });
    return v;
  }

  /** 405 when the PR cannot be merged, 422 when closed (https://docs.github.com/en/rest/pulls/pulls#merge-a-pull-request). */
  merge(r: Repo, actor: string, n: number, at?: string): Issue {
    const i = this.pull(r, n);
    if (i.pull.merged) throw new HttpError(405, 'Pull Request is not mergeable');
    if (i.state !== 'open') throw new HttpError(422, 'Pull Request is closed');
    const when = this.now(at);
    const head = r.commits.get(i.pull.headSha)!;
    const base = r.commits.get(r.branches.get(i.pull.baseRef)!)!;
    // Apply the PR's changes onto the current base as one merge commit.
    const changes: FileChanges = {};
    for (const f of i.pull.files)
      changes[f.filename] = f.status === 'removed' ? null : r.blobs.get(head.tree.get(f.filename)!)!;
    const beforeBase = base.sha;
    const mc = this.state.commit(
      r,
      i.pull.baseRef,
      changes,
      `Merge pull request #${n} from ${r.owner}/${i.pull.headRef}\n\n${i.title}`,
      this.authorOf(actor, when),
    );
    mc.parents.push(head.sha);
    i.pull.merged = true;
    i.pull.merged_at = when;
    i.pull.merged_by = actor;
    i.pull.merge_commit_sha = mc.sha;
    i.state = 'closed';
    i.closed_at = when;
    i.closed_by = actor;
    r.openCount--;
    r.openPulls.delete(i.number);
    r.pushed_at = when;
    this.touch(r, i, when);
    this.emitIssue(r, i, actor, 'closed');
    this.emitPush(r, actor, i.pull.baseRef, beforeBase, [mc]);
    // Merged into the default branch, the PR closes the issues its description names with a closing keyword, as
    // completed and by whoever merged it; each sends its own `issues.closed`, in no set order with the PR's
    // (https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue).
    if (i.pull.baseRef === r.default_branch)
      for (const n of closingRefs(r.fullName, i.body)) {
        const target = r.issues.get(n);
        if (target && !target.pull && target.state === 'open') this.close(r, actor, n, when, 'completed');
      }
    return i;
  }

  // --- checks ---------------------------------------------------------------------------------------------------------
  /**
   * One suite per app per sha, except that GitHub Actions makes one per workflow
   * (https://docs.github.com/en/rest/checks/suites: "GitHub creates a check suite for each workflow").
   */
  private suiteFor(r: Repo, appId: number, sha: string, when: string, workflow?: string): CheckSuite {
    const key = workflow ? `${appId}:${sha}:${workflow}` : `${appId}:${sha}`;
    const hit = r.suiteByAppSha.get(key);
    if (hit) return r.suites.get(hit)!;
    let branch: string | null = null;
    for (const [name, s] of r.branches) if (s === sha) branch = name;
    const s: CheckSuite = {
      id: this.state.nextId(),
      appId,
      head_sha: sha,
      head_branch: branch,
      status: 'queued',
      conclusion: null,
      created_at: when,
      updated_at: when,
      runs: [],
      ...(workflow ? { workflow } : {}),
    };
    r.suites.set(s.id, s);
    r.suiteByAppSha.set(key, s.id);
    return s;
  }

  createCheckRun(
    r: Repo,
    actor: string,
    appId: number,
    p: {
      name: string;
      head_sha: string;
      status?: string;
      conclusion?: string | null;
      external_id?: string;
      details_url?: string;
      started_at?: string;
      completed_at?: string;
      output?: { title?: string; summary?: string; text?: string; annotations?: unknown[] };
    },
    at?: string,
    /** Created with a workflow job's token: the run goes into that workflow run's own suite. */
    workflow?: string,
  ): CheckRun {
    // Name and head_sha are required, on a commit the repository has (https://docs.github.com/en/rest/checks/runs#create-a-check-run).
    if (!p.name || !p.head_sha)
      throw new HttpError(422, 'Validation Failed', [
        { resource: 'CheckRun', field: p.name ? 'head_sha' : 'name', code: 'missing_field' },
      ]);
    if (!r.commits.has(p.head_sha)) throw new HttpError(422, 'No commit found for SHA: ' + p.head_sha);
    checkOutput(p);
    const when = this.now(at);
    const suite = this.suiteFor(r, appId, p.head_sha, when, workflow);
    const completed = p.status === 'completed' || (p.conclusion !== undefined && p.conclusion !== null);
    const c: CheckRun = {
      id: this.state.nextId(),
      name: p.name,
      head_sha: p.head_sha,
      status: completed ? 'completed' : ((p.status as CheckRun['status']) ?? 'queued'),
      conclusion: completed ? (p.conclusion ?? 'neutral') : null,
      started_at: p.started_at ? isoSeconds(p.started_at) : when,
      completed_at: completed ? (p.completed_at ? isoSeconds(p.completed_at) : when) : null,
      external_id: p.external_id ?? null,
      details_url: p.details_url ?? null,
      output: {
        title: p.output?.title ?? null,
        summary: p.output?.summary ?? null,
        text: p.output?.text ?? null,
        annotations_count: p.output?.annotations?.length ?? 0,
      },
      appId,
      suiteId: suite.id,
    };
    r.checkRuns.set(c.id, c);
    const list = r.runsBySha.get(c.head_sha) ?? [];
    list.push(c.id);
    r.runsBySha.set(c.head_sha, list);
    suite.runs.push(c.id);
    this.emit(r, actor, 'check_run', 'created', { check_run: this.render.checkRun(r, c) });
    if (completed) this.completeRunAndSuite(r, actor, c, suite, when, false);
    return c;
  }

  updateCheckRun(
    r: Repo,
    actor: string,
    id: number,
    p: {
      status?: string;
      conclusion?: string;
      completed_at?: string;
      output?: { title?: string; summary?: string; text?: string; annotations?: unknown[] };
    },
    at?: string,
  ): CheckRun {
    const c = r.checkRuns.get(Number(id));
    if (!c) throw new HttpError(404, 'Not Found');
    checkOutput(p);
    const when = this.now(at);
    if (p.output) {
      c.output = {
        title: p.output.title ?? c.output.title,
        summary: p.output.summary ?? c.output.summary,
        text: p.output.text ?? c.output.text,
        annotations_count: c.output.annotations_count + (p.output.annotations?.length ?? 0),
      };
    }
    const completes = c.status !== 'completed' && (p.status === 'completed' || p.conclusion !== undefined);
    if (p.conclusion !== undefined) c.conclusion = p.conclusion;
    if (completes) {
      c.status = 'completed';
      c.conclusion = c.conclusion ?? 'neutral';
      c.completed_at = p.completed_at ? isoSeconds(p.completed_at) : when;
      this.completeRunAndSuite(r, actor, c, r.suites.get(c.suiteId)!, when, true);
    } else if (p.status && p.status !== 'completed') c.status = p.status as CheckRun['status'];
    return c;
  }

  /** check_run.completed, then check_suite.completed once every run of the suite is done (GitHub's order). */
  private completeRunAndSuite(
    r: Repo,
    actor: string,
    c: CheckRun,
    suite: CheckSuite,
    when: string,
    runEvent: boolean,
  ): void {
    if (runEvent) this.emit(r, actor, 'check_run', 'completed', { check_run: this.render.checkRun(r, c) });
    const runs = suite.runs.map((id) => r.checkRuns.get(id)!);
    suite.updated_at = when;
    if (runs.every((x) => x.status === 'completed')) {
      suite.status = 'completed';
      suite.conclusion = suiteConclusion(runs.map((x) => x.conclusion ?? 'neutral'));
      this.emit(r, actor, 'check_suite', 'completed', { check_suite: this.render.checkSuite(r, suite, true) });
    } else suite.status = 'in_progress';
  }

  /** A CI app starting a run on the PR's head (queued, in its workflow's suite): check_run.created. */
  startCheck(r: Repo, ciActor: string, ciAppId: number, n: number, name: string, workflow = '', at?: string): CheckRun {
    const i = this.pull(r, n);
    const when = this.now(at);
    const suite = this.suiteFor(r, ciAppId, i.pull.headSha, when, workflow);
    suite.status = 'in_progress';
    suite.conclusion = null;
    const c = this.addRun(r, suite, ciAppId, name, i.pull.headSha, null, when);
    this.emit(r, ciActor, 'check_run', 'created', { check_run: this.render.checkRun(r, c) });
    return c;
  }

  /** A CI app finishing `name` on the PR's head: check_run.completed, and check_suite.completed once its suite is. */
  completeChecks(
    r: Repo,
    ciActor: string,
    ciAppId: number,
    n: number,
    conclusion: string,
    name: string,
    at?: string,
    workflow = '',
  ): CheckRun {
    const i = this.pull(r, n);
    const when = this.now(at);
    const existing = (r.runsBySha.get(i.pull.headSha) ?? [])
      .map((id) => r.checkRuns.get(id)!)
      .find((c) => c.appId === ciAppId && c.name === name && c.status !== 'completed');
    if (existing) return this.updateCheckRun(r, ciActor, existing.id, { status: 'completed', conclusion }, at);
    const suite = this.suiteFor(r, ciAppId, i.pull.headSha, when, workflow);
    // A re-run on the same sha: the suite is reopened, as on GitHub.
    suite.status = 'in_progress';
    const c = this.addRun(r, suite, ciAppId, name, i.pull.headSha, conclusion, when);
    this.completeRunAndSuite(r, ciActor, c, suite, when, true);
    return c;
  }

  private addRun(
    r: Repo,
    suite: CheckSuite,
    appId: number,
    name: string,
    sha: string,
    conclusion: string | null,
    when: string,
  ): CheckRun {
    const c: CheckRun = {
      id: this.state.nextId(),
      name,
      head_sha: sha,
      status: conclusion === null ? 'queued' : 'completed',
      conclusion,
      started_at: when,
      completed_at: conclusion === null ? null : when,
      external_id: null,
      details_url: null,
      output: { title: conclusion ? `${name}: ${conclusion}` : null, summary: null, text: null, annotations_count: 0 },
      appId,
      suiteId: suite.id,
    };
    r.checkRuns.set(c.id, c);
    const list = r.runsBySha.get(c.head_sha) ?? [];
    list.push(c.id);
    r.runsBySha.set(c.head_sha, list);
    suite.runs.push(c.id);
    return c;
  }

  // --- renames and transfers ------------------------------------------------------------------------------------
  /**
   * Rename (same owner) or transfer (new owner) a repository: `repository.renamed` / `repository.transferred` with
   * what it was called before (https://docs.github.com/en/webhooks/webhook-events-and-payloads#repository).
   */
  moveRepo(r: Repo, actor: string, to: { owner?: string; name?: string }): void {
    const oldOwner = r.owner;
    const oldName = r.name;
    this.state.moveRepo(r, to.owner ?? r.owner, to.name ?? r.name);
    if (r.owner !== oldOwner) {
      const prev = this.state.user(oldOwner);
      const who = prev?.type === 'Organization' ? 'organization' : 'user';
      const rendered = prev?.type === 'Organization' ? this.render.organization(oldOwner) : this.render.user(oldOwner);
      this.emit(r, actor, 'repository', 'transferred', { changes: { owner: { from: { [who]: rendered } } } });
    }
    if (r.name !== oldName)
      this.emit(r, actor, 'repository', 'renamed', { changes: { repository: { name: { from: oldName } } } });
  }

  // --- installations ---------------------------------------------------------------------------------------------
  /**
   * Repositories added to the App's installation (an owner selecting more repositories): installation_repositories
   * with action `added`, sent to the App, and the installation's tokens reach them from then on
   * (https://docs.github.com/en/webhooks/webhook-events-and-payloads#installation_repositories).
   */
  addToInstallation(installationId: number, repos: Repo[], actor: string): void {
    const inst = this.state.installations.get(installationId);
    if (!inst) throw new HttpError(404, 'Not Found');
    const fresh = repos.filter((r) => !inst.repos.has(r.fullName.toLowerCase()));
    for (const r of fresh) inst.repos.add(r.fullName.toLowerCase());
    if (!fresh.length) return;
    this.emitRaw(
      'installation_repositories',
      buildPayload('installation_repositories', 'added', {
        installation: this.render.installation(inst),
        repository_selection: 'selected',
        repositories_added: fresh.map((r) => this.miniRepo(r)),
        repositories_removed: [],
        requester: null,
        sender: this.render.user(actor),
      }),
    );
  }

  /** The short repository object installation payloads list. */
  private miniRepo(r: Repo) {
    return {
      id: r.id,
      node_id: Buffer.from(`Repository:${r.id}`).toString('base64'),
      name: r.name,
      full_name: r.fullName,
      private: r.private,
    };
  }

  /**
   * Repositories removed from the App's installation: installation_repositories.removed, sent to the App
   * (https://docs.github.com/en/webhooks/webhook-events-and-payloads#installation_repositories). From then on the
   * installation's tokens no longer reach them.
   */
  removeFromInstallation(installationId: number, repos: Repo[], actor: string): void {
    const inst = this.state.installations.get(installationId);
    if (!inst) throw new HttpError(404, 'Not Found');
    for (const r of repos) inst.repos.delete(r.fullName.toLowerCase());
    const mini = (r: Repo) => ({
      id: r.id,
      node_id: Buffer.from(`Repository:${r.id}`).toString('base64'),
      name: r.name,
      full_name: r.fullName,
      private: r.private,
    });
    this.emitRaw(
      'installation_repositories',
      buildPayload('installation_repositories', 'removed', {
        installation: this.render.installation(inst),
        repository_selection: 'selected',
        repositories_added: [],
        repositories_removed: repos.map(mini),
        requester: null,
        sender: this.render.user(actor),
      }),
    );
  }

  // --- commit statuses (Jenkins, CircleCI, Buildkite...) ----------------------------------------------------------
  /**
   * POST /repos/{owner}/{repo}/statuses/{sha}: a status per context, newest wins, at most 1000 per sha and context;
   * each one sends a `status` webhook (https://docs.github.com/en/rest/commits/statuses,
   * https://docs.github.com/en/webhooks/webhook-events-and-payloads#status).
   */
  createStatus(
    r: Repo,
    actor: string,
    sha: string,
    p: { state?: string; context?: string; description?: string | null; target_url?: string | null },
    at?: string,
  ): CommitStatus {
    const commit = this.state.resolveRef(r, sha);
    // A state from the list, on a known commit, and at most 1,000 statuses per SHA and context
    // (https://docs.github.com/en/rest/commits/statuses#create-a-commit-status).
    if (!commit) throw new HttpError(422, `No commit found for SHA: ${sha}`);
    if (!['error', 'failure', 'pending', 'success'].includes(String(p.state)))
      throw new HttpError(422, 'Validation Failed', [
        { resource: 'Status', field: 'state', code: 'custom', message: 'state is not included in the list' },
      ]);
    const context = p.context || 'default';
    const list = r.statuses.get(commit.sha) ?? [];
    if (list.filter((x) => x.context === context).length >= 1000)
      throw new HttpError(422, 'Validation Failed', [
        {
          resource: 'Status',
          code: 'custom',
          message: `This SHA and context has reached the maximum number of statuses.`,
        },
      ]);
    const when = this.now(at);
    this.state.ensureUser(actor);
    const st: CommitStatus = {
      id: this.state.nextId(),
      sha: commit.sha,
      state: p.state as CommitStatus['state'],
      context,
      description: p.description ?? null,
      target_url: p.target_url ?? null,
      creator: actor,
      created_at: when,
      updated_at: when,
    };
    list.push(st);
    r.statuses.set(commit.sha, list);
    const branches = [...r.branches]
      .filter(([, s]) => s === commit.sha)
      .map(([name]) => ({
        name,
        commit: { sha: commit.sha, url: `${this.render.urls.api}/repos/${r.fullName}/commits/${commit.sha}` },
        protected: false,
      }));
    this.emit(r, actor, 'status', undefined, {
      id: st.id,
      sha: st.sha,
      name: r.fullName,
      target_url: st.target_url,
      avatar_url: `${this.render.urls.html}/${actor}.png`,
      context: st.context,
      description: st.description,
      state: st.state,
      commit: this.render.commit(r, commit),
      branches,
      created_at: st.created_at,
      updated_at: st.updated_at,
    });
    return st;
  }

  /** The newest status per context (what the combined status and branch protection look at). */
  latestStatuses(r: Repo, sha: string): CommitStatus[] {
    const latest = new Map<string, CommitStatus>();
    for (const st of r.statuses.get(sha) ?? []) latest.set(st.context, st);
    return [...latest.values()].sort((a, b) => b.id - a.id);
  }
}

/** GitHub's suite conclusion: the most severe run conclusion wins. */
function suiteConclusion(cs: string[]): string {
  for (const c of ['action_required', 'cancelled', 'timed_out', 'failure', 'stale', 'startup_failure'])
    if (cs.includes(c)) return c;
  if (cs.includes('success')) return 'success';
  if (cs.includes('neutral')) return 'neutral';
  return cs.includes('skipped') ? 'skipped' : 'success';
}
