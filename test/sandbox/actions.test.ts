// The sandbox's model of GitHub Actions: a workflow's GITHUB_TOKEN (scoped permissions, github-actions[bot]) and which
// deliveries start workflow runs.
import { Octokit } from '@octokit/rest';
import { GitHubPort } from '../../src/github/port.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { workflowTriggers } from '../../src/sandbox/actions.js';
import { receiver, seeded } from './helpers.js';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
let sb: Sandbox;
let hook: Awaited<ReturnType<typeof receiver>>;
beforeAll(async () => {
  hook = await receiver();
  sb = await seeded({ webhookUrl: hook.url });
});
afterAll(async () => {
  await sb.stop();
  await hook.close();
});

const portWith = (token: string, repo = 'web') =>
  new GitHubPort(new Octokit({ baseUrl: sb.url, auth: token, log: quiet }), { owner: 'acme', repo });
const fails = async (p: Promise<unknown>) => {
  try {
    await p;
    return undefined;
  } catch (err) {
    return { status: (err as { status: number }).status, message: (err as Error).message };
  }
};

describe('a workflow GITHUB_TOKEN', () => {
  it('writes as github-actions[bot] within its permissions and gets 403 outside them', async () => {
    const port = portWith(sb.workflowToken('acme/web', { issues: 'write', 'pull-requests': 'write' }));
    const issue = sb.createIssue({ title: 'x', by: 'alice', repo: 'acme/web' }).number;
    const c = await port.createComment(issue, 'hello');
    expect(c.user.login).toBe('github-actions[bot]');
    const head = (await port.listCommits({ per_page: 1 }).catch((e) => e)) as { status?: number };
    expect(head.status).toBe(403); // contents: none once permissions: is set
    const sha = sb.repo('acme/web').branches.get('main')!;
    expect(
      await fails(port.createCheckRun({ name: 'x', head_sha: sha, conclusion: 'success', title: 't', summary: 's' })),
    ).toMatchObject({ status: 403, message: expect.stringContaining('Resource not accessible by integration') });
    // Organization permissions are out of a repository token's reach.
    expect(await fails(port.listTeamMembers('acme', 'seniors'))).toMatchObject({ status: 403 });
  });

  it('with checks: write creates check runs owned by the GitHub Actions app; other repositories are not found', async () => {
    const token = sb.workflowToken('acme/web', { checks: 'write', contents: 'read' });
    const sha = sb.repo('acme/web').branches.get('main')!;
    const run = await portWith(token).createCheckRun({
      name: 'Baton / risk',
      head_sha: sha,
      conclusion: 'success',
      title: 't',
      summary: 's',
    });
    expect(sb.repo('acme/web').checkRuns.get(run.id)!.appId).toBe(15368);
    sb.addRepo('acme/other', {});
    expect(await fails(portWith(token, 'other').getRepo())).toMatchObject({ status: 404 });
  });

  it('read-all can read and cannot write', async () => {
    const port = portWith(sb.workflowToken('acme/web', 'read-all'));
    const issue = sb.createIssue({ title: 'y', by: 'alice', repo: 'acme/web' }).number;
    expect((await port.getIssue(issue)).number).toBe(issue);
    expect(await fails(port.createComment(issue, 'no'))).toMatchObject({ status: 403 });
  });
});

describe('workflow triggers', () => {
  const on = {
    events: ['issues', 'issue_comment', 'pull_request_target', 'pull_request_review', 'workflow_run'],
    workflowRunOf: ['CI'],
  };
  it('GITHUB_TOKEN writes start no workflow; a completed Actions check suite is a workflow_run', async () => {
    const before = hook.got.length;
    const issue = sb.createIssue({ title: 'z', by: 'alice', repo: 'acme/web' }).number;
    sb.labelIssue(issue, 'bug', { by: 'alice', repo: 'acme/web' });
    await portWith(sb.workflowToken('acme/web', { issues: 'write' })).createComment(issue, 'bot says hi');
    const pr = sb.openPr({
      title: 'p',
      body: `Fixes #${issue}`,
      head: `${issue}-p`,
      files: { 'src/p.ts': 'export const p = 1;\n' },
      by: 'bob',
      repo: 'acme/web',
    });
    sb.completeChecks(pr.number, 'success', 'ci', { repo: 'acme/web' });
    await sb.settled();
    const sent = hook.got.slice(before).map((g) => ({ event: String(g.headers['x-github-event']), payload: g.body }));
    const runs = sent.flatMap((d) => workflowTriggers(d, on));
    expect(runs.map((r) => r.eventName)).toEqual(['issues', 'issues', 'pull_request_target', 'workflow_run']);
    const wr = runs.at(-1)!.payload as { workflow_run: { conclusion: string; pull_requests: { number: number }[] } };
    expect(wr.workflow_run.conclusion).toBe('success');
    expect(wr.workflow_run.pull_requests.map((p) => p.number)).toEqual([pr.number]);
  });

  it('a pull_request from a fork runs with a read-only token', () => {
    const payload = {
      action: 'opened',
      repository: { full_name: 'acme/web' },
      pull_request: { number: 9, head: { repo: { full_name: 'erin/web' } } },
      sender: { login: 'erin' },
    };
    const [run] = workflowTriggers({ event: 'pull_request', payload }, { events: ['pull_request'] });
    expect(run).toMatchObject({ eventName: 'pull_request', readOnlyToken: true });
    const [target] = workflowTriggers({ event: 'pull_request', payload }, { events: ['pull_request_target'] });
    expect(target).toMatchObject({ eventName: 'pull_request_target', readOnlyToken: false });
  });
});

describe('check suites of workflow runs', () => {
  it('a check run written with a job token goes into that workflow run’s suite, not CI’s', async () => {
    const pr = sb.openPr({
      title: 'q',
      head: 'q-branch',
      files: { 'src/q.ts': 'export const q = 1;\n' },
      by: 'bob',
      repo: 'acme/web',
    });
    const head = sb.repo('acme/web').issues.get(pr.number)!.pull!.headSha;
    const before = hook.got.length;
    await portWith(sb.workflowToken('acme/web', { checks: 'write' })).createCheckRun({
      name: 'Baton / risk',
      head_sha: head,
      conclusion: 'failure',
      title: 't',
      summary: 's',
    });
    sb.completeChecks(pr.number, 'success', 'ci', { repo: 'acme/web' });
    await sb.settled();
    const suites = [...sb.repo('acme/web').suites.values()].filter((s) => s.head_sha === head);
    expect(suites.map((s) => s.workflow ?? 'CI').sort()).toEqual(['Baton', 'CI']);
    const sent = hook.got.slice(before).map((g) => ({ event: String(g.headers['x-github-event']), payload: g.body }));
    const on = { events: ['workflow_run'], workflowRunOf: ['CI'] };
    const runs = sent.flatMap((d) => workflowTriggers(d, on, (id) => sb.repo('acme/web').suites.get(id)?.workflow));
    expect(runs.map((r) => (r.payload as any).workflow_run.conclusion)).toEqual(['success']);
  });
});
