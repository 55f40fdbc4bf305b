// The GitHub sandbox: an in-memory GitHub behind a real HTTP server (point Octokit/Probot's `baseUrl` at `url`) that
// sends real signed webhooks to `webhookUrl`. With no GitHub credentials, `npm start` runs Baton against it; tests
// and benchmarks reuse it. The user-action methods below are what people and CI do; each sends GitHub's webhooks.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultSpec } from './faults.js';
import { primaryRateLimit, secondaryRateLimit } from './faults.js';
import { APP_MANIFEST } from './app-manifest.js';
import { SandboxHttp, type RequestCounts } from './http-server.js';
import { workflowPermissions } from './permissions.js';
import { Renderer, type Urls } from './render.js';
import type { Comment, Commit, Issue, Pull, Repo, Review, Role, UserType } from './state.js';
import { SandboxState, isoSeconds } from './state.js';
import { WebhookSender, type Delivery, type DeliveryModel } from './webhooks.js';
import { HookDeliveries } from './hook-deliveries.js';
import { SandboxView, VIEW_BASE } from './view.js';
import { World, type FileChanges } from './world.js';

export interface SandboxOptions {
  /** Where deliveries are POSTed (Baton's webhook endpoint); can be changed later (`sandbox.webhookUrl = ...`). */
  webhookUrl?: string;
  /** Webhook secret: deliveries carry X-Hub-Signature-256 = HMAC-SHA256(secret, body). */
  secret: string;
  appId: number;
  /** PEM public key of the App; when set, App JWTs must carry a valid RS256 signature. */
  publicKey?: string;
  /** The App's bot login, e.g. `baton-sandbox[bot]`: the sender of everything the App writes. */
  botLogin: string;
  appSlug?: string;
  /** Send webhooks for the App's own REST writes (GitHub does; default true). */
  emitAppEvents?: boolean;
  /** The events the App subscribes to; app.yml's default_events unless given. */
  events?: readonly string[];
  /** Delay before every API answer. */
  latencyMs?: number;
  /** Source of "now" for timestamps (user actions may pass `at` instead). */
  clock?: () => Date;
  /** Root of html_url fields (default https://github.com). */
  htmlUrl?: string;
  rateLimit?: number;
  newDeliveryId?: () => string;
  /** How many recent delivery payloads to keep for deliveries()/redeliver() (default 2000). */
  retainPayloads?: number;
  /** How long a delivery waits for the answer before it counts as failed (GitHub: 10 s). */
  deliveryTimeoutMs?: number;
  /** Concurrent, out-of-order deliveries as GitHub sends them (default: one at a time, in order). */
  delivery?: DeliveryModel;
}

/** Options every user action takes: who does it, when (ISO, for playing a history), and in which repo. */
export interface ActionOpts {
  by?: string;
  at?: string;
  repo?: string;
}

const CI_APP_ID = 15368; // GitHub Actions' real app id, so CI runs look like they come from another App.

export class Sandbox {
  readonly state = new SandboxState();
  readonly world: World;
  readonly http: SandboxHttp;
  private readonly sender: WebhookSender;
  /** The App webhook's delivery log (what GET /app/hook/deliveries lists): one item per attempt. */
  readonly hookLog: HookDeliveries;
  private readonly urls: Urls;
  private server: Server | undefined;
  /** Repo used when an action names none: the first repo added. */
  defaultRepo: string | undefined;
  /** Person acting when an action names no `by`. */
  defaultActor = 'octocat';

