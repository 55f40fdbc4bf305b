// The sandbox's issue search (GET /search/issues) through Baton's GitHubPort: the qualifiers the baseline reads,
// closing-keyword links, paging, GitHub's 1,000-result cap, and refusals for what it does not model.
import { Octokit } from '@octokit/rest';
import { GitHubPort } from '../../src/github/port.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { seeded } from './helpers.js';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
let sb: Sandbox;
let port: GitHubPort;
let octokit: Octokit;

const day = (d: number, h = 9) => new Date(Date.UTC(2025, 2, d, h)).toISOString().replace('.000Z', 'Z');

beforeAll(async () => {
  sb = await seeded({ emitAppEvents: false });
  octokit = new Octokit({ baseUrl: sb.url, auth: sb.installationToken(), log: quiet });
  port = new GitHubPort(octokit, { owner: 'acme', repo: 'web' });
});
afterAll(() => sb.stop());

const status = async (p: Promise<unknown>): Promise<number> => {
  try {
    await p;
    return 200;
  } catch (err) {
    return (err as { status: number }).status;
  }
};

test('issues closed as completed and linked by a merged PR, in a closed-time window', async () => {
  const a = sb.createIssue({ title: 'fixed by PR', at: day(1) });
  const b = sb.createIssue({ title: 'closed by hand', at: day(1) });
  const c = sb.createIssue({ title: 'not planned', at: day(1) });
  const d = sb.createIssue({ title: 'fixed later', at: day(1) });
  const pr = sb.openPr({
    head: 'fix-a',
    title: 'Fix',
    body: `Resolves #${a.number}`,
    at: day(2),
    files: { 'x.txt': 'x\n' },
  });
  const later = sb.openPr({
    head: 'fix-d',
    title: 'Fix d',
    body: `fixes acme/web#${d.number}`,
    at: day(4),
    files: { 'y.txt': 'y\n' },
  });
  // Each merge closes the issue its PR fixes, as completed and at the merge (GitHub does; src/sandbox/world.ts).
  sb.mergePr(pr.number, { at: day(3) });
  sb.closeIssue(b.number, { at: day(3), reason: 'completed' });
  sb.closeIssue(c.number, { at: day(3), reason: 'not_planned' });
  sb.mergePr(later.number, { at: day(20) });
  const q = (w: string) => port.searchIssues(`is:issue is:closed linked:pr reason:completed closed:${w}`, 1);
  const march = await q('2025-03-01..2025-03-10');
  expect(march.items.map((i) => i.number)).toEqual([a.number]);
  expect(march.total).toBe(1);
  expect(march.items[0]).toMatchObject({ created_at: day(1), closed_at: day(3), state_reason: 'completed' });
  expect((await q('>=2025-03-10T00:00:00Z')).items.map((i) => i.number)).toEqual([d.number]);
  expect((await q('2025-03-01..*')).total).toBe(2);
  expect((await q('<2025-03-01')).total).toBe(0);
  // The PR side of the link.
  const prs = await port.searchIssues('is:pr is:merged linked:issue', 1);
  expect(prs.items.map((i) => i.number).sort()).toEqual([pr.number, later.number].sort());
});

test('pages of 100 with a next link, and only the first 1,000 results', async () => {
  for (let i = 0; i < 120; i++) sb.createIssue({ title: `bulk ${i}`, at: day(25) });
  const first = await port.searchIssues('is:issue is:open bulk created:2025-03-25', 1);
  expect(first.total).toBe(120);
  expect(first.items).toHaveLength(100);
  expect(first.next).toBe(true);
  const second = await port.searchIssues('is:issue is:open bulk created:2025-03-25', 2);
  expect(second.items).toHaveLength(20);
  expect(second.next).toBe(false);
  expect(await status(port.searchIssues('is:issue', 11))).toBe(422);
});

test('refuses a query it cannot answer as GitHub would, instead of ignoring a filter', async () => {
  expect(await status(port.searchIssues('label:bug', 1))).toBe(422);
  expect(await status(octokit.request('GET /search/issues', { q: 'is:issue' }))).toBe(422);
  expect(await status(octokit.request('GET /search/issues', { q: 'repo:acme/nope is:issue' }))).toBe(422);
  expect(await status(port.searchIssues('closed:yesterday', 1))).toBe(422);
});
