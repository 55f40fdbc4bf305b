// The tasks' GitHub in unit-sized tests: the sandbox (real Octokit over HTTP, GitHub's documented behaviour) with one
// repository, acme/app, and the people the task tests talk about. PR files are written as "this many lines added and
// removed" (`change`), and the repository's history as commits by whom and when (`history`), so a test states the
// facts the risk and docs tasks read without building payloads by hand.
import { Octokit } from '@octokit/rest';
import { Sandbox } from '../../src/sandbox/index.js';
import type { CheckRun } from '../../src/sandbox/state.js';
import { GitHubPort } from '../../src/github/port.js';

export const REPO = 'acme/app';
export const BOT = 'baton-test[bot]';
// Octokit logs 304 (ETag hits) as errors; they are the port working as intended.
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
/** Who commits the base version of a file a PR changes (so it has lines to remove); nobody a test asks about. */
const BASE_AUTHOR = 'octo';

/** A file of a PR: `additions` new lines over `deletions` old ones, or the exact text added. */
export interface Change {
  path: string;
  additions: number;
  deletions: number;
  text?: string;
}

export const change = (path: string, additions: number, deletions: number, text?: string): Change => ({
  path,
  additions,
  deletions,
  ...(text !== undefined ? { text } : {}),
});

const lines = (n: number, word: string) =>
  Array.from({ length: n }, (_, i) => `${word} ${i}`).join('\n') + (n ? '\n' : '');

export interface TaskRepo {
  sb: Sandbox;
  port: GitHubPort;
  /** Commits on main without webhooks: `files` changed by `login` on `date`. */
  history(commits: Array<{ login: string; date: string; files: string[]; message?: string }>): void;
  /** Open a PR by `author` whose files differ from main as `changes` say; `message` is its commit's. */
  openPr(p: { author: string; title: string; body?: string; changes: Change[]; message?: string }): {
    number: number;
    headSha: string;
  };
  /** A new commit on the PR: its files now differ from main as `changes` say. Returns the new head sha. */
  push(pr: number, changes: Change[]): string;
  /** Every check run in the repository, oldest first. */
  checks(): CheckRun[];
  /** Requests that changed something (not GET) since the last `resetCounts`. */
  writes(route?: string): number;
  labels(issue: number): string[];
  stop(): Promise<void>;
}

let seq = 0;

export async function taskRepo(o: { now: Date; users?: string[] }): Promise<TaskRepo> {
  const sb = new Sandbox({ secret: 's', appId: 4242, botLogin: BOT, clock: () => o.now });
  sb.addOrg('acme');
  for (const u of [BASE_AUTHOR, ...(o.users ?? [])]) sb.addUser(u);
  sb.addRepo(REPO, {
    defaultBranch: 'main',
    at: '2020-01-01T00:00:00Z',
    by: BASE_AUTHOR,
    files: { 'README.md': '# app\n' },
  });
  for (const u of o.users ?? []) sb.addCollaborator(REPO, u, 'write');
  const url = await sb.start();
  const [owner = '', repo = ''] = REPO.split('/');
  const port = new GitHubPort(new Octokit({ baseUrl: url, auth: sb.tokenFor(BOT), log: quiet }), { owner, repo });

  /** The PR's text of a file: the base's old lines, when it has them, are all replaced. */
  const prText = (c: Change) => c.text ?? lines(c.additions, `new ${c.path}`);
  const ensureBase = (c: Change) => {
    const base = sb.fileText(c.path, 'main', REPO);
    const have = base ? base.replace(/\n$/, '').split('\n').length : 0;
    if (have !== c.deletions)
      sb.commitFiles(
        REPO,
        'main',
        { [c.path]: lines(c.deletions, `old ${c.path}`) || null },
        {
          by: BASE_AUTHOR,
          at: '2020-01-02T00:00:00Z',
          message: `base of ${c.path}`,
        },
      );
  };
  const filesOf = (changes: Change[]) => {
    for (const c of changes) ensureBase(c);
    return Object.fromEntries(changes.map((c) => [c.path, prText(c)]));
  };

  return {
    sb,
    port,
    history(commits) {
      for (const c of commits)
        sb.commitFiles(REPO, 'main', Object.fromEntries(c.files.map((f) => [f, `${f} as of commit ${++seq}\n`])), {
          by: c.login,
          at: c.date,
          message: c.message ?? 'change',
        });
    },
    openPr(p) {
      const pr = sb.openPr({
        repo: REPO,
        head: `feature-${++seq}`,
        title: p.title,
        body: p.body ?? '',
        files: filesOf(p.changes),
        author: p.author,
        ...(p.message ? { message: p.message } : {}),
      });
      return { number: pr.number, headSha: pr.pull.headSha };
    },
    push(pr, changes) {
      return sb.pushCommits(pr, filesOf(changes), { repo: REPO }).sha;
    },
    checks() {
      return [...sb.repo(REPO).checkRuns.values()].sort((a, b) => a.id - b.id);
    },
    writes(route) {
      return Object.entries(sb.requests().byRoute)
        .filter(([k]) => !k.startsWith('GET') && (!route || k === route))
        .reduce((n, [, v]) => n + v, 0);
    },
    labels(issue) {
      return [...sb.issue(issue, REPO).labels];
    },
    stop: () => sb.stop(),
  };
}
