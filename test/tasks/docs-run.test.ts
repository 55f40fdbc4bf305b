import { runDocsTask, prependEntry, docsMarker } from '../../src/tasks/docs/run.js';
import type { TaskContext } from '../../src/tasks/types.js';
import { change, REPO, taskRepo, type TaskRepo } from '../support/sandbox-repo.js';
import { FakeRouter, testFlow, testRun } from './fake-router.js';

let gh: TaskRepo;
afterEach(() => gh?.stop());

const CHANGELOG = '# Changelog\n\n- Older entry (#3)\n';

async function setup(router: FakeRouter, docs?: { changelog: string; pr: boolean }, o: { merged?: boolean } = {}) {
  gh = await taskRepo({ now: new Date('2026-11-20T00:00:00Z'), users: ['pm', 'dev', 'carol'] });
  gh.sb.commitFiles(REPO, 'main', { 'CHANGELOG.md': CHANGELOG }, { by: 'carol', at: '2026-11-01T00:00:00Z' });
  const issue = gh.sb.createIssue({ repo: REPO, title: 'CSV export', author: 'pm' }).number;
  const pr = gh.openPr({
    author: 'dev',
    title: 'feat: export invoices as CSV',
    body: 'Finance asked for CSV exports.\n\nDetails…',
    changes: [change('src/billing/export.ts', 80, 0)],
  }).number;
  if (o.merged !== false) gh.sb.mergePr(pr, { by: 'carol', repo: REPO });
  await gh.sb.settled();
  const flow = testFlow({}, docs);
  const ctx: TaskContext = {
    port: gh.port,
    router,
    flow,
    run: testRun(issue, 'done'),
    pr,
    org: 'acme',
    repo: 'app',
    now: () => new Date(),
    roleMembers: () => ({ users: [], teams: [] }),
  };
  gh.sb.resetCounts();
  return { ctx, issue, pr };
}

const answer = {
  changelog_entry: 'Export invoices as CSV',
  summary: 'Adds CSV export. cc @finance',
  what_changed: ['New export endpoint'],
  why: 'Finance needs it',
  how_to_use: 'Click Export.',
};

test('posts one docs comment on the issue (offline), and not twice', async () => {
  const { ctx, issue, pr } = await setup(new FakeRouter(undefined));
  const r = await runDocsTask(ctx);
  const comments = gh.sb.comments(issue, REPO);
  expect(comments).toHaveLength(1);
  expect(comments[0]?.body.startsWith(docsMarker(pr))).toBe(true);
  expect(comments[0]?.body).toContain(`Export invoices as CSV (#${pr})`);
  expect(comments[0]?.body).toContain('Finance asked for CSV exports.');
  expect(r.offline).toBe(true);
  const writes = gh.writes();
  await runDocsTask(ctx);
  expect(gh.writes()).toBe(writes);
});

test('with pr: true opens a follow-up PR on baton/docs-pr-N with the entry prepended; never writes main; reuses on rerun', async () => {
  const router = new FakeRouter(() => answer);
  const { ctx, issue, pr } = await setup(router, { changelog: 'CHANGELOG.md', pr: true });
  const mainSha = gh.sb.repo(REPO).branches.get('main');
  const r = await runDocsTask(ctx);
  // flow.yml `llm.tasks.docs` decides the tier; the task brings its own check and difficulty.
  expect(router.requests[0]?.tier).toBeUndefined();
  expect(typeof router.requests[0]?.check).toBe('function');
  const branch = `baton/docs-pr-${pr}`;
  // The branch starts at main's head; its one commit is the changelog entry.
  expect(gh.sb.repo(REPO).commits.get(gh.sb.repo(REPO).branches.get(branch)!)?.parents).toEqual([mainSha]);
  expect(gh.writes('PUT /repos/{owner}/{repo}/contents/{path}')).toBe(1);
  expect(gh.sb.fileText('CHANGELOG.md', branch, REPO)).toBe(
    `# Changelog\n\n- Export invoices as CSV (#${pr})\n\n- Older entry (#3)\n`,
  );
  expect(gh.sb.fileText('CHANGELOG.md', 'main', REPO)).toBe(CHANGELOG);
  expect(r.followUpPr).toBeDefined();
  expect(gh.sb.issue(r.followUpPr!, REPO).pull?.headRef).toBe(branch);
  expect(gh.sb.comments(issue, REPO)[0]?.body).toContain('@\u200bfinance');

  const writes = gh.writes();
  const again = await runDocsTask(ctx);
  expect(again.followUpPr).toBe(r.followUpPr);
  expect(gh.writes()).toBe(writes);
});

test('a half-done run (branch already there, PR missing) reuses the branch and does not duplicate the entry', async () => {
  const { ctx, pr } = await setup(new FakeRouter(() => answer), { changelog: 'CHANGELOG.md', pr: true });
  gh.sb.commitFiles(
    REPO,
    `baton/docs-pr-${pr}`,
    { 'CHANGELOG.md': `# Changelog\n\n- Export invoices as CSV (#${pr})\n` },
    { by: 'octo', from: 'main' },
  );
  const r = await runDocsTask(ctx);
  expect(gh.writes('POST /repos/{owner}/{repo}/git/refs')).toBe(0);
  expect(gh.writes('PUT /repos/{owner}/{repo}/contents/{path}')).toBe(0);
  expect(r.followUpPr).toBeDefined();
});

test('an unmerged PR gets no docs', async () => {
  const { ctx } = await setup(new FakeRouter(undefined), undefined, { merged: false });
  await runDocsTask(ctx);
  expect(gh.writes()).toBe(0);
});

test('prependEntry puts the entry under the first heading, once', () => {
  expect(prependEntry('# Changes\n\n- a (#1)\n', 'B', 2)).toBe('# Changes\n\n- B (#2)\n\n- a (#1)\n');
  expect(prependEntry('- a (#1)\n', 'B (#2)', 2)).toBe('- B (#2)\n- a (#1)\n');
  expect(prependEntry('# C\n- B (#2)\n', 'B', 2)).toBe('# C\n- B (#2)\n');
});
