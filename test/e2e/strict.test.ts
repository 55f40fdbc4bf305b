// End to end against a sandbox that refuses what GitHub refuses: non-collaborators in roles, teams without access,
// typos in /baton assign, CI with several workflows or commit statuses, fork PRs, other bots, deleted accounts. No
// event may freeze a run; what could not be done is said on the card.
import { card, local, stageLabels } from '../support/local.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local;
afterEach(async () => {
  await lb?.cleanup();
});

const FLOW = `version: 1
name: strict
trigger: flow:feature
roles:
  pm: alice
  dev: bob
  reviewer: [carol, outsider, acme/nobodies]
stages:
  - { id: spec, owner: pm, enter: [assign], on: [{ event: issue.labeled, label: "spec:ready", to: build }] }
  - id: build
    owner: dev
    enter: [assign]
    on: [{ event: pr.opened, to: review }, { event: pr.synchronize, to: review }]
  - { id: review, owner: reviewer, enter: [assign, request_review], on: [{ event: review.approved, to: checks }] }
  - id: checks
    owner: dev
    on:
      - { event: checks.completed, to: merge }
      - { event: checks.completed, conclusion: [failure], to: build }
  - { id: merge, owner: dev, on: [{ event: pr.merged, to: done }] }
  - { id: done, final: true }
`;

async function setup(): Promise<{ repo: string }> {
  lb = await local({ flowYml: FLOW });
  lb.sandbox.addUser('outsider');
  lb.sandbox.addTeam('acme', 'nobodies', ['erin']);
  return { repo: lb.seeded.repo };
}

/** A run in `review` with PR #pr opened by bob (optionally from a fork). */
async function toReview(repo: string, fork?: string): Promise<{ issue: number; pr: number }> {
  const issue = lb.sandbox.createIssue({ title: 'Feature', body: 'x', by: 'alice', repo }).number;
  lb.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
  await lb.settle();
  lb.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
  await lb.settle();
  const pr = lb.sandbox.openPr({
    repo,
    head: `${issue}-feature`,
    title: 'Feature',
    body: `Fixes #${issue}`,
    author: 'bob',
    files: { 'src/feature.ts': 'export const f = 1;\n' },
    ...(fork ? { fork } : {}),
  }).number;
  await lb.settle();
  return { issue, pr };
}

async function toChecks(repo: string, fork?: string): Promise<{ issue: number; pr: number }> {
  const r = await toReview(repo, fork);
  lb.sandbox.submitReview(r.pr, 'carol', 'APPROVED', '', { repo });
  await lb.settle();
  expect(card(lb, r.issue).run!.stage).toBe('checks');
  return r;
}

const stage = (issue: number) => card(lb, issue).run!.stage;

describe('refusals never freeze a run', () => {
  it('skips a non-collaborator and a team without access, says why once, and the run reaches done', async () => {
    const { repo } = await setup();
    const { issue, pr } = await toReview(repo);
    expect(stage(issue)).toBe('review');
    const p = lb.sandbox.issue(pr, repo).pull!;
    expect([...p.requestedUsers]).toEqual(['carol']);
    expect(lb.sandbox.issue(issue, repo).assignees).toEqual(['carol']);
    const c = card(lb, issue);
    expect(c.body).toMatch(
      /Skipped:\*\* @outsider is not a collaborator on acme\/web: add them or change role `reviewer`/,
    );
    expect(c.body).toMatch(/Skipped:\*\* team @acme\/nobodies has no access to acme\/web/);
    expect(c.body).toMatch(/Skipped:\*\* @outsider cannot be assigned on acme\/web/);
    expect(c.run!.stuck).toBeUndefined();
    expect(await lb.stack.store.deadDeliveries()).toEqual([]);

    lb.sandbox.submitReview(pr, 'carol', 'APPROVED', '', { repo });
    await lb.settle();
    lb.sandbox.completeChecks(pr, 'success', 'ci', { repo });
    await lb.settle();
    lb.sandbox.mergePr(pr, { by: 'bob', repo });
    await lb.settle();
    expect(stageLabels(lb, issue)).toEqual(['baton:done']);
    // Each reason once, however many hand-offs hit it.
    const reasons = card(lb, issue).run!.skipped!.map((s) => s.reason);
    expect(new Set(reasons).size).toBe(reasons.length);
  });

  it('/baton assign @typo assigns nobody it cannot, says so, and keeps the run moving', async () => {
    const { repo } = await setup();
    const issue = lb.sandbox.createIssue({ title: 'Feature', body: 'x', by: 'alice', repo }).number;
    lb.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
    await lb.settle();
    lb.sandbox.comment(issue, '/baton assign @typo @bob', { by: 'alice', repo });
    await lb.settle();
    expect(lb.sandbox.issue(issue, repo).assignees).toEqual(['bob']);
    expect(card(lb, issue).body).toMatch(/@typo cannot be assigned on acme\/web/);
    lb.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
    await lb.settle();
    expect(stage(issue)).toBe('build');
    expect(await lb.stack.store.deadDeliveries()).toEqual([]);
  });
});

