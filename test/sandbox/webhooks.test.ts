// Webhook deliveries: real signed POSTs, in order, GitHub's payload shape, redelivery, App-authored events.
import { Octokit } from '@octokit/rest';
import { verify } from '@octokit/webhooks-methods';
import { APP_MANIFEST } from '../../src/sandbox/app-manifest.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { receiver, seeded } from './helpers.js';

let sb: Sandbox;
let rx: Awaited<ReturnType<typeof receiver>>;

beforeEach(async () => {
  rx = await receiver();
  sb = await seeded({ webhookUrl: rx.url });
});
afterEach(async () => {
  await sb.stop();
  await rx.close();
});

const names = () => rx.got.map((g) => `${g.headers['x-github-event']}${g.body.action ? '.' + g.body.action : ''}`);

test('deliveries are signed, carry GitHub headers, and arrive in order', async () => {
  const issue = sb.createIssue({ title: 'Slow checkout', labels: ['bug'], by: 'alice', at: '2025-03-01T10:00:00Z' });
  sb.labelIssue(issue.number, 'flow:ready', { by: 'alice', at: '2025-03-01T10:05:00Z' });
  sb.comment(issue.number, '/baton status', { by: 'bob' });
  await sb.settled();
  expect(names()).toEqual(['issues.opened', 'issues.labeled', 'issues.labeled', 'issue_comment.created']);
  for (const g of rx.got) {
    expect(await verify('test-secret', g.raw, g.headers['x-hub-signature-256'] as string)).toBe(true);
    expect(await verify('wrong-secret', g.raw, g.headers['x-hub-signature-256'] as string)).toBe(false);
    expect(g.headers['content-type']).toBe('application/json');
    expect(g.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
  }
  const labeled = rx.got[2]!.body;
  expect(labeled).toMatchObject({
    action: 'labeled',
    label: { name: 'flow:ready' },
    issue: { number: issue.number, updated_at: '2025-03-01T10:05:00Z', user: { login: 'alice' } },
    repository: { full_name: 'acme/web', default_branch: 'main' },
    organization: { login: 'acme' },
    sender: { login: 'alice', type: 'User' },
    installation: { id: expect.any(Number) },
  });
  expect(labeled.issue.labels.map((l: { name: string }) => l.name)).toEqual(['bug', 'flow:ready']);
  expect(labeled.issue.pull_request).toBeUndefined();
  expect(sb.deliveries().map((d) => d.status)).toEqual([200, 200, 200, 200]);
});

test('PR life cycle: opened, synchronize (new head), review, checks with pull_requests, merged', async () => {
  const pr = sb.openPr({
    head: 'feat/x',
    title: 'X',
    body: 'Closes #1',
    author: 'bob',
    files: { 'src/x.ts': 'x\n' },
    draft: true,
  });
  sb.readyForReview(pr.number);
  const oldHead = pr.pull.headSha;
  sb.pushCommits(pr.number, { 'src/x.ts': 'x2\n' });
  sb.submitReview(pr.number, 'carol', 'CHANGES_REQUESTED', 'tests please', { at: '2025-03-02T08:00:00Z' });
  sb.completeChecks(pr.number, 'failure', 'ci');
  sb.mergePr(pr.number, { by: 'carol', at: '2025-03-03T08:00:00Z' });
  await sb.settled();
  expect(names()).toEqual([
    'pull_request.opened',
    'pull_request.ready_for_review',
    'push',
    'pull_request.synchronize',
    'pull_request_review.submitted',
    'check_run.completed',
    'check_suite.completed',
    'pull_request.closed',
    'push',
  ]);
  // The nine deliveries asserted just above, in order.
  type Body = Record<string, any>;
  const bodies = rx.got.map((g) => g.body) as [Body, Body, Body, Body, Body, Body, Body, Body, Body];
  const [opened, , , sync, review, run, suite, closed] = bodies;
  expect(opened.pull_request).toMatchObject({
    number: pr.number,
    draft: true,
    user: { login: 'bob' },
    head: { ref: 'feat/x', sha: oldHead },
  });
  expect(sync).toMatchObject({
    before: oldHead,
    after: pr.pull.headSha,
    pull_request: { head: { sha: pr.pull.headSha } },
  });
  expect(review).toMatchObject({
    review: {
      state: 'changes_requested',
      user: { login: 'carol' },
      submitted_at: '2025-03-02T08:00:00Z',
      commit_id: pr.pull.headSha,
    },
  });
  expect(run.check_run).toMatchObject({
    name: 'ci',
    conclusion: 'failure',
    head_sha: pr.pull.headSha,
    pull_requests: [{ number: pr.number }],
  });
  expect(run.sender.login).toBe('github-actions[bot]');
  expect(suite.check_suite).toMatchObject({
    conclusion: 'failure',
    head_sha: pr.pull.headSha,
    pull_requests: [{ number: pr.number, head: { ref: 'feat/x' } }],
  });
  expect(closed.pull_request).toMatchObject({
    merged: true,
    merged_at: '2025-03-03T08:00:00Z',
    merged_by: { login: 'carol' },
  });
});

test("the App's own REST writes emit webhooks with the bot as sender (and not when emitAppEvents is false)", async () => {
  const octokit = new Octokit({ baseUrl: sb.url, auth: sb.installationToken() });
  const issue = sb.createIssue({ title: 't', by: 'alice' });
  await octokit.rest.issues.addLabels({ owner: 'acme', repo: 'web', issue_number: issue.number, labels: ['flow:dev'] });
  await octokit.rest.issues.createComment({ owner: 'acme', repo: 'web', issue_number: issue.number, body: 'card' });
  await sb.settled();
  expect(names()).toEqual(['issues.opened', 'issues.labeled', 'issue_comment.created']);
  expect(rx.got[1]?.body.sender).toMatchObject({ login: 'baton-test[bot]', type: 'Bot' });
  expect(rx.got[2]?.body.comment.user).toMatchObject({ login: 'baton-test[bot]', type: 'Bot' });
  expect(rx.got[2]?.body.comment.performed_via_github_app).toMatchObject({ id: 4242 });

  // A person's token acts as that person.
  const bob = new Octokit({ baseUrl: sb.url, auth: sb.tokenFor('bob') });
  await bob.rest.issues.createComment({ owner: 'acme', repo: 'web', issue_number: issue.number, body: 'hi' });
  await sb.settled();
  expect(rx.got[3]?.body.sender.login).toBe('bob');

  const quiet = await seeded({ webhookUrl: rx.url, emitAppEvents: false });
  const q = new Octokit({ baseUrl: quiet.url, auth: quiet.installationToken() });
  const before = rx.got.length;
  await q.rest.issues.create({ owner: 'acme', repo: 'web', title: 'silent' });
  await quiet.settled();
  expect(rx.got.length).toBe(before);
  await quiet.stop();
});

test('the App hears only the events it subscribes to, of the repositories its installation reaches', async () => {
  // `label` events are not in app.yml's default_events; acme/other is not in the installation.
  sb.addRepo('acme/other');
  const octokit = new Octokit({ baseUrl: sb.url, auth: sb.installationToken() });
  await octokit.rest.issues.createLabel({ owner: 'acme', repo: 'web', name: 'urgent' });
  sb.createIssue({ title: 'elsewhere', by: 'alice', repo: 'acme/other' });
  const issue = sb.createIssue({ title: 'here', by: 'alice' });
  sb.addToInstallation(['acme/other']);
  sb.createIssue({ title: 'now installed', by: 'alice', repo: 'acme/other' });
  await sb.settled();
  expect(names()).toEqual(['issues.opened', 'installation_repositories.added', 'issues.opened']);
  expect(rx.got[0]?.body.issue.number).toBe(issue.number);
  expect(rx.got[2]?.body.repository.full_name).toBe('acme/other');
});

test('redeliver resends the same id and body; failures are recorded; webhookUrl can change', async () => {
  rx.setStatus(500);
  const issue = sb.createIssue({ title: 'r' });
  await sb.settled();
  const d = sb.deliveries()[0]!;
  expect(d.status).toBe(500);
  rx.setStatus(202);
  const again = await sb.redeliver(d.id);
  expect(again).toMatchObject({ id: d.id, status: 202, attempts: 2, redelivery: true });
  expect(rx.got[1]?.raw).toBe(rx.got[0]?.raw);
  expect(rx.got[1]?.headers['x-github-delivery']).toBe(d.id);

  // Baton "down": nothing listens there.
  const other = await receiver();
  const downUrl = other.url;
  await other.close();
  sb.webhookUrl = downUrl;
  sb.labelIssue(issue.number, 'bug');
  await sb.settled();
  expect(sb.deliveries()[1]).toMatchObject({ status: 0, event: 'issues' });
  expect(sb.deliveries()[1]?.error).toBeTruthy();
  // Baton back on the original receiver.
  sb.webhookUrl = rx.url;
  await sb.redeliver(sb.deliveries()[1]!.id);
  expect(rx.got.at(-1)!.body).toMatchObject({ action: 'labeled', label: { name: 'bug' } });
});

test('comment deletion, label deletion and issue close/reopen send their events', async () => {
  // `label` events reach an App subscribed to them (Baton is not: app.yml).
  await sb.stop();
  sb = await seeded({ webhookUrl: rx.url, events: [...APP_MANIFEST.events, 'label'] });
  const issue = sb.createIssue({ title: 'd', labels: ['bug'] });
  const c = sb.comment(issue.number, 'x', { by: 'bob' });
  sb.deleteComment(c.id, { by: 'bob' });
  sb.deleteLabel('bug', { by: 'carol' });
  sb.closeIssue(issue.number);
  sb.reopenIssue(issue.number);
  sb.pushFile('acme/web', 'main', 'README.md', '# new\n', { by: 'dave' });
  await sb.settled();
  expect(names()).toEqual([
    'issues.opened',
    'issues.labeled',
    'issue_comment.created',
    'issue_comment.deleted',
    'label.deleted',
    'issues.closed',
    'issues.reopened',
    'push',
  ]);
  expect(sb.issue(issue.number).labels).toEqual([]);
  const push = rx.got.at(-1)!.body;
  expect(push).toMatchObject({
    ref: 'refs/heads/main',
    head_commit: { modified: ['README.md'], author: { username: 'dave' } },
    pusher: { name: 'dave' },
  });
  expect(sb.fileText('README.md')).toBe('# new\n');
});
