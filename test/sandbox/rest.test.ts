// The sandbox's REST API through the real @octokit/rest client and Baton's own GitHubPort.
import { Octokit } from '@octokit/rest';
import { GitHubPort } from '../../src/github/port.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { seeded } from './helpers.js';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
let sb: Sandbox;
let octokit: Octokit;
let port: GitHubPort;
const repo = { owner: 'acme', repo: 'web' };

beforeAll(async () => {
  sb = await seeded({ emitAppEvents: false });
  octokit = new Octokit({ baseUrl: sb.url, auth: sb.installationToken(), log: quiet });
  port = new GitHubPort(octokit, repo);
});
afterAll(() => sb.stop());
beforeEach(() => sb.resetCounts());

const status = async (p: Promise<unknown>): Promise<number> => {
  try {
    await p;
    return 200;
  } catch (err) {
    return (err as { status: number }).status;
  }
};

describe('repository, contents, refs, commits', () => {
  test('repo and file contents at refs', async () => {
    expect(await port.getRepo()).toMatchObject({ default_branch: 'main', full_name: 'acme/web', private: false });
    const flow = await port.getFile('.github/flow.yml');
    expect(flow?.text).toBe('version: 1\nstages: []\n');
    expect(flow?.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await port.getFile('nope.txt')).toBeUndefined();
    const dir = await octokit.rest.repos.getContent({ ...repo, path: 'src' });
    expect((dir.data as { name: string; type: string }[]).map((d) => `${d.type}:${d.name}`)).toEqual([
      'dir:auth',
      'file:cart.ts',
    ]);
  });

  test('branch, put file (create 201 / update 200 / missing sha 422 / stale sha 409), history by path', async () => {
    const main = await port.getRefSha('heads/main');
    expect(main).toMatch(/^[0-9a-f]{40}$/);
    expect(await port.getRefSha('heads/nope')).toBeUndefined();
    await port.createRef('refs/heads/docs-1', main!);
    expect(await status(port.createRef('refs/heads/docs-1', main!))).toBe(422);
    const created = await octokit.rest.repos.createOrUpdateFileContents({
      ...repo,
      path: 'docs/new.md',
      message: 'm',
      content: Buffer.from('one\n').toString('base64'),
      branch: 'docs-1',
    });
    expect(created.status).toBe(201);
    expect(await status(port.putFile({ path: 'docs/new.md', message: 'm', text: 'two\n', branch: 'docs-1' }))).toBe(
      422,
    );
    expect(
      await status(
        port.putFile({ path: 'docs/new.md', message: 'm', text: 'two\n', branch: 'docs-1', sha: 'f'.repeat(40) }),
      ),
    ).toBe(409);
    await port.putFile({
      path: 'docs/new.md',
      message: 'm',
      text: 'two\n',
      branch: 'docs-1',
      sha: created.data.content!.sha,
    });
    expect((await port.getFile('docs/new.md', 'docs-1'))?.text).toBe('two\n');
    expect(await port.getFile('docs/new.md', 'main')).toBeUndefined();
    const history = await port.listCommits({ path: 'src/auth/session.ts' });
    expect(history.map((c) => c.author?.login)).toEqual(['bob', 'carol']);
    expect(history[0]?.commit.author?.date).toBe('2025-01-10T09:00:00Z');
    expect((await port.listCommits({ author: 'dave' })).map((c) => c.commit.message)).toEqual(['Docs: cart']);
  });
});

