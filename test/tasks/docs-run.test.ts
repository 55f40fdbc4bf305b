import { GitHubPort } from '../../src/github/port.js';
import { runDocsTask, prependEntry, docsMarker } from '../../src/tasks/docs/run.js';
import type { TaskContext } from '../../src/tasks/types.js';
import { FakeGitHub, file } from './fake-github.js';
import { FakeRouter, testFlow, testRun } from './fake-router.js';

function setup(router: FakeRouter, docs?: { changelog: string; pr: boolean }) {
  const gh = new FakeGitHub();
  const port = new GitHubPort(gh.octokit, { owner: 'acme', repo: 'app' });
  const flow = testFlow({}, docs);
  const ctx: TaskContext = {
    port,
    router,
    flow,
    run: testRun(7, 'done'),
    pr: 21,
    org: 'acme',
    repo: 'app',
    now: () => new Date(),
    roleMembers: () => ({ users: [], teams: [] }),
  };
  gh.addPull(
    {
      number: 21,
      title: 'feat: export invoices as CSV',
      body: 'Finance asked for CSV exports.\n\nDetails…',
      merged: true,
      state: 'closed',
      merged_at: '2026-11-20T00:00:00Z',
    },
    [file('src/billing/export.ts', 80, 0)],
  );
  gh.contents.set('main:CHANGELOG.md', { text: '# Changelog\n\n- Older entry (#3)\n', sha: 'blob1' });
  return { gh, ctx };
}

const answer = {
  changelog_entry: 'Export invoices as CSV',
  summary: 'Adds CSV export. cc @finance',
  what_changed: ['New export endpoint'],
  why: 'Finance needs it',
  how_to_use: 'Click Export.',
};

test('posts one docs comment on the issue (offline), and not twice', async () => {
  const { gh, ctx } = setup(new FakeRouter(undefined));
  const r = await runDocsTask(ctx);
  const comments = gh.comments.filter((c) => c.issue === 7);
  expect(comments).toHaveLength(1);
  expect(comments[0]?.body.startsWith(docsMarker(21))).toBe(true);
  expect(comments[0]?.body).toContain('Export invoices as CSV (#21)');
  expect(comments[0]?.body).toContain('Finance asked for CSV exports.');
  expect(r.offline).toBe(true);
  const writes = gh.writes.length;
  await runDocsTask(ctx);
  expect(gh.writes.length).toBe(writes);
});

test('with pr: true opens a follow-up PR on baton/docs-pr-N with the entry prepended; never writes main; reuses on rerun', async () => {
  const router = new FakeRouter(() => answer);
  const { gh, ctx } = setup(router, { changelog: 'CHANGELOG.md', pr: true });
  const r = await runDocsTask(ctx);
  // flow.yml `llm.tasks.docs` decides the tier; the task brings its own check and difficulty.
  expect(router.requests[0]?.tier).toBeUndefined();
  expect(typeof router.requests[0]?.check).toBe('function');
  expect(gh.refs.get('heads/baton/docs-pr-21')).toBe('basesha0001');
  const puts = gh.writesOf('PUT /repos/{owner}/{repo}/contents/{path}');
  expect(puts).toHaveLength(1);
  expect(puts[0]?.branch).toBe('baton/docs-pr-21');
  expect(gh.contents.get('baton/docs-pr-21:CHANGELOG.md')!.text).toBe(
    '# Changelog\n\n- Export invoices as CSV (#21)\n\n- Older entry (#3)\n',
  );
  expect(gh.contents.get('main:CHANGELOG.md')!.text).toBe('# Changelog\n\n- Older entry (#3)\n');
  expect(r.followUpPr).toBeDefined();
  expect(gh.pulls.get(r.followUpPr!)!.head.ref).toBe('baton/docs-pr-21');
  expect(gh.comments[0]?.body).toContain('@\u200bfinance');

  const writes = gh.writes.length;
  const again = await runDocsTask(ctx);
  expect(again.followUpPr).toBe(r.followUpPr);
  expect(gh.writes.length).toBe(writes);
});

test('a half-done run (branch already there, PR missing) reuses the branch and does not duplicate the entry', async () => {
  const { gh, ctx } = setup(new FakeRouter(() => answer), { changelog: 'CHANGELOG.md', pr: true });
  gh.refs.set('heads/baton/docs-pr-21', 'basesha0001');
  gh.contents.set('baton/docs-pr-21:CHANGELOG.md', {
    text: '# Changelog\n\n- Export invoices as CSV (#21)\n',
    sha: 'blob2',
  });
  const r = await runDocsTask(ctx);
  expect(gh.writesOf('POST /repos/{owner}/{repo}/git/refs')).toHaveLength(0);
  expect(gh.writesOf('PUT /repos/{owner}/{repo}/contents/{path}')).toHaveLength(0);
  expect(r.followUpPr).toBeDefined();
});

test('an unmerged PR gets no docs', async () => {
  const { gh, ctx } = setup(new FakeRouter(undefined));
  gh.pulls.get(21)!.merged = false;
  await runDocsTask(ctx);
  expect(gh.writes).toHaveLength(0);
});

test('prependEntry puts the entry under the first heading, once', () => {
  expect(prependEntry('# Changes\n\n- a (#1)\n', 'B', 2)).toBe('# Changes\n\n- B (#2)\n\n- a (#1)\n');
  expect(prependEntry('- a (#1)\n', 'B (#2)', 2)).toBe('- B (#2)\n- a (#1)\n');
  expect(prependEntry('# C\n- B (#2)\n', 'B', 2)).toBe('# C\n- B (#2)\n');
});
