// What reviewers read, over real HTTP against the sandbox (real Octokit): the risk comment says each thing once, reads
// bug-fix intent from labels / issue type / titles (never from "Fixes #N"), lists what a model did not see only when
// one read the diff, and is short on low risk (`risk.comment`: compact, full or none).
import { Octokit } from '@octokit/rest';
import { Sandbox, seedDemo } from '../../src/sandbox/index.js';
import { GitHubPort } from '../../src/github/port.js';
import { runRiskTask, RISK_CHECK_NAME } from '../../src/tasks/risk/run.js';
import { runDocsTask } from '../../src/tasks/docs/run.js';
import type { TaskContext } from '../../src/tasks/types.js';
import type { RiskConfig } from '../../src/tasks/risk/config-schema.js';
import { FakeRouter, testFlow, testRun } from './fake-router.js';

const BOT = 'baton-test[bot]';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let sb: Sandbox;
let port: GitHubPort;

beforeAll(async () => {
  sb = new Sandbox({ secret: 's', appId: 4243, botLogin: BOT, clock: () => new Date('2025-02-01T12:00:00Z') });
  seedDemo(sb, {});
  const url = await sb.start();
  port = new GitHubPort(new Octokit({ baseUrl: url, auth: sb.tokenFor(BOT), log: quiet }), {
    owner: 'acme',
    repo: 'web',
  });
});
afterAll(async () => {
  await sb?.stop();
});

function ctx(pr: number, issue: number, risk: RiskConfig = {}, router = new FakeRouter(undefined)): TaskContext {
  const flow = testFlow({ sensitive_paths: ['db/migrations/**', 'src/auth/**'], ...risk });
  flow.roles.senior = { users: ['carol'], teams: [] };
  return {
    port,
    router,
    flow,
    run: testRun(issue, 'build'),
    pr,
    org: 'acme',
    repo: 'web',
    now: () => new Date('2025-02-01T12:00:00Z'),
    roleMembers: (r) => flow.roles[r] ?? { users: [], teams: [] },
  };
}

let n = 0;
function featurePr(
  o: { issueLabels?: string[]; issueType?: string; title?: string; files?: Record<string, string> } = {},
) {
  n++;
  const issue = sb.createIssue({
    title: 'Quantity discounts in the cart',
    body: 'Customers buying 10 or more should get 10% off.',
    by: 'alice',
    ...(o.issueLabels ? { labels: o.issueLabels } : {}),
    ...(o.issueType ? { type: o.issueType } : {}),
  });
  const pr = sb.openPr({
    head: `discounts-${n}`,
    title: o.title ?? 'Quantity discounts',
    body: `Fixes #${issue.number}\n\nAdds a 10% discount from 10 items on.`,
    files: o.files ?? {
      'db/migrations/0002_discounts.sql': 'ALTER TABLE orders ADD COLUMN discount_cents integer;\n',
      'src/auth/session.ts': 'export const SESSION_TTL = 7200;\n',
      'src/pricing/discounts.ts': Array.from({ length: 120 }, (_, i) => `export const tier${i} = ${i};`).join('\n'),
    },
    author: 'bob',
  });
  return { issue: issue.number, pr: pr.number };
}

const riskBody = (pr: number) => sb.comments(pr).find((c) => c.body.includes('<!-- baton:risk pr='))?.body;
const count = (hay: string, needle: string) => hay.split(needle).length - 1;

