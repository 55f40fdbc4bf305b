// The sandbox's web view in a real headless Chromium, after the demo played through the real Baton: the issue with
// its status card and docs summary, the PR with the risk comment, reviews and check runs, all rendered from
// Markdown as GitHub renders it; and `baton sandbox act` acting as a person, which the open page picks up.
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_SCENARIO_PATH } from '../../src/sandbox/local-baton.js';
import { parseScenario } from '../../src/sandbox/scenario.js';
import { playScenario, type PlayResult } from '../../src/sandbox/play.js';
import { runSandboxAct } from '../../src/cli/sandbox-act.js';
import { announceSkip, CHROMIUM_ARGS, findChromium } from '../support/browser.js';
import { local } from '../support/local.js';

const chromiumAt = findChromium();
// Printed, so a skipped browser test is never mistaken for a passing one.
announceSkip('sandbox view browser tests', chromiumAt);
const browserTest = chromiumAt.path ? test : test.skip;

let lb: Awaited<ReturnType<typeof local>>;
let browser: Browser;
let demo: PlayResult;

beforeAll(async () => {
  if (!chromiumAt.path) return;
  lb = await local();
  demo = await playScenario(lb, parseScenario(readFileSync(DEMO_SCENARIO_PATH, 'utf8'), DEMO_SCENARIO_PATH));
  browser = await chromium.launch({ executablePath: chromiumAt.path, args: CHROMIUM_ARGS });
  mkdirSync('test-results', { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await lb?.cleanup();
});

/** The comment whose rendered text contains `text` (GitHub's comment anchors: #issuecomment-ID). */
const commentWith = (page: Page, author: string, text: string) =>
  page.locator(`article.comment[data-author="${author}"]`, { hasText: text });

const session = () => ({
  url: lb.sandbox.url,
  viewUrl: lb.sandbox.viewUrl,
  batonUrl: lb.baton.url,
  repo: lb.seeded.repo,
  tokens: lb.peopleTokens,
  pid: process.pid,
});

browserTest('shows the demo issue with its card and docs summary rendered, labels and assignees', async () => {
  expect(demo.ok).toBe(true);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const res = await page.goto(`${lb.sandbox.viewUrl}/${lb.seeded.repo}/issues/${demo.issue}`);
  expect(res!.status()).toBe(200);
  expect(await page.textContent('h1.title')).toContain('Quantity discounts in the cart');

  const card = commentWith(page, 'baton-sandbox[bot]', 'Baton · feature');
  await expect(card.count()).resolves.toBe(1);
  // Rendered, not shown as Markdown: a heading, a list, a folded timeline, and the hidden state block never visible.
  expect(await card.locator('.markdown-body h3, .markdown-body h2').count()).toBeGreaterThan(0);
  expect(await card.locator('.markdown-body li').count()).toBeGreaterThan(2);
  expect(await card.locator('.markdown-body details summary').count()).toBeGreaterThan(0);
  const cardText = ((await card.textContent()) ?? '').trim();
  expect(cardText).not.toMatch(/baton:state|<!--|\*\*/);
  // Links Baton wrote to github.com's pages of this repository open in the view.
  const risk = card.locator('a', { hasText: 'risk comment' });
  expect(await risk.getAttribute('href')).toMatch(/^\/view\/acme\/web\/pull\/\d+#issuecomment-\d+$/);

  const docs = commentWith(page, 'baton-sandbox[bot]', 'Docs for');
  await expect(docs.count()).resolves.toBe(1);
  expect(await docs.locator('a.issue-link').first().getAttribute('href')).toBe(`/view/acme/web/issues/${demo.pr}`);

  const side = (await page.locator('aside.sidebar').textContent()) ?? '';
  expect(side).toMatch(/Labels[\s\S]*flow:feature/);
  expect(side).toMatch(/Assignees/);

  await page.screenshot({ path: 'test-results/sandbox-issue.png', fullPage: true });
  await card.screenshot({ path: 'test-results/card.png' });
  console.log('sandbox view screenshots: test-results/sandbox-issue.png, test-results/card.png');
  await page.close();
});

browserTest('shows the PR with the risk comment, the reviews in order and the check runs', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${lb.sandbox.viewUrl}/${lb.seeded.repo}/pull/${demo.pr}`);
  expect(await page.textContent('.state')).toBe('merged');
  const risk = commentWith(page, 'baton-sandbox[bot]', 'Baton risk');
  await expect(risk.count()).resolves.toBe(1);
  // A task list renders as disabled checkboxes (GitHub's task lists), code spans as <code>.
  expect(await risk.locator('input[type="checkbox"][disabled]').count()).toBeGreaterThan(0);
  expect(await risk.locator('code').count()).toBeGreaterThan(0);

  const reviews = await page.$$eval('article.review', (l) =>
    l.map((a) => [a.getAttribute('data-author'), a.className.replace(/.*review-/, '')]),
  );
  expect(reviews).toEqual([
    ['carol', 'changes_requested'],
    ['carol', 'approved'],
  ]);
  const checks = await page.$$eval('li.check', (l) => l.map((c) => [c.getAttribute('data-check'), c.className]));
  expect(checks).toEqual(
    expect.arrayContaining([
      ['Baton / risk', 'check check-success'],
      ['ci', 'check check-success'],
    ]),
  );
  expect((await page.locator('aside.sidebar').textContent()) ?? '').toMatch(/Reviewers[\s\S]*carol approved/);

  await page.screenshot({ path: 'test-results/sandbox-pr.png', fullPage: true });
  await risk.screenshot({ path: 'test-results/risk-comment.png' });
  console.log('sandbox view screenshots: test-results/sandbox-pr.png, test-results/risk-comment.png');
  await page.close();
});

browserTest(
  '`baton sandbox act` comments as bob; Baton answers him and the open page refreshes to show it',
  async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${lb.sandbox.viewUrl}/${lb.seeded.repo}/issues/${demo.issue}`);
    const before = await page.locator('article.comment').count();

    const out: string[] = [];
    const io = { out: (s: string) => void out.push(s), err: (s: string) => void out.push(`ERR ${s}`) };
    const rc = await runSandboxAct(
      ['--as', 'bob', 'comment', String(demo.issue), '/baton status'],
      io,
      {},
      undefined,
      session(),
    );
    expect(out.join('\n')).toMatch(new RegExp(`bob commented on #${demo.issue}`));
    expect(rc).toBe(0);
    await lb.settle();
    // A person's token: the comment is bob's, and Baton (which ignores its own bot) answered it.
    const comments = lb.sandbox.comments(demo.issue, lb.seeded.repo);
    const mine = comments.findIndex((c) => c.user === 'bob' && c.body === '/baton status');
    expect(mine).toBeGreaterThan(-1);
    expect(comments.slice(mine + 1).some((c) => c.user === 'baton-sandbox[bot]')).toBe(true);

    // The page was not reloaded: its refresh picks the new comments up.
    await page.waitForFunction((n) => document.querySelectorAll('article.comment').length > n, before, {
      timeout: 20_000,
    });
    expect(await commentWith(page, 'bob', '/baton status').count()).toBe(1);
    // A phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: 'test-results/sandbox-issue-phone.png', fullPage: true });
    await page.close();

    // Refusals come back in words, with GitHub's status: erin (read access) cannot merge.
    const err: string[] = [];
    const refused = await runSandboxAct(
      ['--as', 'erin', 'merge', String(demo.pr)],
      { out: (s) => void err.push(s), err: (s) => void err.push(s) },
      {},
      undefined,
      session(),
    );
    expect(refused).toBe(1);
    expect(err.join('\n')).toMatch(/answered 403: Resource not accessible by personal access token/);
  },
);

browserTest('the view is read-only and escapes what people wrote', async () => {
  lb.sandbox.createIssue({ title: '<script>window.pwned=1</script>', body: '<img src=x onerror="window.pwned=1">hi' });
  const issue = Math.max(...[...lb.sandbox.repo(lb.seeded.repo).issues.keys()]);
  const page = await browser.newPage();
  await page.goto(`${lb.sandbox.viewUrl}/${lb.seeded.repo}/issues/${issue}`);
  expect(await page.textContent('h1.title')).toContain('<script>window.pwned=1</script>');
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  expect(await page.locator('.markdown-body img[onerror]').count()).toBe(0);
  // `@login` links go to what that person opened.
  const byBob = await (await fetch(`${lb.sandbox.viewUrl}/${lb.seeded.repo}?author=bob`)).text();
  expect([...byBob.matchAll(/by ([\w-]+)<\/span>/g)].map((m) => m[1])).toEqual(expect.arrayContaining(['bob']));
  expect(byBob).not.toMatch(/by alice<\/span>/);
  const post = await fetch(`${lb.sandbox.viewUrl}/${lb.seeded.repo}`, { method: 'POST' });
  expect(post.status).toBe(405);
  await page.close();
});