  constructor(readonly opts: SandboxOptions) {
    this.urls = { api: 'http://127.0.0.1', html: opts.htmlUrl ?? 'https://github.com' };
    const renderer = new Renderer(this.state, this.urls, opts.appId);
    this.hookLog = new HookDeliveries(opts.clock ?? (() => new Date()));
    this.sender = new WebhookSender({
      log: this.hookLog,
      clock: opts.clock,
      timeoutMs: opts.deliveryTimeoutMs,
      webhookUrl: opts.webhookUrl,
      secret: opts.secret,
      appId: opts.appId,
      newId: opts.newDeliveryId,
      retainPayloads: opts.retainPayloads,
      ...(opts.delivery ? { delivery: opts.delivery } : {}),
    });
    this.world = new World(this.state, renderer, (event, payload) => this.sender.send(event, payload), {
      appId: opts.appId,
      botLogin: opts.botLogin,
      emitAppEvents: opts.emitAppEvents ?? true,
      events: opts.events ?? APP_MANIFEST.events,
      clock: opts.clock ?? (() => new Date()),
    });
    this.http = new SandboxHttp(this.world, {
      appId: opts.appId,
      botLogin: opts.botLogin,
      publicKey: opts.publicKey,
      latencyMs: opts.latencyMs ?? 0,
      rateLimit: opts.rateLimit ?? 5000,
      hooks: { log: this.hookLog, redeliver: (guid) => void this.sender.redeliver(guid).catch(() => undefined) },
    });
    const slug = opts.appSlug ?? opts.botLogin.replace(/\[bot\]$/, '');
    this.state.apps.set(opts.appId, { id: opts.appId, slug, name: slug, owner: 'github' });
    this.state.apps.set(CI_APP_ID, { id: CI_APP_ID, slug: 'github-actions', name: 'GitHub Actions', owner: 'github' });
    this.state.ensureUser(opts.botLogin, 'Bot');
    this.state.ensureUser('github-actions[bot]', 'Bot');
    this.state.ensureUser(this.defaultActor);
  }

  // --- server lifecycle ---------------------------------------------------------------------------------------
  /** Listen (port 0 = any free port) and return the base URL to give Octokit/Probot as `baseUrl`. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.server) return this.url;
    // The read-only web view (/view) answers beside the REST API, as github.com beside api.github.com.
    const view = new SandboxView(this.state, this.urls.html);
    const server = createServer({ keepAlive: true }, (req, res) => {
      if (!view.handle(req, res)) this.http.handle(req, res);
    });
    // Node closes an idle keep-alive socket after 5 s; a client that reuses it at that moment (a busy event loop is
    // late to see the close) gets ECONNRESET on a request the server never read. api.github.com keeps idle
    // connections far longer, so the sandbox does too, and stop() still closes every socket at once.
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const addr = server.address() as AddressInfo;
    this.urls.api = `http://${host}:${addr.port}`;
    return this.url;
  }

  /** The web view's address: the sandbox's repositories, issues and PRs as their people see them. */
  get viewUrl(): string {
    return `${this.url}${VIEW_BASE}`;
  }