describe('issues, labels, assignees, comments', () => {
  test('create, label (idempotent add, 404 remove), assign (non-collaborators dropped), list by label', async () => {
    const issue = await port.createIssue('Checkout is slow', 'body', ['bug']);
    expect(issue).toMatchObject({
      title: 'Checkout is slow',
      state: 'open',
      labels: ['bug'],
      user: { login: 'baton-test[bot]' },
    });
    await port.addLabels(issue.number, ['flow:ready', 'bug']);
    expect((await port.getIssue(issue.number)).labels).toEqual(['bug', 'flow:ready']);
    const del = await octokit.rest.issues.removeLabel({ ...repo, issue_number: issue.number, name: 'bug' });
    expect(del.data.map((l) => l.name)).toEqual(['flow:ready']);
    expect(await status(octokit.rest.issues.removeLabel({ ...repo, issue_number: issue.number, name: 'bug' }))).toBe(
      404,
    );
    await port.removeLabel(issue.number, 'bug'); // the port treats 404 as done
    await port.ensureLabel('flow:ready', 'ededed', 'd');
    expect(await status(octokit.rest.issues.createLabel({ ...repo, name: 'flow:ready' }))).toBe(422);
    expect(await status(octokit.rest.issues.createLabel({ ...repo, name: 'flow:new', color: '00ff00' }))).toBe(200);
    await port.addAssignees(issue.number, ['bob', 'stranger-x']);
    expect((await port.getIssue(issue.number)).assignees).toEqual(['bob']);
    await port.removeAssignees(issue.number, ['bob']);
    expect((await port.getIssue(issue.number)).assignees).toEqual([]);
    const listed = await port.listIssues({ labels: 'flow:ready', state: 'open' });
    expect(listed.map((i) => i.number)).toEqual([issue.number]);
    expect(await status(port.getIssue(99999))).toBe(404);
  });

  test('comments: create 201, get, update, deleted → undefined; delete answers 204', async () => {
    const issue = sb.createIssue({ title: 'c', by: 'alice' });
    const c = await port.createComment(issue.number, 'card v1');
    expect(c.user).toMatchObject({ login: 'baton-test[bot]', type: 'Bot' });
    expect((await port.updateComment(c.id, 'card v2'))?.body).toBe('card v2');
    expect((await port.getComment(c.id))?.body).toBe('card v2');
    expect((await port.listComments(issue.number)).map((x) => x.body)).toEqual(['card v2']);
    const res = await octokit.rest.issues.deleteComment({ ...repo, comment_id: c.id });
    expect(res.status).toBe(204);
    expect(await port.getComment(c.id)).toBeUndefined();
    expect(await port.updateComment(c.id, 'x')).toBeUndefined();
  });

  test('pagination: per_page/page with a Link header; octokit.paginate walks it', async () => {
    const issue = sb.createIssue({ title: 'many comments' });
    for (let k = 0; k < 7; k++) sb.comment(issue.number, `c${k}`, { by: 'bob' });
    const page1 = await octokit.rest.issues.listComments({ ...repo, issue_number: issue.number, per_page: 3 });
    expect(page1.data.map((c) => c.body)).toEqual(['c0', 'c1', 'c2']);
    expect(page1.headers.link).toContain('rel="next"');
    expect(page1.headers.link).toMatch(/page=3[^>]*>; rel="last"/);
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      ...repo,
      issue_number: issue.number,
      per_page: 3,
    });
    expect(all.map((c) => c.body)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    expect(sb.requests().byRoute['GET /repos/{owner}/{repo}/issues/{issue_number}/comments']).toBe(4);
  });
});

describe('pull requests, reviews, checks, people', () => {
  test('files, commits, reviews, requested reviewers, check runs', async () => {
    const pr = sb.openPr({
      head: 'feat/cart',
      title: 'Cart tax',
      body: 'Fixes #1',
      author: 'bob',
      files: { 'src/cart.ts': 'export const tax = 0.2;\n', 'src/new.ts': 'a\nb\n' },
    });
    const pull = await port.getPull(pr.number);
    expect(pull).toMatchObject({
      number: pr.number,
      draft: false,
      merged: false,
      head: { ref: 'feat/cart' },
      base: { ref: 'main' },
      changed_files: 2,
      additions: 3,
    });
    const files = await port.listPullFiles(pr.number);
    expect(files.map((f) => [f.filename, f.status, f.additions, f.deletions])).toEqual([
      ['src/cart.ts', 'modified', 1, 3],
      ['src/new.ts', 'added', 2, 0],
    ]);
    expect(files[1]?.patch).toBe('@@ -0,0 +1,2 @@\n+a\n+b');
    await port.requestReviewers(pr.number, ['carol'], ['seniors']);
    expect(await port.listRequestedReviewers(pr.number)).toEqual({ users: ['carol'], teams: ['seniors'] });
    expect(await status(port.requestReviewers(pr.number, ['bob'], []))).toBe(422); // the author
    sb.submitReview(pr.number, 'carol', 'APPROVED', 'ok');
    expect((await port.listReviews(pr.number)).map((r) => [r.user.login, r.state])).toEqual([['carol', 'APPROVED']]);
    expect((await port.listRequestedReviewers(pr.number)).users).toEqual([]);
    sb.pushCommits(pr.number, { 'src/new.ts': 'a\nb\nc\n' });
    const commits = await port.listPullCommits(pr.number);
    expect(commits).toHaveLength(2);
    const head = (await port.getPull(pr.number)).head.sha;
    expect(commits[1]?.sha).toBe(head);
    const run = await port.createCheckRun({
      name: 'baton/risk',
      head_sha: head,
      conclusion: 'neutral',
      title: 't',
      summary: 's',
    });
    await port.updateCheckRun(run.id, { conclusion: 'failure', title: 't2', summary: 's2' });
    expect(await port.listCheckRuns(head, 'baton/risk')).toEqual([
      expect.objectContaining({ id: run.id, conclusion: 'failure', status: 'completed' }),
    ]);
    sb.completeChecks(pr.number, 'success', 'ci');
    expect((await port.listCheckRuns(head)).map((c) => c.name).sort()).toEqual(['baton/risk', 'ci']);
    expect((await port.listPulls({ head: 'acme:feat/cart' })).map((p) => p.number)).toEqual([pr.number]);
    sb.mergePr(pr.number, { by: 'carol' });
    expect(await port.getPull(pr.number)).toMatchObject({ merged: true, state: 'closed' });
    expect(sb.fileText('src/new.ts')).toBe('a\nb\nc\n');
  });

  test('createPull via REST: 201, and 422 when there is nothing to merge', async () => {
    const main = (await port.getRefSha('heads/main'))!;
    await port.createRef('refs/heads/empty', main);
    expect(await status(port.createPull({ title: 't', head: 'empty', base: 'main', body: '' }))).toBe(422);
    await port.putFile({ path: 'docs/x.md', message: 'docs', text: 'x\n', branch: 'empty' });
    const pr = await port.createPull({ title: 'Docs', head: 'empty', base: 'main', body: 'b' });
    expect(pr).toMatchObject({ title: 'Docs', user: { login: 'baton-test[bot]' }, changed_files: 1 });
  });

  test('permissions for every role, outsiders and unknown users; team members', async () => {
    const roles = await Promise.all(
      ['alice', 'bob', 'carol', 'dave', 'erin', 'octocat', 'no-such-user'].map((u) => port.getPermission(u)),
    );
    expect(roles).toEqual(['maintain', 'write', 'admin', 'triage', 'read', 'read', 'none']);
    const raw = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: 'alice' });
    expect(raw.data).toMatchObject({ permission: 'write', role_name: 'maintain', user: { login: 'alice' } });
    expect(await port.listTeamMembers('acme', 'seniors')).toEqual(['carol']);
    expect(await port.listTeamMembers('acme', 'nope')).toEqual([]);
  });
});

