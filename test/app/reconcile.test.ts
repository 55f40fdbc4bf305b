// The reconcile sweep finishes what no delivery will ever tell: a run whose merge was never delivered, a run whose
// trigger label was never delivered. It emits each missed transition once, through the worker and the engine.
import { botComments, card, local, stageLabels } from '../support/local.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local;
afterEach(async () => {
  await lb?.cleanup();
});

/**
 * A run in merge. With `closes: false` the PR is tied to the issue by its branch name only, so its merge does not
 * close the issue (GitHub closes the issues a PR's description names with "Fixes #N"; that close also finishes the
 * run, see test/e2e/auto-close.test.ts).
 */
async function runToMerge(l: Local, n: number, o: { closes?: boolean } = {}): Promise<{ issue: number; pr: number }> {
  const repo = l.seeded.repo;
  const issue = l.sandbox.createIssue({ title: `Feature ${n}`, body: 'please', by: 'alice', repo }).number;
  l.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
  l.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
  const pr = l.sandbox.openPr({
    repo,
    by: 'bob',
    author: 'bob',
    title: `Work for #${issue}`,
    body: o.closes === false ? 'The feature.' : `Fixes #${issue}`,
    head: o.closes === false ? `${issue}-feat-${n}` : `feat-${n}`,
    files: { [`docs/note-${n}.md`]: `note ${n}\n` },
  }).number;
  l.sandbox.submitReview(pr, 'carol', 'APPROVED', 'ok', { repo });
  l.sandbox.completeChecks(pr, 'success', 'ci', { repo });
  await l.settle();
  return { issue, pr };
}

describe('reconcile sweep', () => {
  it('finishes a run whose merge event was never delivered, once', async () => {
    lb = await local();
    const { issue, pr } = await runToMerge(lb, 1, { closes: false });
    expect(stageLabels(lb, issue)).toEqual(['baton:merge']);
    lb.sandbox.dropDeliveries((event) => event === 'pull_request');
    lb.sandbox.mergePr(pr, { repo: lb.seeded.repo, by: 'bob' });
    expect(lb.sandbox.dropDeliveries(undefined)).toBe(1);
    await lb.settle();
    expect(stageLabels(lb, issue)).toEqual(['baton:merge']);

    const report = await lb.baton.reconcile();
    await lb.settle();
    expect(report).toMatchObject({ ran: true, events: 1, jobs: 1 });
    expect(report.found).toEqual([{ repo: lb.seeded.repo, issue, from: 'merge', events: ['pr.merged'] }]);
    expect(report.requests).toBeGreaterThan(0);
    expect(stageLabels(lb, issue)).toEqual(['baton:done']);
    const { run, count } = card(lb, issue);
    expect(count).toBe(1);
    expect(run!.history.at(-1)).toMatchObject({ from: 'merge', to: 'done', kind: 'done' });
    const docs = botComments(lb, issue).filter((b) => b.includes('baton:docs'));
    expect(docs).toHaveLength(1);

    // Nothing left to do: a second full sweep finds nothing and posts nothing.
    const again = await lb.baton.reconcile({ all: true });
    await lb.settle();
    expect(again.events).toBe(0);
    expect(botComments(lb, issue).filter((b) => b.includes('baton:docs'))).toHaveLength(1);
  });

  it("finishes a run whose merge and GitHub's auto-close were both never delivered (the issue is closed)", async () => {
    lb = await local();
    const { issue, pr } = await runToMerge(lb, 1);
    lb.sandbox.dropDeliveries((event) => event === 'pull_request' || event === 'issues');
    lb.sandbox.mergePr(pr, { repo: lb.seeded.repo, by: 'bob' });
    expect(lb.sandbox.dropDeliveries(undefined)).toBe(2);
    await lb.settle();
    expect(lb.sandbox.issue(issue, lb.seeded.repo).state).toBe('closed');
    expect(stageLabels(lb, issue)).toEqual(['baton:merge']);

    const report = await lb.baton.reconcile();
    await lb.settle();
    expect(report.found).toEqual([{ repo: lb.seeded.repo, issue, from: 'merge', events: ['pr.merged'] }]);
    expect(stageLabels(lb, issue)).toEqual(['baton:done']);
    expect(card(lb, issue).run!.history.at(-1)).toMatchObject({ from: 'merge', to: 'done', kind: 'done' });
  });

  it('cancels a run whose issue a person closed while the close was never delivered, once', async () => {
    lb = await local();
    const repo = lb.seeded.repo;
    const { issue } = await runToMerge(lb, 5, { closes: false });
    lb.sandbox.dropDeliveries((event) => event === 'issues');
    lb.sandbox.closeIssue(issue, { repo, by: 'alice', reason: 'not_planned' });
    expect(lb.sandbox.dropDeliveries(undefined)).toBe(1);
    await lb.settle();
    expect(card(lb, issue).run).toMatchObject({ status: 'active', stage: 'merge' });

    const report = await lb.baton.reconcile();
    await lb.settle();
    expect(report.found).toEqual([{ repo, issue, from: 'merge', events: ['issue.closed'] }]);
    const { run, count } = card(lb, issue);
    expect(count).toBe(1);
    expect(run).toMatchObject({ status: 'cancelled', stage: 'merge' });
    expect(run!.history.at(-1)).toMatchObject({ event: 'issue.closed', kind: 'cancel' });

    const again = await lb.baton.reconcile({ all: true });
    expect(again.events).toBe(0);
  });

  it('starts a run whose trigger label was never delivered, and leaves runs in step alone', async () => {
    lb = await local();
    const inStep = await runToMerge(lb, 2);
    const repo = lb.seeded.repo;
    const issue = lb.sandbox.createIssue({ title: 'Lost label', body: 'x', by: 'alice', repo }).number;
    lb.sandbox.dropDeliveries((event, p) => event === 'issues' && p.action === 'labeled');
    lb.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
    lb.sandbox.dropDeliveries(undefined);
    await lb.settle();
    expect(card(lb, issue).count).toBe(0);

    const report = await lb.baton.reconcile();
    await lb.settle();
    expect(report.found).toEqual([{ repo, issue, from: null, events: ['issue.labeled'] }]);
    expect(stageLabels(lb, issue)).toEqual(['baton:spec']);
    expect(stageLabels(lb, inStep.issue)).toEqual(['baton:merge']);
  });

  it('a run that moved since the last sweep is not read again (request budget)', async () => {
    lb = await local();
    await runToMerge(lb, 3);
    const first = await lb.baton.reconcile();
    expect(first.runsChecked).toBe(1);
    const { issue, pr } = await runToMerge(lb, 4);
    const second = await lb.baton.reconcile();
    expect(second.runsChecked).toBe(1);
    expect(second.skippedActive).toBe(1);
    expect(stageLabels(lb, issue)).toEqual(['baton:merge']);
    expect(pr).toBeGreaterThan(0);
  });
});