  get url(): string {
    if (!this.server) throw new Error('sandbox: call `await sandbox.start()` before reading its url');
    return this.urls.api;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  // --- accounting, latency, faults -----------------------------------------------------------------------------
  requests(): RequestCounts {
    return this.http.requests();
  }

  resetCounts(): void {
    this.http.resetCounts();
  }

  get latencyMs(): number {
    return this.http.opts.latencyMs;
  }

  set latencyMs(ms: number) {
    this.http.opts.latencyMs = ms;
  }

  /** The next `times` requests matching `route`/`method` get this answer instead (500, 502, 403, 429, ...). */
  fail(spec: FaultSpec): void {
    this.http.faults.add(spec);
  }

  failSecondaryRateLimit(opts: Parameters<typeof secondaryRateLimit>[0] = {}): void {
    this.fail(secondaryRateLimit(opts));
  }

  failRateLimit(opts: Parameters<typeof primaryRateLimit>[0] = {}): void {
    this.fail(primaryRateLimit(opts));
  }

  /** Faults not yet consumed. */
  pendingFaults(): number {
    return this.http.faults.pending();
  }

  /** A token that acts as this person on the REST API (instead of the App's bot). */
  tokenFor(login: string): string {
    return this.http.tokenFor(login);
  }

  /**
   * A workflow job's GITHUB_TOKEN for `repo`: acts as github-actions[bot] for the GitHub Actions App, with the
   * permissions of the workflow's `permissions:` block (unlisted ones are none; `read-all` for a fork's pull request).
   * https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/controlling-permissions-for-github_token
   */
  workflowToken(
    repo: string,
    permissions: Record<string, string> | 'read-all' | 'write-all',
    workflow = 'Baton',
  ): string {
    return this.http.scopedToken('github-actions[bot]', CI_APP_ID, [repo], workflowPermissions(permissions), workflow);
  }

  /** An installation token of the App (the first installation unless one is named), as Probot would mint it. */
  installationToken(installationId?: number): string {
    const id = installationId ?? [...this.state.installations.values()].find((i) => i.appId === this.opts.appId)?.id;
    if (id === undefined) throw new Error('sandbox: install the App first (sandbox.install([...]) or seedDemo)');
    return this.http.mintToken(id).token;
  }

  /** Installation tokens expire (hourly on GitHub): every token minted so far is answered 401 from now on. */
  expireInstallationTokens(): number {
    return this.http.expireInstallationTokens();
  }

  // --- webhooks ----------------------------------------------------------------------------------------------
  get webhookUrl(): string | undefined {
    return this.sender.webhookUrl;
  }

  set webhookUrl(url: string | undefined) {
    this.sender.webhookUrl = url;
  }

  deliveries(): Delivery[] {
    return this.sender.deliveries();
  }

  /**
   * Stop GitHub from sending matching events at all (no attempt, no item in the delivery log), as with a payload over
   * the 25 MB cap or an incident on GitHub's side; `undefined` sends everything again. Returns how many were dropped.
   */
  dropDeliveries(match: ((event: string, payload: Record<string, unknown>) => boolean) | undefined): number {
    this.sender.drop = match;
    return this.sender.dropped;
  }

  redeliver(id: string): Promise<Delivery> {
    return this.sender.redeliver(id);
  }

  /** Resolves when every delivery sent so far was answered. */
  settled(): Promise<void> {
    return this.sender.settled();
  }

  // --- setup (no webhooks: the world as it was before Baton was installed) -----------------------------------------
  addUser(login: string, p: { name?: string; email?: string; type?: UserType } = {}): void {
    this.state.ensureUser(login, p.type ?? 'User', p.name, p.email);
  }

  addOrg(login: string): void {
    this.state.ensureUser(login, 'Organization');
  }

  addTeam(org: string, slug: string, members: string[], name?: string): void {
    this.state.addTeam(org, slug, members, name);
  }

  /** Give a team access to a repository (only then can it be asked for reviews there). */
  grantTeam(fullName: string, teamSlug: string): void {
    const r = this.repoOf(fullName);
    const t = this.state.team(r.owner, teamSlug.split('/').pop()!);
    if (!t) throw new Error(`sandbox: unknown team ${teamSlug}; add it with addTeam first`);
    t.repos.add(r.fullName.toLowerCase());
  }

  /** The account is deleted: its reviews show `user: null`, its comments the ghost user; it can no longer be assigned. */
  deleteUser(login: string): void {
    this.state.deletedUsers.add(login.toLowerCase());
  }

  /** Create `owner/name`; `files` become the first commit on the default branch. */
  addRepo(
    fullName: string,
    p: {
      defaultBranch?: string;
      private?: boolean;
      description?: string;
      files?: Record<string, string>;
      at?: string;
      by?: string;
    } = {},
  ): Repo {
    const [owner, name] = splitRepo(fullName);
    const at = this.world.now(p.at);
    const r = this.state.addRepo(owner, name, {
      defaultBranch: p.defaultBranch,
      private: p.private,
      description: p.description,
      at,
    });
    if (p.files && !r.branches.has(r.default_branch))
      this.commitFiles(fullName, r.default_branch, p.files, { at: p.at, by: p.by, message: 'Initial commit' });
    this.defaultRepo ??= r.fullName;
    return r;
  }

  addCollaborator(fullName: string, login: string, role: Role): void {
    const r = this.repoOf(fullName);
    const u = this.state.ensureUser(login);
    r.collaborators.set(u.login, role);
  }

  addLabel(fullName: string, name: string, color = 'ededed', description: string | null = null): void {
    const r = this.repoOf(fullName);
    if (!r.labels.has(name.toLowerCase()))
      r.labels.set(name.toLowerCase(), { id: this.state.nextId(), name, color, description, default: false });
  }

  /** Install the App on these repos (of one account); returns the installation id. */
  install(repos: string[], account?: string): number {
    const acct = account ?? (repos[0] !== undefined ? splitRepo(repos[0])[0] : undefined);
    if (acct === undefined) throw new Error('sandbox install: name at least one repository or the account');
    const existing = [...this.state.installations.values()].find(
      (i) => i.appId === this.opts.appId && i.account.toLowerCase() === acct.toLowerCase(),
    );
    const inst = existing ?? {
      id: this.state.nextId(),
      appId: this.opts.appId,
      account: acct,
      repos: new Set<string>(),
      created_at: this.world.now(),
    };
    for (const r of repos) inst.repos.add(this.repoOf(r).fullName.toLowerCase());
    this.state.installations.set(inst.id, inst);
    return inst.id;
  }

  /** Add repos (of the account) to the App's installation (installation_repositories.added is sent). */
  addToInstallation(repos: string[], o: { by?: string } = {}): void {
    const rs = repos.map((r) => this.repoOf(r));
    const acct = rs[0]?.fullName.split('/')[0]?.toLowerCase();
    const inst = [...this.state.installations.values()].find(
      (i) => i.appId === this.opts.appId && i.account.toLowerCase() === acct,
    );
    if (!inst) throw new Error(`sandbox: the App is not installed on ${acct}`);
    this.world.addToInstallation(inst.id, rs, o.by ?? this.defaultActor);
  }

  /** Remove repos from the App's installation (installation_repositories.removed is sent). */
  uninstallFrom(repos: string[], o: { by?: string } = {}): void {
    const rs = repos.map((r) => this.repoOf(r));
    const inst = [...this.state.installations.values()].find(
      (i) => i.appId === this.opts.appId && rs.every((r) => i.repos.has(r.fullName.toLowerCase())),
    );
    if (!inst) throw new Error(`sandbox: ${repos.join(', ')} is not in one installation of the App`);
    this.world.removeFromInstallation(inst.id, rs, o.by ?? this.defaultActor);
  }

  /**
   * A commit pushed to a branch as a person would (git push): GitHub sends `push`
   * (https://docs.github.com/en/webhooks/webhook-events-and-payloads#push).
   */
  pushFiles(
    fullName: string,
    branch: string,
    files: FileChanges,
    p: { by?: string; at?: string; message?: string } = {},
  ): Commit {
    return this.world.push(
      this.repoOf(fullName),
      p.by ?? this.defaultActor,
      branch,
      files,
      p.message ?? 'Update files',
      p.at,
    );
  }

  /** A commit without webhooks (history that predates the demo). */
  commitFiles(
    fullName: string,
    branch: string,
    files: FileChanges,
    p: { by?: string; at?: string; message?: string; from?: string } = {},
  ): Commit {
    const r = this.repoOf(fullName);
    const at = this.world.now(p.at);
    return this.state.commit(
      r,
      branch,
      files,
      p.message ?? 'Update files',
      this.world.authorOf(p.by ?? this.defaultActor, at),
      p.from,
    );
  }

  // --- reading state (for tests and the demo) -----------------------------------------------------------------------
  repo(fullName?: string): Repo {
    return this.repoOf(fullName);
  }

  issue(number: number, fullName?: string): Issue {
    return this.world.issue(this.repoOf(fullName), number);
  }

  comments(number: number, fullName?: string): Comment[] {
    return this.issue(number, fullName).comments.map((id) => this.state.comments.get(id)!);
  }

  fileText(path: string, ref?: string, fullName?: string): string | undefined {
    const r = this.repoOf(fullName);
    const sha = this.state.resolveRef(r, ref)?.tree.get(path);
    return sha ? r.blobs.get(sha) : undefined;
  }

  // --- user actions (each sends the webhooks GitHub would) ---------------------------------------------------------
  createIssue(
    p: {
      title: string;
      body?: string;
      labels?: string[];
      assignees?: string[];
      author?: string;
      /** The org's issue type name (Bug, Feature, Task). */
      type?: string;
    } & ActionOpts,
  ): Issue {
    return this.world.createIssue(this.repoOf(p.repo), p.author ?? p.by ?? this.defaultActor, p, p.at);
  }

  labelIssue(issue: number, label: string, o: ActionOpts = {}): Issue {
    return this.world.addLabels(this.repoOf(o.repo), this.actor(o), issue, [label], o.at);
  }

  unlabelIssue(issue: number, label: string, o: ActionOpts = {}): Issue {
    return this.world.removeLabel(this.repoOf(o.repo), this.actor(o), issue, label, o.at);
  }

  assign(issue: number, logins: string[], o: ActionOpts = {}): Issue {
    return this.world.addAssignees(this.repoOf(o.repo), this.actor(o), issue, logins, o.at);
  }

  unassign(issue: number, logins: string[], o: ActionOpts = {}): Issue {
    return this.world.removeAssignees(this.repoOf(o.repo), this.actor(o), issue, logins, o.at);
  }

  closeIssue(issue: number, o: ActionOpts & { reason?: 'completed' | 'not_planned' } = {}): Issue {
    return this.world.close(this.repoOf(o.repo), this.actor(o), issue, o.at, o.reason);
  }

  reopenIssue(issue: number, o: ActionOpts = {}): Issue {
    return this.world.reopen(this.repoOf(o.repo), this.actor(o), issue, o.at);
  }

  editIssue(issue: number, p: { title?: string; body?: string }, o: ActionOpts = {}): Issue {
    return this.world.updateIssue(this.repoOf(o.repo), this.actor(o), issue, p, o.at);
  }

  comment(issue: number, body: string, o: ActionOpts = {}): Comment {
    return this.world.createComment(this.repoOf(o.repo), this.actor(o), issue, body, o.at);
  }

  editComment(id: number, body: string, o: ActionOpts = {}): Comment {
    return this.world.updateComment(this.repoOf(o.repo), this.actor(o), id, body, o.at);
  }

  deleteComment(id: number, o: ActionOpts = {}): void {
    this.world.deleteComment(this.repoOf(o.repo), this.actor(o), id);
  }

  /**
   * Require status checks (check run names or status contexts) on `branch`, through a ruleset (default) or classic
   * branch protection (https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/managing-protected-branches/about-protected-branches#require-status-checks-before-merging).
   */
  requireChecks(branch: string, contexts: string[], o: { repo?: string; via?: 'ruleset' | 'classic' } = {}): void {
    const r = this.repoOf(o.repo);
    r.protections ??= new Map();
    r.protections.set(branch, { contexts, via: o.via ?? 'ruleset', rulesetId: this.state.nextId() });
  }

  /** Rename a repository (`newName` without the owner); GitHub sends `repository.renamed`. */
  renameRepo(fullName: string, newName: string, o: Omit<ActionOpts, 'repo'> = {}): void {
    const r = this.repoOf(fullName);
    const was = r.fullName;
    this.world.moveRepo(r, this.actor(o), { name: newName });
    if (this.defaultRepo?.toLowerCase() === was.toLowerCase()) this.defaultRepo = r.fullName;
  }

  /** Transfer a repository to another owner; GitHub sends `repository.transferred`. */
  transferRepo(fullName: string, newOwner: string, o: Omit<ActionOpts, 'repo'> = {}): void {
    const r = this.repoOf(fullName);
    const was = r.fullName;
    this.world.moveRepo(r, this.actor(o), { owner: newOwner });
    if (this.defaultRepo?.toLowerCase() === was.toLowerCase()) this.defaultRepo = r.fullName;
  }

  deleteLabel(name: string, o: ActionOpts = {}): void {
    this.world.deleteLabel(this.repoOf(o.repo), this.actor(o), name);
  }

  /** Open a PR; `files` (path → text, null deletes) are committed on `head` (branched from `base`) first. */
  openPr(
    p: {
      head: string;
      base?: string;
      title: string;
      body?: string;
      files?: FileChanges;
      draft?: boolean;
      author?: string;
      /** The message of the commit that carries `files` (default: the title). */
      message?: string;
      /** Open it from a fork owned by this account (check payloads then have empty `pull_requests`). */
      fork?: string;
    } & ActionOpts,
  ): Issue & { pull: Pull } {
    return this.world.openPr(this.repoOf(p.repo), p.author ?? p.by ?? this.defaultActor, p, p.at);
  }

  readyForReview(pr: number, o: ActionOpts = {}): Issue {
    return this.world.readyForReview(this.repoOf(o.repo), this.actor(o, this.prAuthor(pr, o)), pr, o.at);
  }

  /** A new commit on the PR's head: `push` then `pull_request.synchronize` with the new head sha. */
  pushCommits(pr: number, files: FileChanges, o: ActionOpts & { message?: string } = {}): Commit {
    return this.world.pushCommits(this.repoOf(o.repo), this.actor(o, this.prAuthor(pr, o)), pr, files, o.message, o.at);
  }

  requestReviewers(pr: number, users: string[], teams: string[] = [], o: ActionOpts = {}): Issue {
    return this.world.requestReviewers(
      this.repoOf(o.repo),
      this.actor(o, this.prAuthor(pr, o)),
      pr,
      users,
      teams,
      o.at,
    );
  }

  submitReview(
    pr: number,
    reviewer: string,
    state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED',
    body = '',
    o: Omit<ActionOpts, 'by'> = {},
  ): Review {
    return this.world.submitReview(this.repoOf(o.repo), reviewer, pr, state, body, o.at);
  }

  /**
   * CI (GitHub Actions) finishes `name` on the PR's head: check_run.completed, then check_suite.completed when every
   * run of its suite is done. `workflow` names the workflow: each workflow is its own check suite.
   */
  completeChecks(
    pr: number,
    conclusion: 'success' | 'failure' | 'neutral' | 'cancelled' | 'timed_out' | 'action_required' | 'skipped',
    name = 'ci',
    o: Omit<ActionOpts, 'by'> & { workflow?: string } = {},
  ) {
    return this.world.completeChecks(
      this.repoOf(o.repo),
      'github-actions[bot]',
      CI_APP_ID,
      pr,
      conclusion,
      name,
      o.at,
      o.workflow,
    );
  }

  /** CI starts `name` (queued) on the PR's head, in the suite of `workflow` (default: its own). */
  startCheck(pr: number, name: string, o: Omit<ActionOpts, 'by'> & { workflow?: string } = {}) {
    return this.world.startCheck(this.repoOf(o.repo), 'github-actions[bot]', CI_APP_ID, pr, name, o.workflow, o.at);
  }

  /** A CI system that reports commit statuses (Jenkins, CircleCI...) sets `context` on the PR's head sha. */
  setStatus(
    pr: number,
    state: 'error' | 'failure' | 'pending' | 'success',
    context = 'ci/jenkins',
    o: ActionOpts & { description?: string; target_url?: string } = {},
  ) {
    const r = this.repoOf(o.repo);
    const sha = this.world.pull(r, pr).pull.headSha;
    return this.world.createStatus(
      r,
      o.by ?? 'jenkins',
      sha,
      { state, context, description: o.description ?? null, target_url: o.target_url ?? null },
      o.at,
    );
  }

  mergePr(pr: number, o: ActionOpts = {}): Issue {
    return this.world.merge(this.repoOf(o.repo), this.actor(o), pr, o.at);
  }

  closePr(pr: number, o: ActionOpts = {}): Issue {
    this.world.pull(this.repoOf(o.repo), pr);
    return this.world.close(this.repoOf(o.repo), this.actor(o), pr, o.at);
  }

  /** Commit one file on a branch (push event); open PRs on that branch follow. */
  pushFile(
    fullName: string,
    branch: string,
    path: string,
    text: string,
    o: Omit<ActionOpts, 'repo'> & { message?: string } = {},
  ): Commit {
    const r = this.repoOf(fullName);
    const sha = this.state.resolveRef(r, branch)?.tree.get(path);
    const { commit } = this.world.putFile(
      r,
      this.actor(o),
      { path, branch, message: o.message ?? `Update ${path}`, content: Buffer.from(text).toString('base64'), sha },
      o.at,
    );
    return commit;
  }

  // --- helpers ---------------------------------------------------------------------------------------------------
  private actor(o: ActionOpts, fallback?: string): string {
    const login = o.by ?? fallback ?? this.defaultActor;
    this.state.ensureUser(login);
    return login;
  }

  private prAuthor(pr: number, o: ActionOpts): string {
    return this.world.pull(this.repoOf(o.repo), pr).user;
  }

  private repoOf(fullName?: string): Repo {
    const name = fullName ?? this.defaultRepo;
    if (!name) throw new Error('sandbox: no repository yet; call addRepo("owner/name") (or seedDemo) first');
    const [owner, repo] = splitRepo(name);
    // A former name still reaches the repository, as GitHub's redirects do.
    const r = this.state.repo(owner, repo) ?? this.state.moved.get(`${owner}/${repo}`.toLowerCase());
    if (!r)
      throw new Error(
        `sandbox: unknown repository ${name}; known: ${[...this.state.repos.values()].map((x) => x.fullName).join(', ') || 'none'}`,
      );
    return r;
  }
}

function splitRepo(fullName: string): [string, string] {
  const [owner, name] = fullName.split('/');
  if (!owner || !name) throw new Error(`sandbox: repository must be "owner/name", got "${fullName}"`);
  return [owner, name];
}

export { isoSeconds };
