// What differs on Actions, through the action entry and the sandbox's runner: re-runs, a token without checks: write,
// a fork's pull request with a read-only token, and the scheduled SLA sweep. Each test starts real node processes.
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { startActionsDemo, type ActionsDemo } from '../../src/sandbox/actions-demo.js';
import { DEMO_FLOW_PATH } from '../../src/sandbox/local-baton.js';
import { parseCard } from '../../src/github/card.js';
import { ActionsRunner } from '../../src/sandbox/actions-runner.js';
import { DEMO_FILES } from '../../src/sandbox/demo-content.js';

jest.setTimeout(180_000);
let demo: ActionsDemo | undefined;
afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

const BOT = 'github-actions[bot]';
const botComments = (d: ActionsDemo, n: number) => d.sandbox.comments(n, d.seeded.repo).filter((c) => c.user === BOT);
const cards = (d: ActionsDemo, n: number) => botComments(d, n).filter((c) => c.body.includes('<!-- baton:card -->'));
const stage = (d: ActionsDemo, n: number) =>
  d.sandbox.issue(n, d.seeded.repo).labels.filter((l) => l.startsWith('baton:') && l !== 'baton:high-risk');

async function startRun(d: ActionsDemo): Promise<number> {
  const repo = d.seeded.repo;
  const issue = d.sandbox.createIssue({ title: 'A feature', body: 'please', by: 'alice', repo }).number;
  d.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
  await d.settle();
  return issue;
}

async function openLinkedPr(d: ActionsDemo, issue: number): Promise<number> {
  const repo = d.seeded.repo;
  d.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
  const pr = d.sandbox.openPr({
    title: 'Sessions',
    body: `Fixes #${issue}`,
    head: `${issue}-sessions`,
    // The demo's high-risk change (auth, a migration, untested pricing): high on its content, since "Fixes #N" is a
    // link, not evidence of a bug fix.
    files: {
      'src/cart.ts': DEMO_FILES.cart!(),
      'src/auth/session.ts': DEMO_FILES.session!(),
      'db/migrations/0003.sql': DEMO_FILES.migration!(),
      'src/pricing/discounts.ts': DEMO_FILES.discounts!(),
    },
    by: 'bob',
    repo,
  }).number;
  await d.settle();
  return pr;
}

describe('re-running a job', () => {
  it('a job re-run twice has no second effect, even after dying between two writes', async () => {
    demo = await startActionsDemo();
    const repo = demo.seeded.repo;
    const issue = demo.sandbox.createIssue({ title: 'x', by: 'alice', repo }).number;
    // The card is written, but the answer is lost: the job fails after labels and card are on GitHub.
    demo.sandbox.fail({
      method: 'POST',
      route: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      status: 502,
      applied: true,
    });
    demo.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
    const [first] = await demo.runner.settle().then((jobs) => jobs.filter((j) => j.eventName === 'issues').slice(-1));
    expect(first!.exitCode).toBe(1);
    expect(first!.summary).toMatch(/CAUTION/);
    expect(cards(demo, issue)).toHaveLength(1);

    const second = await demo.runner.rerun(first!);
    expect(second).toMatchObject({ exitCode: 0, attempt: 2 });
    expect(second.summary).toMatch(/re-run: every effect verified on GitHub first/);
    expect(cards(demo, issue)).toHaveLength(1);
    expect(stage(demo, issue)).toEqual(['baton:spec']);
    const after = JSON.stringify(demo.sandbox.comments(issue, repo));
    const labels = [...demo.sandbox.issue(issue, repo).labels];

    const third = await demo.runner.rerun(first!);
    expect(third).toMatchObject({ exitCode: 0, attempt: 3 });
    expect(third.summary).toMatch(/duplicate event/);
    expect(third.summary).toMatch(/\| Effects applied \| none \|/);
    expect(JSON.stringify(demo.sandbox.comments(issue, repo))).toBe(after);
    expect(demo.sandbox.issue(issue, repo).labels).toEqual(labels);
    expect(parseCard(cards(demo, issue)[0]!.body)!.history).toHaveLength(1);
  });
});

