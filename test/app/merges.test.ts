// Every merge Baton hears of is recorded for flow compliance, the ones no run carried included; a PR closed without
// merging is not. Real Probot over HTTP against the sandbox.
import { loadMerges } from '../../src/report/merges.js';
import { computeKpis } from '../../src/report/kpis.js';
import { local } from '../support/local.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local;
afterEach(async () => {
  await lb?.cleanup();
});

it('records merged PRs with and without a run, and the report counts the share a run carried', async () => {
  lb = await local();
  const repo = lb.seeded.repo;
  const sb = lb.sandbox;
  // A run carries one PR to done.
  const issue = sb.createIssue({ title: 'A feature', body: 'please', by: 'alice', repo }).number;
  sb.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
  await lb.settle();
  sb.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
  await lb.settle();
  const carried = sb.openPr({
    repo,
    head: `${issue}-feature`,
    title: 'Feature',
    body: `Fixes #${issue}`,
    author: 'bob',
    files: { 'src/f.ts': 'a\nb\nc\n' },
  });
  await lb.settle();
  sb.submitReview(carried.number, 'carol', 'APPROVED', '', { repo });
  sb.completeChecks(carried.number, 'success', 'ci', { repo });
  await lb.settle();
  sb.mergePr(carried.number, { repo, by: 'carol' });
  await lb.settle();
  // A hotfix merged with no run, and a PR closed unmerged.
  const hotfix = sb.openPr({ repo, head: 'hotfix', title: 'Hotfix', author: 'bob', files: { 'src/h.ts': 'x\n' } });
  sb.mergePr(hotfix.number, { repo, by: 'carol' });
  const dropped = sb.openPr({ repo, head: 'dropped', title: 'Nope', author: 'bob', files: { 'src/d.ts': 'x\n' } });
  sb.closePr(dropped.number, { repo, by: 'bob' });
  await lb.settle();

  const store = lb.stack.store;
  const now = new Date(Date.now() + 60_000).toISOString();
  const since = new Date(Date.now() - 86_400_000).toISOString();
  const merges = await loadMerges(store, [repo], since, now);
  expect(merges.map((m) => [m.pr, m.lines])).toEqual([
    [carried.number, 3],
    [hotfix.number, 1],
  ]);
  const k = computeKpis(await store.transitions({ repo }), [], { since, until: now, merges });
  expect(k.overall.current.mergedPrs).toBe(2);
  expect(k.overall.current.mergedThroughRun).toBe(1);
  expect(k.overall.current.flowCompliance).toBe(0.5);
});