test('"Fixes #N" is a link, not a bug fix; a sensitive path is named once; offline lists nothing "left out"', async () => {
  const { issue, pr } = featurePr();
  await runRiskTask(ctx(pr, issue));
  const body = riskBody(pr)!;
  expect(body).toMatch(/^### 🔴 Baton risk: \*\*high\*\* \(\d\.\d\d\): needs a `senior` approval before merge$/m);
  expect(body).not.toMatch(/bug-fix|original bug/);
  expect(count(body, 'db/migrations/0002_discounts.sql')).toBe(1);
  expect(count(body, 'src/auth/session.ts')).toBe(1);
  expect(body).not.toContain('Left out of the diff');
  expect(body).toContain('Offline mode');
  // One experience line at most.
  expect(body.split('\n').filter((l) => /^- author/.test(l)).length).toBeLessThanOrEqual(1);
  expect(body).toContain('- [ ] Run the migration forward and back');
});

test.each([
  ['a bug label on the issue', { issueLabels: ['bug'] }],
  ['the issue type Bug', { issueType: 'Bug' }],
  ['a fix title', { title: 'fix: discounts apply twice' }],
])('bug-fix intent from %s', async (_what, o) => {
  const { issue, pr } = featurePr(o);
  await runRiskTask(ctx(pr, issue));
  const body = riskBody(pr)!;
  expect(body).toContain('bug-fix change');
  expect(body).toContain('Reproduce the original bug');
});

const tiny = { 'src/pricing/round.ts': 'export const round = (x: number) => Math.round(x * 100) / 100;\n' };

test('low risk: compact by default (three lines), full on request', async () => {
  const a = featurePr({ files: tiny });
  const r = await runRiskTask(ctx(a.pr, a.issue));
  expect(r.level).toBe('low');
  const compact = riskBody(a.pr)!;
  const visible = compact.split('\n').filter((l) => l.trim() && !l.startsWith('<!--'));
  expect(visible).toHaveLength(3);
  expect(visible[0]).toMatch(/^### 🟢 Baton risk: \*\*low\*\* \(\d\.\d\d\): routine change$/);
  expect(visible[1]).toMatch(/^\*\*Why:\*\* .+ · \*\*Test:\*\* /);
  const b = featurePr({ files: tiny });
  await runRiskTask(ctx(b.pr, b.issue, { comment: 'full' }));
  expect(riskBody(b.pr)).toMatch(/\*\*Why\*\*\n- /);
  expect(riskBody(b.pr)).toContain('**What to test**');
});

test('low risk with `risk.comment: none`: no comment, no model call, the check still says the level', async () => {
  const { issue, pr } = featurePr({ files: tiny });
  const router = new FakeRouter(() => ({ summary: 'x', concerns: [], what_to_test: [], reviewer_focus: [] }));
  const r = await runRiskTask(ctx(pr, issue, { comment: 'none' }, router));
  expect(r.level).toBe('low');
  expect(riskBody(pr)).toBeUndefined();
  expect(router.requests).toHaveLength(0);
  const [check] = await port.listCheckRuns(r.headSha!, RISK_CHECK_NAME);
  expect(check).toMatchObject({ conclusion: 'success' });
});

test('with a model: its summary and concerns fill the same template', async () => {
  const { issue, pr } = featurePr();
  const router = new FakeRouter(() => ({
    level: 'high',
    summary: 'Adds a discount column and touches session expiry.',
    concerns: [{ text: 'NOT NULL column without a default locks the table', file: 'db/migrations/0002_discounts.sql' }],
    what_to_test: ['Apply the migration on a copy of production'],
    reviewer_focus: ['Session TTL change in src/auth/session.ts'],
  }));
  await runRiskTask(ctx(pr, issue, {}, router));
  const body = riskBody(pr)!;
  expect(body).toContain('Adds a discount column and touches session expiry.');
  expect(body).toContain('**Where to look**');
  expect(body).toContain('- [ ] Apply the migration on a copy of production');
  expect(body).toContain('Model: `openai/gpt-test`');
});

describe('the docs summary', () => {
  function docsCtx(pr: number, issue: number, router = new FakeRouter(undefined)): TaskContext {
    const c = ctx(pr, issue, {}, router);
    c.run = testRun(issue, 'done');
    return c;
  }
  const docsBody = (issue: number, pr: number) =>
    sb.comments(issue).find((c) => c.body.includes(`<!-- baton:docs pr=${pr} -->`))?.body;

  test('offline: what changed in terms of the code, why from the issue, how to use it', async () => {
    const issue = sb.createIssue({
      title: 'Export carts as CSV',
      body: 'Finance needs carts in a spreadsheet.',
      by: 'alice',
    });
    const pr = sb.openPr({
      head: `csv-${issue.number}`,
      title: 'feat: CSV export',
      body: `Fixes #${issue.number}\n\nAdds a CSV export of carts.`,
      files: {
        'src/export/csv.ts':
          "export function cartsToCsv(carts: Cart[], sep = ','): string {\n  return '';\n}\nexport const CSV_LIMIT = Number(process.env.CSV_EXPORT_LIMIT ?? 1000);\n",
        'src/api/routes.ts': "router.get('/api/carts.csv', (req, res) => res.send(cartsToCsv([])));\n",
        'db/migrations/0003_exports.sql':
          'CREATE TABLE exports (id serial primary key);\nALTER TABLE carts ADD COLUMN exported_at timestamptz;\n',
        'test/export/csv.test.ts': "test('csv', () => {});\n",
      },
      author: 'bob',
    });
    sb.mergePr(pr.number, { by: 'carol' });
    await runDocsTask(docsCtx(pr.number, issue.number));
    const body = docsBody(issue.number, pr.number)!;
    expect(body).toMatch(new RegExp(`^### 📝 Docs for #${pr.number}: feat: CSV export$`, 'm'));
    expect(body).toContain('- New or changed exports in `src/export/csv.ts`: `cartsToCsv`, `CSV_LIMIT`');
    expect(body).toContain('- HTTP endpoint `GET /api/carts.csv`');
    expect(body).toContain('- Configuration: reads `CSV_EXPORT_LIMIT` from the environment');
    expect(body).toContain(
      '- Migration `db/migrations/0003_exports.sql`: creates table `exports`, adds column `carts.exported_at`',
    );
    expect(body).toContain(`From #${issue.number} "Export carts as CSV": Finance needs carts in a spreadsheet.`);
    expect(body).toContain('**How to use it**');
    expect(body).toContain("- Call `cartsToCsv(carts: Cart[], sep = ',')` from `src/export/csv.ts`.");
    expect(body).toContain('- Set `CSV_EXPORT_LIMIT` in the environment.');
    expect(body).toContain('- Apply the migration `db/migrations/0003_exports.sql` before deploying.');
    // No list of directory names standing in for what changed.
    expect(body).not.toMatch(/^- `src\/export`$/m);
  });

  test("the PR's own usage section is how to use it; a model's answer fills the same template", async () => {
    const issue = sb.createIssue({ title: 'Dark mode', body: 'Users want a dark theme.', by: 'alice' });
    const pr = sb.openPr({
      head: `dark-${issue.number}`,
      title: 'Dark mode',
      body: `Closes #${issue.number}\n\nAdds a dark theme.\n\n## Usage\n\nPick *Dark* under Settings → Appearance.\n\n## Notes\n\ninternal`,
      files: { 'src/theme.ts': "export const dark = { bg: '#000' };\n" },
      author: 'bob',
    });
    sb.mergePr(pr.number, { by: 'carol' });
    await runDocsTask(docsCtx(pr.number, issue.number));
    const offline = docsBody(issue.number, pr.number)!;
    expect(offline).toContain('**How to use it**\n\nPick *Dark* under Settings → Appearance.\n\n**Changelog entry**');

    const other = sb.createIssue({ title: 'Light mode', body: 'And a light one.', by: 'alice' });
    const pr2 = sb.openPr({
      head: `light-${other.number}`,
      title: 'Light mode',
      body: `Closes #${other.number}`,
      files: { 'src/light.ts': "export const light = { bg: '#fff' };\n" },
      author: 'bob',
    });
    sb.mergePr(pr2.number, { by: 'carol' });
    const router = new FakeRouter(() => ({
      changelog_entry: 'Add a light theme',
      summary: 'Adds a light theme.',
      what_changed: ['New export `light` in src/light.ts'],
      why: 'Users asked for a light theme.',
      how_to_use: '',
    }));
    await runDocsTask(docsCtx(pr2.number, other.number, router));
    const model = docsBody(other.number, pr2.number)!;
    expect(model).toContain('- New export `light` in src/light.ts');
    // The model left how-to-use empty: the facts fill it.
    expect(model).toContain('**How to use it**\n\n- Import `light` from `src/light.ts`.');
    expect(model).toContain('Model: `openai/gpt-test`');
  });
});