describe('permissions', () => {
  it('a token without checks: write degrades: the run moves, risk is posted, the summary says what was skipped', async () => {
    demo = await startActionsDemo({
      workflow: { permissions: { issues: 'write', 'pull-requests': 'write', contents: 'write' } },
    });
    const issue = await startRun(demo);
    const pr = await openLinkedPr(demo, issue);
    const job = demo.runner.jobs.find((j) => j.eventName === 'pull_request_target')!;
    expect(job.exitCode).toBe(0);
    expect(job.outputs).toMatchObject({ stage: 'review', moved: 'true' });
    expect(job.summary).toMatch(/Degraded: no `checks: write`/);
    expect(job.summary).toMatch(/\| Skipped \| check run/);
    expect(job.stdout).toMatch(/::warning title=Baton degraded::no checks: write/);
    expect(stage(demo, issue)).toEqual(['baton:review']);
    expect(demo.sandbox.issue(pr, demo.seeded.repo).labels).toContain('baton:high-risk');
    expect(botComments(demo, pr).filter((c) => c.body.includes('baton:risk'))).toHaveLength(1);
    const head = demo.sandbox.repo(demo.seeded.repo).issues.get(pr)!.pull!.headSha;
    const runs = [...demo.sandbox.repo(demo.seeded.repo).checkRuns.values()].filter((c) => c.head_sha === head);
    expect(runs.map((c) => c.name)).not.toContain('Baton / risk');
  });

  it('a fork pull request with a read-only token decides, writes nothing and says so', async () => {
    // A workflow on `pull_request` (not _target): the fork's event runs with a read-only token.
    demo = await startActionsDemo({ workflow: { on: { events: ['issues', 'pull_request'] } } });
    const repo = demo.seeded.repo;
    const issue = await startRun(demo);
    demo.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
    await demo.settle();
    const before = demo.runner.jobs.length;
    const pr = demo.sandbox.openPr({
      title: 'From a fork',
      body: `Fixes #${issue}`,
      head: `${issue}-fork`,
      files: { 'src/cart.ts': 'export const x = 1;\n' },
      by: 'erin',
      repo,
    }).number;
    await demo.sandbox.settled();
    const opened = demo.sandbox.deliveries().find((d) => d.event === 'pull_request' && d.action === 'opened')!;
    const payload = structuredClone(opened.payload) as any;
    payload.pull_request.head.repo = { ...payload.pull_request.head.repo, full_name: 'erin/web', fork: true };
    const writesBefore = demo.sandbox.requests().byRoute;
    const job = await demo.runner.run('pull_request', payload, {
      eventName: 'pull_request',
      payload,
      readOnlyToken: true,
    });
    expect(demo.runner.jobs.length).toBe(before + 1);
    expect(job.exitCode).toBe(0);
    expect(job.outputs).toMatchObject({ mode: 'read-only', stage: 'review' });
    expect(job.summary).toMatch(/Read-only mode.*fork erin\/web/);
    expect(job.summary).toMatch(/\| Would apply \| .*request review on #\d+/);
    expect(job.stdout).toMatch(/::notice title=Baton read-only::/);
    const writes = Object.entries(demo.sandbox.requests().byRoute).filter(
      ([k, n]) => !k.startsWith('GET') && n !== (writesBefore[k] ?? 0),
    );
    expect(writes).toEqual([]);
    expect(stage(demo, issue)).toEqual(['baton:build']);
    expect(demo.sandbox.repo(repo).issues.get(pr)!.pull!.requestedUsers.size).toBe(0);
  });
});

describe('schedule', () => {
  it('a scheduled run nudges an SLA breach once', async () => {
    // The run started four days ago (the sandbox's clock); spec has a 3-day SLA in the feature preset.
    const start = Date.now() - 4 * 86_400_000;
    demo = await startActionsDemo({ clock: () => new Date(start) });
    const issue = await startRun(demo);
    expect(stage(demo, issue)).toEqual(['baton:spec']);
    const cron = { schedule: '*/30 * * * *', repository: { full_name: demo.seeded.repo } };
    const first = await demo.runner.run('schedule', cron);
    expect(first.exitCode).toBe(0);
    expect(first.summary).toMatch(/scheduled sweep/);
    expect(first.summary).toMatch(/sla\.tick → nudged spec/);
    const nudges = () => botComments(demo!, issue).filter((c) => c.body.includes('past its SLA'));
    expect(nudges()).toHaveLength(1);
    expect(nudges()[0]!.body).toMatch(/@alice/);
    const second = await demo.runner.run('schedule', cron);
    expect(second.exitCode).toBe(0);
    expect(nudges()).toHaveLength(1);
    expect(second.summary).toMatch(/\| Effects applied \| none \|/);
  });
});

describe('route mode', () => {
  it('puts a PR event in its linked issue’s concurrency group, with no write', async () => {
    demo = await startActionsDemo({ workflow: { on: { events: ['issues'] } } });
    const repo = demo.seeded.repo;
    const issue = await startRun(demo);
    demo.sandbox.openPr({
      title: 'p',
      body: `Closes #${issue}`,
      head: 'some-branch',
      files: { 'src/x.ts': 'export const x = 2;\n' },
      by: 'bob',
      repo,
    });
    await demo.sandbox.settled();
    const opened = demo.sandbox.deliveries().find((d) => d.event === 'pull_request' && d.action === 'opened')!;
    const routed = new ActionsRunner(demo.sandbox, repo, {
      ...demo.runner.opts,
      inputs: { mode: 'route' },
      permissions: { 'pull-requests': 'read' },
    });
    const job = await routed.run('pull_request_target', opened.payload).finally(() => routed.stop());
    expect(job.exitCode).toBe(0);
    expect(job.outputs).toMatchObject({ mode: 'route', group: `${repo}#${issue}` });
  });
});

describe('schedule: the weekly digest', () => {
  it('posts the week’s digest once, with the runs read from their cards', async () => {
    const flowYml = readFileSync(DEMO_FLOW_PATH, 'utf8').replace(
      /^risk:/m,
      'digest:\n  issue: 1\n  cron: "* * * * *"\nrisk:',
    );
    demo = await startActionsDemo({ flowYml });
    const repo = demo.seeded.repo;
    const digestIssue = demo.sandbox.createIssue({ title: 'Workflow Wins', by: 'alice', repo }).number;
    expect(digestIssue).toBe(1);
    const issue = await startRun(demo);
    demo.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
    await demo.settle();
    const cron = { schedule: '*/30 * * * *', repository: { full_name: repo } };
    const first = await demo.runner.run('schedule', cron);
    expect(first.exitCode).toBe(0);
    expect(first.summary).toMatch(/digest → posted \d{4}-W\d\d/);
    const digests = () => botComments(demo!, digestIssue).filter((c) => c.body.includes('<!-- baton:digest'));
    expect(digests()).toHaveLength(1);
    // The run's two moves (start, spec → build) came from its card.
    expect(digests()[0]!.body).toMatch(/Workflow Wins/);
    const second = await demo.runner.run('schedule', cron);
    expect(second.exitCode).toBe(0);
    expect(digests()).toHaveLength(1);
  });
});