describe('HTTP behaviour: auth, ETags, accounting, faults, rate-limit headers', () => {
  test('API routes need Authorization (401)', async () => {
    const anon = new Octokit({ baseUrl: sb.url, log: quiet });
    expect(await status(anon.rest.repos.get(repo))).toBe(401);
  });

  test('ETag + If-None-Match → 304, which is not counted; a change gives a new ETag', async () => {
    const issue = sb.createIssue({ title: 'etag' });
    const first = await octokit.rest.issues.get({ ...repo, issue_number: issue.number });
    expect(first.headers.etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    expect(
      await status(
        octokit.rest.issues.get({
          ...repo,
          issue_number: issue.number,
          headers: { 'if-none-match': first.headers.etag },
        }),
      ),
    ).toBe(304);
    // Through the port: the second read is answered from its cache by a 304.
    await port.getIssue(issue.number);
    await port.getIssue(issue.number);
    expect(sb.requests()).toMatchObject({ total: 2, notModified: 2 });
    sb.labelIssue(issue.number, 'bug');
    const changed = await octokit.rest.issues.get({
      ...repo,
      issue_number: issue.number,
      headers: { 'if-none-match': first.headers.etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(first.headers.etag);
  });

  test('counts per route template and totals; every answer carries x-ratelimit-*', async () => {
    const res = await octokit.rest.repos.get(repo);
    await octokit.rest.repos.get(repo);
    await status(octokit.rest.issues.get({ ...repo, issue_number: 424242 }));
    expect(sb.requests()).toEqual({
      total: 3,
      notModified: 0,
      byRoute: { 'GET /repos/{owner}/{repo}': 2, 'GET /repos/{owner}/{repo}/issues/{issue_number}': 1 },
    });
    expect(Number(res.headers['x-ratelimit-limit'])).toBe(5000);
    expect(Number(res.headers['x-ratelimit-remaining'])).toBeLessThan(5000);
    expect(res.headers['x-ratelimit-reset']).toMatch(/^\d+$/);
    sb.resetCounts();
    expect(sb.requests().total).toBe(0);
  });

  test('faults: 502 once then success; secondary rate limit with retry-after; primary with remaining 0', async () => {
    sb.fail({ route: '/repos/{owner}/{repo}', method: 'GET', status: 502, times: 1 });
    expect(await status(octokit.rest.repos.get(repo))).toBe(502);
    expect(await status(octokit.rest.repos.get(repo))).toBe(200);

    sb.failSecondaryRateLimit({ route: /\/issues$/, retryAfterSeconds: 7 });
    const err = (await octokit.rest.issues.create({ ...repo, title: 'x' }).catch((e) => e)) as {
      status: number;
      response: { headers: Record<string, string>; data: { message: string } };
    };
    expect(err.status).toBe(403);
    expect(err.response.headers['retry-after']).toBe('7');
    expect(err.response.data.message).toContain('secondary rate limit');

    sb.failRateLimit({ resetInSeconds: 30 });
    const err2 = (await octokit.rest.repos.get(repo).catch((e) => e)) as {
      status: number;
      response: { headers: Record<string, string> };
    };
    expect(err2.status).toBe(403);
    expect(err2.response.headers['x-ratelimit-remaining']).toBe('0');
    sb.fail({ status: 429, times: 2, body: { message: 'slow down' } });
    expect(await status(octokit.rest.repos.get(repo))).toBe(429);
    expect(sb.pendingFaults()).toBe(1);
    expect(await status(octokit.rest.repos.get(repo))).toBe(429);
    expect(await status(octokit.rest.repos.get(repo))).toBe(200);
  });

  test('latency is applied to answers', async () => {
    // Behaviour, not timing: an answer delayed 300 ms arrives after a 0 ms one requested later.
    sb.latencyMs = 300;
    const order: string[] = [];
    const slow = octokit.rest.repos.get(repo).then(() => order.push('slow'));
    await new Promise((r) => setTimeout(r, 50));
    sb.latencyMs = 0;
    await octokit.rest.repos.get(repo).then(() => order.push('fast'));
    await slow;
    expect(order).toEqual(['fast', 'slow']);
  });
});

describe('people acting with their own tokens (what `baton sandbox act` does)', () => {
  const as = (login: string) => new Octokit({ baseUrl: sb.url, auth: sb.tokenFor(login), log: quiet });

  test('a comment made with a person token is theirs; an unknown token is refused', async () => {
    const c = await as('bob').rest.issues.createComment({ ...repo, issue_number: 1, body: 'hi' });
    expect(c.data.user?.login).toBe('bob');
    const stranger = new Octokit({ baseUrl: sb.url, auth: 'ghp_not_a_sandbox_token', log: quiet });
    expect(await status(stranger.rest.issues.createComment({ ...repo, issue_number: 1, body: 'x' }))).toBe(401);
  });

  test('reviews: approve and request changes (a body is required for that), never on your own PR', async () => {
    const pr = sb.openPr({ head: 'review-me', title: 'Review me', files: { 'a.txt': 'a\n' }, by: 'bob' });
    const carol = as('carol');
    expect(
      await status(carol.rest.pulls.createReview({ ...repo, pull_number: pr.number, event: 'REQUEST_CHANGES' })),
    ).toBe(422);
    const asked = await carol.rest.pulls.createReview({
      ...repo,
      pull_number: pr.number,
      event: 'REQUEST_CHANGES',
      body: 'Add a test',
    });
    expect(asked.status).toBe(200);
    expect(asked.data).toMatchObject({ state: 'CHANGES_REQUESTED', user: { login: 'carol' }, body: 'Add a test' });
    const ok = await carol.rest.pulls.createReview({ ...repo, pull_number: pr.number, event: 'APPROVE' });
    expect(ok.data.state).toBe('APPROVED');
    expect(await status(as('bob').rest.pulls.createReview({ ...repo, pull_number: pr.number, event: 'APPROVE' }))).toBe(
      422,
    );
    const reviews = await octokit.rest.pulls.listReviews({ ...repo, pull_number: pr.number });
    expect(reviews.data.map((r) => r.state)).toEqual(['CHANGES_REQUESTED', 'APPROVED']);
  });

  test('merge: needs write access, refuses a stale head sha (409), then merges once (405 after)', async () => {
    const pr = sb.openPr({ head: 'merge-me', title: 'Merge me', files: { 'b.txt': 'b\n' }, by: 'bob' });
    const merge = (login: string, sha?: string) =>
      as(login).rest.pulls.merge({ ...repo, pull_number: pr.number, ...(sha ? { sha } : {}) });
    expect(await status(merge('erin'))).toBe(403);
    expect(await status(merge('bob', '0'.repeat(40)))).toBe(409);
    const done = await merge('bob', pr.pull.headSha);
    expect(done.data).toMatchObject({ merged: true, message: 'Pull Request successfully merged' });
    expect(done.data.sha).toMatch(/^[0-9a-f]{40}$/);
    const after = await octokit.rest.pulls.get({ ...repo, pull_number: pr.number });
    expect(after.data).toMatchObject({ merged: true, state: 'closed', merged_by: { login: 'bob' } });
    expect(await status(merge('bob'))).toBe(405);
  });
});