describe('checks: every check run and status on the head, not the first suite', () => {
  it('three workflows: the fastest passing does not move the run; a slower one failing bounces it', async () => {
    const { repo } = await setup();
    const { issue, pr } = await toChecks(repo);
    for (const w of ['lint', 'test', 'e2e']) lb.sandbox.startCheck(pr, w, { repo, workflow: w });
    await lb.settle();
    lb.sandbox.completeChecks(pr, 'success', 'lint', { repo, workflow: 'lint' });
    await lb.settle();
    expect(stage(issue)).toBe('checks');
    lb.sandbox.completeChecks(pr, 'success', 'test', { repo, workflow: 'test' });
    await lb.settle();
    expect(stage(issue)).toBe('checks');
    lb.sandbox.completeChecks(pr, 'failure', 'e2e', { repo, workflow: 'e2e' });
    await lb.settle();
    expect(stage(issue)).toBe('build');
    // Three suites on one sha, one per workflow, as GitHub Actions makes them.
    const head = lb.sandbox.issue(pr, repo).pull!.headSha;
    expect(
      [...lb.sandbox.repo(repo).suites.values()].filter((s) => s.head_sha === head && s.appId !== 4242),
    ).toHaveLength(3);
  });

  it('a Jenkins-style commit status moves the run (pending does not)', async () => {
    const { repo } = await setup();
    const { issue, pr } = await toChecks(repo);
    lb.sandbox.setStatus(pr, 'pending', 'ci/jenkins', { repo });
    await lb.settle();
    expect(stage(issue)).toBe('checks');
    lb.sandbox.setStatus(pr, 'success', 'ci/jenkins', { repo });
    await lb.settle();
    expect(stage(issue)).toBe('merge');
  });

  it('a PR from a fork (check payloads with empty pull_requests) is found by its head sha', async () => {
    const { repo } = await setup();
    const { issue, pr } = await toChecks(repo, 'mallory');
    lb.sandbox.completeChecks(pr, 'success', 'ci', { repo });
    await lb.settle();
    const sent = lb.sandbox
      .deliveries()
      .filter((d) => d.event === 'check_suite')
      .at(-1)!;
    expect((sent.payload.check_suite as { pull_requests: unknown[] }).pull_requests).toEqual([]);
    expect(stage(issue)).toBe('merge');
  });
});

describe("required_checks: the base branch's required status checks, when Baton can read them", () => {
  const REQUIRED = FLOW.replace(
    '{ event: checks.completed, to: merge }',
    '{ event: checks.completed, required_checks: true, to: merge }',
  );
  async function slowLint(o: { via?: 'ruleset' | 'classic'; unreadable?: boolean }) {
    lb = await local({ flowYml: REQUIRED });
    lb.sandbox.addUser('outsider');
    lb.sandbox.addTeam('acme', 'nobodies', ['erin']);
    const repo = lb.seeded.repo;
    lb.sandbox.requireChecks('main', ['test'], { repo, ...(o.via ? { via: o.via } : {}) });
    if (o.unreadable)
      for (const route of ['/repos/{owner}/{repo}/rules/branches/{branch}', '/repos/{owner}/{repo}/branches/{branch}'])
        lb.sandbox.fail({
          route,
          method: 'GET',
          status: 403,
          times: 100,
          body: { message: 'Resource not accessible by integration' },
        });
    const { issue, pr } = await toChecks(repo);
    for (const w of ['lint', 'test']) lb.sandbox.startCheck(pr, w, { repo, workflow: w });
    await lb.settle();
    // The required check passes while an optional one (lint) still runs.
    lb.sandbox.completeChecks(pr, 'success', 'test', { repo, workflow: 'test' });
    await lb.settle();
    return { issue, pr, repo };
  }

  it('a ruleset requires `test`: the run moves when it passes, without waiting for an optional check', async () => {
    const { issue } = await slowLint({});
    expect(stage(issue)).toBe('merge');
  });

  it('classic branch protection requires `test`: the same', async () => {
    const { issue } = await slowLint({ via: 'classic' });
    expect(stage(issue)).toBe('merge');
  });

  it('rules Baton cannot read (403): every check counts, so the run waits for lint too', async () => {
    const { issue, pr, repo } = await slowLint({ unreadable: true });
    expect(stage(issue)).toBe('checks');
    lb.sandbox.completeChecks(pr, 'success', 'lint', { repo, workflow: 'lint' });
    await lb.settle();
    expect(stage(issue)).toBe('merge');
    expect(await lb.stack.store.deadDeliveries()).toEqual([]);
  });
});

