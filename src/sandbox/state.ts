// The sandbox's in-memory GitHub: plain data plus the few pure helpers that keep it consistent (git-style blob and
// commit shas, trees, diffs). No I/O and no webhooks here; `world.ts` mutates this and says what GitHub would send.
import { createHash } from 'node:crypto';

export type Role = 'admin' | 'maintain' | 'write' | 'triage' | 'read';
export type UserType = 'User' | 'Bot' | 'Organization';

export interface User {
  id: number;
  login: string;
  type: UserType;
  name: string;
  email: string;
}

export interface Team {
  id: number;
  org: string;
  slug: string;
  name: string;
  members: Set<string>;
  /** Repositories the team has access to (lower-cased full names): only those can ask it for reviews. */
  repos: Set<string>;
}

export interface Label {
  id: number;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface FileDiff {
  filename: string;
  status: 'added' | 'modified' | 'removed';
  additions: number;
  deletions: number;
  changes: number;
  patch?: string;
  sha: string | null;
}

export interface CommitAuthor {
  login?: string;
  name: string;
  email: string;
  date: string;
}

export interface Commit {
  sha: string;
  message: string;
  author: CommitAuthor;
  parents: string[];
  /** path → blob sha: a full snapshot, so contents at any ref are one lookup. */
  tree: Map<string, string>;
  treeSha: string;
  files: FileDiff[];
}

export interface Review {
  id: number;
  user: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  body: string;
  commit_id: string;
  submitted_at: string;
}

export interface Pull {
  number: number;
  id: number;
  headRef: string;
  headSha: string;
  baseRef: string;
  /** Merge base: the base branch head when the PR was opened (PR files are the diff against it). */
  baseSha: string;
  draft: boolean;
  merged: boolean;
  merged_at: string | null;
  merged_by: string | null;
  merge_commit_sha: string | null;
  commits: string[];
  files: FileDiff[];
  reviews: Review[];
  requestedUsers: Set<string>;
  requestedTeams: Set<string>;
  /** Owner of the fork the head branch lives in (a PR from a fork); undefined for a same-repo branch. */
  fork?: string;
}

export interface Issue {
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: string | null;
  user: string;
  labels: string[];
  assignees: string[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  closed_by: string | null;
  comments: number[];
  pull?: Pull;
  /**
   * The organisation's issue type (Bug, Feature, Task), set by people in the UI; REST issues carry it as `type`
   * (https://docs.github.com/en/issues/tracking-your-work-with-issues/configuring-issues/managing-issue-types-in-an-organization).
   */
  type?: { id: number; name: string };
}

export interface Comment {
  id: number;
  repo: string;
  issue: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
  /** Reactions, one per user and content (https://docs.github.com/en/rest/reactions/reactions). */
  reactions?: Reaction[];
}

/** The reaction contents GitHub accepts (https://docs.github.com/en/rest/reactions/reactions#about-reactions). */
export const REACTION_CONTENTS = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'] as const;
export type ReactionContent = (typeof REACTION_CONTENTS)[number];

export interface Reaction {
  id: number;
  user: string;
  content: ReactionContent;
  created_at: string;
}

export interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  started_at: string;
  completed_at: string | null;
  external_id: string | null;
  details_url: string | null;
  output: { title: string | null; summary: string | null; text: string | null; annotations_count: number };
  appId: number;
  suiteId: number;
}

export interface CheckSuite {
  id: number;
  appId: number;
  head_sha: string;
  head_branch: string | null;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  created_at: string;
  updated_at: string;
  runs: number[];
  /** The workflow run whose job token created it (GitHub Actions gives every workflow run its own suite). */
  workflow?: string;
}

export interface App {
  id: number;
  slug: string;
  name: string;
  owner: string;
}

export interface Installation {
  id: number;
  appId: number;
  account: string;
  repos: Set<string>;
  created_at: string;
}

export interface Repo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  default_branch: string;
  private: boolean;
  description: string | null;
  created_at: string;
  pushed_at: string;
  updated_at: string;
  collaborators: Map<string, Role>;
  /** lower-cased name → label (GitHub label names are case-insensitive). */
  labels: Map<string, Label>;
  issues: Map<number, Issue>;
  /** Kept up to date by world.ts so hot paths (every payload's repository, check payloads) never scan all issues. */
  openCount: number;
  openPulls: Set<number>;
  nextNumber: number;
  branches: Map<string, string>;
  /**
   * Required status checks per branch: from a ruleset's `required_status_checks` rule or from classic branch
   * protection (both are what GitHub enforces before a merge).
   */
  protections?: Map<string, { contexts: string[]; via: 'ruleset' | 'classic'; rulesetId: number }>;
  commits: Map<string, Commit>;
  blobs: Map<string, string>;
  checkRuns: Map<number, CheckRun>;
  runsBySha: Map<string, number[]>;
  suites: Map<number, CheckSuite>;
  suiteByAppSha: Map<string, number>;
  /** Commit statuses by sha, oldest first (the combined status takes the newest per context). */
  statuses: Map<string, CommitStatus[]>;
}

