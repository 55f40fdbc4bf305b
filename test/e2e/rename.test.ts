// A renamed or transferred repository keeps its runs: GitHub keeps the repository id (and its issues and comments)
// and sends the new name; Baton follows the id, so the run goes on and its card is updated, never duplicated.
import { Octokit } from '@octokit/rest';
import { BURST_FLOW } from '../support/burst.js';
import { card, local, stageLabels } from '../support/local.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local;
afterEach(async () => {
  await lb?.cleanup();
});

async function runInBuild(): Promise<number> {
  lb = await local({ flowYml: BURST_FLOW });
  const repo = lb.seeded.repo;
  const issue = lb.sandbox.createIssue({ title: 'Moving house', by: 'alice', repo }).number;
  lb.sandbox.labelIssue(issue, 'flow:burst', { by: 'alice', repo });
  await lb.settle();
  lb.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
  await lb.settle();
  expect(card(lb, issue).run?.stage).toBe('build');
  return issue;
}

async function expectContinued(issue: number, repo: string): Promise<void> {
  lb.sandbox.labelIssue(issue, 'built', { by: 'alice', repo });
  await lb.settle();
  const c = card(lb, issue);
  expect({
    cards: c.count,
    stage: c.run?.stage,
    repo: c.run?.repo,
    history: c.run?.history.map((h) => h.to),
    labels: stageLabels(lb, issue),
  }).toEqual({
    cards: 1,
    stage: 'review',
    repo,
    history: ['spec', 'build', 'review'],
    labels: ['baton:review'],
  });
  expect(await lb.stack.store.kvGet('card', `${repo}#${issue}`)).toBeDefined();
}

describe('renamed and transferred repositories', () => {
  it('a renamed repository: repository.renamed arrives, the run continues under the new name, one card', async () => {
    const issue = await runInBuild();
    lb.sandbox.renameRepo('acme/web', 'shop', { by: 'alice' });
    await lb.settle();
    expect(lb.sandbox.deliveries().some((d) => d.event === 'repository' && d.action === 'renamed')).toBe(true);
    await expectContinued(issue, 'acme/shop');
  }, 60_000);

  it('a transfer whose webhook was lost: the next event under the new name still finds the run by repository id', async () => {
    const issue = await runInBuild();
    lb.sandbox.dropDeliveries((event) => event === 'repository');
    lb.sandbox.transferRepo('acme/web', 'globex', { by: 'alice' });
    lb.sandbox.dropDeliveries(undefined);
    await expectContinued(issue, 'globex/web');
  }, 60_000);

  it('the former name is redirected, as GitHub does: a request that still uses it reaches the repository', async () => {
    lb = await local({ flowYml: BURST_FLOW });
    const issue = lb.sandbox.createIssue({ title: 'Old link', by: 'alice', repo: lb.seeded.repo }).number;
    lb.sandbox.renameRepo('acme/web', 'shop', { by: 'alice' });
    const octokit = new Octokit({ baseUrl: lb.sandbox.url, auth: lb.sandbox.installationToken() });
    const got = await octokit.rest.issues.get({ owner: 'acme', repo: 'web', issue_number: issue });
    expect(got.data.repository_url).toMatch(/\/repos\/acme\/shop$/);
    await octokit.rest.issues.createComment({ owner: 'acme', repo: 'web', issue_number: issue, body: 'still here' });
    expect(lb.sandbox.comments(issue, 'acme/shop').map((c) => c.body)).toContain('still here');
  }, 60_000);
});
