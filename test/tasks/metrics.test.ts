import { computeMetrics, metricsFromData, changeEntropy, fixIntent } from '../../src/tasks/risk/metrics.js';
import { file } from './pull-file.js';
import { change, taskRepo } from '../support/sandbox-repo.js';

const now = new Date('2026-11-20T00:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();

test('entropy is 0 for one file, 1 for an even split, in between otherwise', () => {
  expect(changeEntropy([10])).toBe(0);
  expect(changeEntropy([5, 5, 5, 5])).toBe(1);
  const skewed = changeEntropy([97, 1, 1, 1]);
  expect(skewed).toBeGreaterThan(0);
  expect(skewed).toBeLessThan(0.3);
});

test('metricsFromData computes Kamei size, diffusion, history, experience and purpose', () => {
  const m = metricsFromData({
    title: 'Fix rounding in invoices',
    body: null,
    author: 'ann',
    files: [
      { filename: 'src/billing/invoice.ts', additions: 30, deletions: 10 },
      { filename: 'src/billing/tax.ts', additions: 10, deletions: 0 },
      { filename: 'db/migrations/042_add_tax.sql', additions: 20, deletions: 0 },
      { filename: 'package.json', additions: 1, deletions: 1 },
      { filename: 'test/billing/invoice.test.ts', additions: 15, deletions: 0 },
    ],
    commitMessages: ['wip'],
    fileHistory: {
      'src/billing/invoice.ts': [
        { sha: 'own1', author: 'ann', date: daysAgo(0) },
        { sha: 'a', author: 'bob', date: daysAgo(10) },
        { sha: 'b', author: 'cid', date: daysAgo(100) },
      ],
      'src/billing/tax.ts': [
        { sha: 'a', author: 'bob', date: daysAgo(30) },
        { sha: 'c', author: 'bob', date: daysAgo(300) },
      ],
    },
    authorCommits: [
      { sha: 'x', author: 'ann', date: daysAgo(0) },
      { sha: 'y', author: 'ann', date: daysAgo(365) },
      { sha: 'own1', author: 'ann', date: daysAgo(0) },
    ],
    authorSubsystemCommits: { 'src/billing': 0, db: 3, '.': 2, test: 1 },
    ownShas: ['own1'],
    now,
  });
  expect(m).toMatchObject({
    la: 76,
    ld: 11,
    nf: 5,
    nd: 4,
    ns: 4,
    fix: true,
    ndev: 2,
    nuc: 3,
    exp: 2,
    sexp: 6,
    testsTouched: 1,
    codeTouched: 3,
  });
  expect(m.age).toBe(20); // files last changed 10 and 30 days ago (the PR's own commit is excluded)
  expect(m.rexp).toBe(1.5); // 1/(1+0) + 1/(1+1)
  expect(m.subsystems).toEqual(['.', 'db', 'src/billing', 'test']);
  expect(m.newSubsystems).toEqual(['src/billing']);
  expect(m.sensitive).toEqual(['db/migrations/042_add_tax.sql']);
  expect(m.deps).toEqual(['package.json']);
  expect(m.entropy).toBeGreaterThan(0.7);
  expect(m.sampled).toEqual({ files: 2, of: 5 });
});

test('custom sensitive globs replace the defaults; fix is false without keywords', () => {
  const m = metricsFromData({
    title: 'Add dark mode',
    author: 'ann',
    files: [
      { filename: 'db/migrations/1.sql', additions: 1, deletions: 0 },
      { filename: 'payments/core.ts', additions: 1, deletions: 0 },
    ],
    commitMessages: ['add toggle'],
    fileHistory: {},
    authorCommits: [],
    authorSubsystemCommits: {},
    now,
    sensitivePaths: ['payments/**'],
  });
  expect(m.sensitive).toEqual(['payments/core.ts']);
  expect(m.fix).toBe(false);
});

test('computeMetrics samples at most N files of history and reads experience through the port', async () => {
  const gh = await taskRepo({ now, users: ['ann', 'bob', 'cid'] });
  try {
    gh.history([
      { login: 'bob', date: daysAgo(5), files: ['src/app/f7.ts', 'src/app/f6.ts'] },
      { login: 'ann', date: daysAgo(50), files: ['src/app/f0.ts'] },
      { login: 'cid', date: daysAgo(9), files: ['src/app/f5.ts'] },
    ]);
    const files = Array.from({ length: 8 }, (_, i) => change(`src/app/f${i}.ts`, 10 + i, 1));
    const pr = gh.openPr({ author: 'ann', title: 'Refactor', changes: files, message: 'fix: crash on save' });
    gh.sb.resetCounts();
    const m = await computeMetrics(gh.port, await gh.port.getPull(pr.number), { maxHistoryFiles: 3, now });
    const pathQueries = gh.sb.requests().byRoute['GET /repos/{owner}/{repo}/commits'];
    // 3 sampled files + 1 author history + 1 subsystem (src/app)
    expect(pathQueries).toBe(5);
    expect(m.sampled).toEqual({ files: 3, of: 8 });
    expect(m.ndev).toBe(2); // bob (f7, f6) and cid (f5): the three largest changes
    expect(m.nuc).toBe(2);
    expect(m.exp).toBe(1);
    expect(m.sexp).toBe(1);
    // A commit subject is not what the PR is for: intent comes from labels, the issue's type and the titles.
    expect(m.fix).toBe(false);
  } finally {
    await gh.stop();
  }
});

test('bug-fix intent comes from labels, the issue type or a title, never from the linking keyword', () => {
  expect(fixIntent({ title: 'Quantity discounts' })).toBe(false);
  expect(fixIntent({ title: 'Fixes #12: quantity discounts' })).toBe(false);
  expect(fixIntent({ title: 'Closes acme/web#12' })).toBe(false);
  expect(fixIntent({ title: 'feat: discounts', issueTitle: 'Discounts in the cart' })).toBe(false);
  expect(fixIntent({ title: 'Fix crash on save' })).toBe(true);
  expect(fixIntent({ title: 'fix(auth): session expiry' })).toBe(true);
  expect(fixIntent({ title: 'Discounts', labels: ['bug'] })).toBe(true);
  expect(fixIntent({ title: 'Discounts', issueLabels: ['type: bug'] })).toBe(true);
  expect(fixIntent({ title: 'Discounts', issueLabels: ['enhancement', 'debugging-tools'] })).toBe(false);
  expect(fixIntent({ title: 'Discounts', issueType: 'Bug' })).toBe(true);
  expect(fixIntent({ title: 'Discounts', issueType: 'Feature' })).toBe(false);
  expect(fixIntent({ title: 'Discounts', issueTitle: 'Cart crashes with 10 items' })).toBe(true);
  // metricsFromData reads the same intent, and a body saying "Fixes #3" does not make a fix.
  const m = metricsFromData({
    title: 'Quantity discounts',
    body: 'Fixes #3',
    author: 'ann',
    files: [file('src/a.ts', 5, 1)],
    commitMessages: ['Fixes #3'],
    fileHistory: {},
    authorCommits: [],
    authorSubsystemCommits: {},
    now,
  });
  expect(m.fix).toBe(false);
});