export interface CommitStatus {
  id: number;
  sha: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description: string | null;
  target_url: string | null;
  creator: string;
  created_at: string;
  updated_at: string;
}

export const ZERO_SHA = '0000000000000000000000000000000000000000';

/** GitHub's timestamp format: ISO 8601 without milliseconds. */
export function isoSeconds(d: Date | string): string {
  return new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function blobSha(text: string): string {
  const buf = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}

function sha1(s: string): string {
  return createHash('sha1').update(s).digest('hex');
}

export function repoKey(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}

/** Line diff trimmed to the changed middle (common prefix/suffix kept out): linear, good enough for churn figures. */
export function diffText(
  before: string | undefined,
  after: string | undefined,
): { additions: number; deletions: number; patch: string } {
  const a = before === undefined || before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === undefined || after === '' ? [] : after.replace(/\n$/, '').split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const removed = a.slice(start, endA);
  const added = b.slice(start, endB);
  if (removed.length === 0 && added.length === 0) return { additions: 0, deletions: 0, patch: '' };
  const hunk = `@@ -${removed.length ? start + 1 : start},${removed.length} +${added.length ? start + 1 : start},${added.length} @@`;
  const patch = [hunk, ...removed.map((l) => `-${l}`), ...added.map((l) => `+${l}`)].join('\n');
  return { additions: added.length, deletions: removed.length, patch };
}

/** The file-level difference between two tree snapshots, in path order. */
export function diffTrees(repo: Repo, from: Map<string, string>, to: Map<string, string>): FileDiff[] {
  const paths = new Set<string>([...from.keys(), ...to.keys()]);
  const out: FileDiff[] = [];
  for (const path of [...paths].sort()) {
    const a = from.get(path);
    const b = to.get(path);
    if (a === b) continue;
    const d = diffText(a ? repo.blobs.get(a) : undefined, b ? repo.blobs.get(b) : undefined);
    out.push({
      filename: path,
      status: a === undefined ? 'added' : b === undefined ? 'removed' : 'modified',
      additions: d.additions,
      deletions: d.deletions,
      changes: d.additions + d.deletions,
      patch: d.patch,
      sha: b ?? null,
    });
  }
  return out;
}

export class SandboxState {
  private nextIdValue = 1000;
  readonly users = new Map<string, User>();
  readonly teams = new Map<string, Team>();
  readonly repos = new Map<string, Repo>();
  readonly comments = new Map<number, Comment>();
  readonly apps = new Map<number, App>();
  readonly installations = new Map<number, Installation>();
  /** Deleted accounts (lower-cased): their reviews render with `user: null`, their comments as the ghost user. */
  readonly deletedUsers = new Set<string>();

  /** Deterministic ids: the same sequence of operations gives the same ids, so tests and demos are repeatable. */
  nextId(): number {
    return this.nextIdValue++;
  }

  /** The next id this world hands out: saved, so a later world on the same store never reuses one. */
  get idWatermark(): number {
    return this.nextIdValue;
  }

  /** Continue ids from `n`: GitHub never reuses an id (of a comment, review, check run, …). */
  continueIdsFrom(n: number): void {
    if (n > this.nextIdValue) this.nextIdValue = n;
  }

  user(login: string): User | undefined {
    return this.users.get(login.toLowerCase());
  }

  ensureUser(login: string, type: UserType = 'User', name?: string, email?: string): User {
    const hit = this.user(login);
    if (hit) return hit;
    const u: User = {
      id: this.nextId(),
      login,
      type,
      name: name ?? login,
      email: email ?? `${login.replace(/\[bot\]$/, '')}@users.noreply.sandbox.local`,
    };
    this.users.set(login.toLowerCase(), u);
    return u;
  }

  team(org: string, slug: string): Team | undefined {
    return this.teams.get(`${org}/${slug}`.toLowerCase());
  }

  addTeam(org: string, slug: string, members: string[] = [], name = slug): Team {
    this.ensureUser(org, 'Organization');
    const t: Team = this.team(org, slug) ?? {
      id: this.nextId(),
      org,
      slug,
      name,
      members: new Set(),
      repos: new Set(),
    };
    for (const m of members) {
      this.ensureUser(m);
      t.members.add(m);
    }
    this.teams.set(`${org}/${slug}`.toLowerCase(), t);
    return t;
  }

  repo(owner: string, name: string): Repo | undefined {
    return this.repos.get(repoKey(owner, name));
  }

  /** Former names of renamed or transferred repositories (lower-cased) → the repository now. */
  readonly moved = new Map<string, Repo>();

  /**
   * A renamed or transferred repository keeps its id and everything in it; what knew it by name (installations,
   * team access, comments) follows, and the old name stays an alias until a repository takes it again
   * (https://docs.github.com/en/repositories/creating-and-managing-repositories/renaming-a-repository).
   */
  moveRepo(r: Repo, owner: string, name: string): string {
    const from = r.fullName.toLowerCase();
    const ownerUser = this.ensureUser(owner, this.user(owner)?.type ?? 'Organization');
    this.repos.delete(from);
    r.owner = ownerUser.login;
    r.name = name;
    r.fullName = `${ownerUser.login}/${name}`;
    const to = r.fullName.toLowerCase();
    this.repos.set(to, r);
    this.moved.delete(to);
    this.moved.set(from, r);
    const rekey = (set: Set<string>) => {
      if (set.delete(from)) set.add(to);
    };
    for (const i of this.installations.values()) rekey(i.repos);
    for (const t of this.teams.values()) rekey(t.repos);
    for (const c of this.comments.values()) if (c.repo === from) c.repo = to;
    return from;
  }

  addRepo(
    owner: string,
    name: string,
    opts: { defaultBranch?: string; private?: boolean; description?: string; at: string },
  ): Repo {
    const existing = this.repo(owner, name);
    if (existing) return existing;
    // A new repository under a former name ends that name's redirect.
    this.moved.delete(repoKey(owner, name));
    const ownerUser = this.ensureUser(owner, this.user(owner)?.type ?? 'Organization');
    const r: Repo = {
      id: this.nextId(),
      owner: ownerUser.login,
      name,
      fullName: `${ownerUser.login}/${name}`,
      default_branch: opts.defaultBranch ?? 'main',
      private: opts.private ?? false,
      description: opts.description ?? null,
      created_at: opts.at,
      pushed_at: opts.at,
      updated_at: opts.at,
      collaborators: new Map(),
      labels: new Map(),
      issues: new Map(),
      openCount: 0,
      openPulls: new Set(),
      nextNumber: 1,
      branches: new Map(),
      commits: new Map(),
      blobs: new Map(),
      checkRuns: new Map(),
      runsBySha: new Map(),
      suites: new Map(),
      suiteByAppSha: new Map(),
      statuses: new Map(),
    };
    this.repos.set(repoKey(owner, name), r);
    return r;
  }

  /**
   * Commit `changes` (path → new text, null = delete) on top of `branch` (created from `from` when missing) and move
   * the branch. An empty tree is the parent of the first commit.
   */
  commit(
    repo: Repo,
    branch: string,
    changes: Record<string, string | null>,
    message: string,
    author: CommitAuthor,
    from?: string,
  ): Commit {
    const parentSha = repo.branches.get(branch) ?? (from ? (repo.branches.get(from) ?? from) : undefined);
    const parent = parentSha ? repo.commits.get(parentSha) : undefined;
    const tree = new Map(parent?.tree ?? []);
    for (const [path, text] of Object.entries(changes)) {
      if (text === null) tree.delete(path);
      else {
        const sha = blobSha(text);
        repo.blobs.set(sha, text);
        tree.set(path, sha);
      }
    }
    const treeSha = sha1([...tree].map(([p, s]) => `${p}:${s}`).join('\n'));
    const sha = sha1(`${treeSha}\n${parent?.sha ?? ''}\n${author.email}\n${author.date}\n${message}\n${this.nextId()}`);
    const c: Commit = {
      sha,
      message,
      author,
      parents: parent ? [parent.sha] : [],
      tree,
      treeSha,
      files: diffTrees(repo, parent?.tree ?? new Map(), tree),
    };
    repo.commits.set(sha, c);
    repo.branches.set(branch, sha);
    return c;
  }

  /** A branch name, a full sha or a sha prefix (≥ 7) → commit. */
  resolveRef(repo: Repo, ref: string | undefined): Commit | undefined {
    const name = ref ?? repo.default_branch;
    const branch = repo.branches.get(name.replace(/^refs\/heads\/|^heads\//, ''));
    if (branch) return repo.commits.get(branch);
    const direct = repo.commits.get(name);
    if (direct) return direct;
    if (/^[0-9a-f]{7,39}$/.test(name)) for (const [sha, c] of repo.commits) if (sha.startsWith(name)) return c;
    return undefined;
  }

  /** The commits reachable from `head` along first parents, newest first. */
  *history(repo: Repo, head: string): Generator<Commit> {
    let c = repo.commits.get(head);
    while (c) {
      yield c;
      c = c.parents[0] ? repo.commits.get(c.parents[0]) : undefined;
    }
  }
}