describe('other bots move runs; Baton ignores only itself and commands from bots', () => {
  it('a merge by github-merge-queue[bot] finishes the run', async () => {
    const { repo } = await setup();
    const { issue, pr } = await toChecks(repo);
    lb.sandbox.completeChecks(pr, 'success', 'ci', { repo });
    await lb.settle();
    lb.sandbox.addUser('github-merge-queue[bot]', { type: 'Bot' });
    lb.sandbox.mergePr(pr, { by: 'github-merge-queue[bot]', repo });
    await lb.settle();
    expect(stageLabels(lb, issue)).toEqual(['baton:done']);
  });

  it("a bot's push moves the head: checks on the new head count, the old head's do not", async () => {
    const { repo } = await setup();
    const { issue, pr } = await toReview(repo);
    lb.sandbox.submitReview(pr, 'carol', 'CHANGES_REQUESTED', '', { repo });
    await lb.settle();
    lb.sandbox.addUser('pre-commit-ci[bot]', { type: 'Bot' });
    const old = lb.sandbox.issue(pr, repo).pull!.headSha;
    lb.sandbox.pushCommits(pr, { 'src/feature.ts': 'export const f = 2;\n' }, { by: 'pre-commit-ci[bot]', repo });
    await lb.settle();
    const run = card(lb, issue).run!;
    expect(run.prs[0]!.headSha).not.toBe(old);
    expect(run.prs[0]!.headSha).toBe(lb.sandbox.issue(pr, repo).pull!.headSha);
  });

  it('a bot command is ignored, and a flow can ignore named bots altogether', async () => {
    lb = await local({ flowYml: FLOW.replace('stages:', 'ignore_bots: [renovate]\nstages:') });
    const repo = lb.seeded.repo;
    lb.sandbox.addUser('renovate[bot]', { type: 'Bot' });
    lb.sandbox.addUser('helper[bot]', { type: 'Bot' });
    const issue = lb.sandbox.createIssue({ title: 'Feature', body: 'x', by: 'alice', repo }).number;
    lb.sandbox.labelIssue(issue, 'flow:feature', { by: 'renovate[bot]', repo });
    await lb.settle();
    expect(card(lb, issue).run).toBeUndefined();
    lb.sandbox.unlabelIssue(issue, 'flow:feature', { by: 'alice', repo });
    lb.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
    await lb.settle();
    lb.sandbox.comment(issue, '/baton advance', { by: 'helper[bot]', repo });
    await lb.settle();
    expect(stage(issue)).toBe('spec');
  });
});

describe('shapes GitHub really sends', () => {
  it('an approval after a deleted account reviewed (user: null) still moves the run', async () => {
    const { repo } = await setup();
    const { issue, pr } = await toReview(repo);
    lb.sandbox.submitReview(pr, 'dave', 'COMMENTED', 'looks fine', { repo });
    await lb.settle();
    lb.sandbox.deleteUser('dave');
    lb.sandbox.submitReview(pr, 'carol', 'APPROVED', '', { repo });
    await lb.settle();
    expect(stage(issue)).toBe('checks');
    expect(await lb.stack.store.deadDeliveries()).toEqual([]);
  });
});

describe('installation events keep the registries true', () => {
  it('a repository removed from the installation leaves the digest registry and the SLA watch', async () => {
    lb = await local({ flowYml: FLOW.replace('owner: pm, enter: [assign]', 'owner: pm, sla: 1d, enter: [assign]') });
    const repo = lb.seeded.repo;
    const issue = lb.sandbox.createIssue({ title: 'Feature', body: 'x', by: 'alice', repo }).number;
    lb.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
    await lb.settle();
    expect((await lb.stack.store.kvList('repo')).map((r) => r.key)).toEqual([repo]);
    expect((await lb.stack.store.kvList('sla')).map((r) => r.key)).toEqual([`${repo}#${issue}`]);
    lb.sandbox.uninstallFrom([repo], { by: 'alice' });
    await lb.settle();
    expect(await lb.stack.store.kvList('repo')).toEqual([]);
    expect(await lb.stack.store.kvList('sla')).toEqual([]);
  });
});
