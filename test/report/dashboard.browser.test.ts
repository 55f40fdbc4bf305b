// The dashboard in a real headless Chromium, over a SQLite store seeded with transitions.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SqliteStore } from '../../src/store/sqlite.js';
import { mountDashboard, type Handler } from '../../src/report/dashboard/index.js';
import { announceSkip, CHROMIUM_ARGS, findChromium } from '../support/browser.js';
import { ledgerRow, run, sampleLedger, sampleTransitions } from './fixtures.js';

const NOW = new Date('2026-01-15T00:00:00Z');
const EVIL = '<img src=x onerror="window.pwned=1">';
const STAGES = ['spec', 'build', 'review', 'checks', 'merge', 'done'];

const chromiumAt = findChromium();
// Printed, so a skipped browser test is never mistaken for a passing one.
announceSkip('dashboard browser tests', chromiumAt);
const browserTest = chromiumAt.path ? test : test.skip;

let dir: string;
let store: SqliteStore;
let browser: Browser;
const servers: Server[] = [];

async function serve(token?: string): Promise<string> {
  const handlers: Handler[] = [];
  mountDashboard((h) => handlers.push(h), { store, token, now: () => NOW });
  const server = createServer(async (req, res) => {
    for (const h of handlers) if (await h(req, res)) return;
    res.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return `http://127.0.0.1:${addr.port}`;
}

beforeAll(async () => {
  if (!chromiumAt.path) return;
  dir = mkdtempSync(join(tmpdir(), 'baton-dash-'));
  store = new SqliteStore({ dataDir: dir });
  await store.migrate();
  const at = '2026-01-14T06:00:00.000Z';
  await store.recordTransitions([
    ...sampleTransitions(),
    ...run('acme/web', [
      { issue: 50, to: 'spec', kind: 'start', at: '2026-01-14T00:00:00Z', owners: [EVIL], by: EVIL, title: EVIL },
    ]),
    // A cancelled run: set apart, not left in the stage it stopped in.
    ...run('acme/web', [
      { issue: 9, to: 'spec', kind: 'start', at: '2026-01-12T00:00:00Z', title: 'Dropped: dark mode' },
      { issue: 9, to: 'spec', kind: 'cancel', at: '2026-01-12T05:00:00Z' },
    ]),
  ]);
  // Three moves in one second, recorded in flow order; their ids sort the other way round.
  for (const [i, step] of [
    { to: 'spec', from: null, kind: 'start' as const, title: 'Export to CSV', stages: STAGES },
    { to: 'build', from: 'spec', kind: 'forward' as const },
    { to: 'review', from: 'build', kind: 'forward' as const },
  ].entries())
    await store.recordTransitions([
      {
        id: `acme/web#10:${at}:${step.from ?? ''}>${step.to}:${step.kind}:z${9 - i}`,
        repo: 'acme/web',
        issue: 10,
        flow: 'feature',
        event: 'issue.labeled',
        by: 'alice',
        at,
        owners: ['carol'],
        ...step,
      },
    ]);
  for (const e of sampleLedger()) await store.recordLedger(e);
  // The offline rules answered for acme/api: free, so no AI spend there.
  await store.recordLedger({
    ...ledgerRow('2026-01-11T00:00:00Z', 0, 100, 50, 'rules'),
    repo: 'acme/api',
    provider: 'offline',
  });
  browser = await chromium.launch({ executablePath: chromiumAt.path, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  for (const s of servers) await new Promise((r) => s.close(r));
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function boardOf(page: Page) {
  return page.$$eval('#board .column', (cols) =>
    cols.map((c) => [
      (c as HTMLElement).dataset.stage,
      (c as HTMLElement).dataset.kind,
      Array.from(c.querySelectorAll<HTMLElement>('.card'))
        .map((k) => Number(k.dataset.issue))
        .sort((a, b) => a - b),
    ]),
  );
}

browserTest(
  'lists runs by current stage in flow order, renders charts with data and opens a run timeline',
  async () => {
    const base = await serve();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${base}/baton?since=30d`);
    await page.waitForSelector('body[data-ready="true"]');

    // Flow order (the flow's stage list recorded at #10's start), cancelled runs apart at the end.
    expect(await boardOf(page)).toEqual([
      ['spec', 'active', [4, 50]],
      ['build', 'active', []],
      ['review', 'active', [7, 10]],
      ['checks', 'active', []],
      ['merge', 'active', []],
      ['done', 'done', [1, 2, 3, 5, 6, 8]],
      ['cancelled', 'cancelled', [9]],
    ]);
    // Titles on cards (with the repository: the board shows two); a run recorded before titles were kept says what it is instead.
    expect(await page.textContent('.card[data-issue="10"] .title')).toBe('acme/web#10 Export to CSV');
    expect(await page.textContent('.card[data-issue="4"] .title')).toBe('acme/web#4 bugfix run');

    // Finished and cancelled runs are folded: their cards take no room until asked for.
    expect(await page.isVisible('.card[data-issue="1"]')).toBe(false);
    expect(await page.isVisible('.card[data-issue="9"]')).toBe(false);
    expect(await page.textContent('.column[data-stage="done"] .toggle')).toBe('Show 6');
    // The whole board fits the page's width: nothing cut off at the right.
    const overflow = await page.evaluate(() => {
      const b = document.getElementById('board')!;
      return { board: b.scrollWidth - b.clientWidth, page: document.documentElement.scrollWidth - innerWidth };
    });
    expect(overflow).toEqual({ board: 0, page: 0 });

    // One unit per figure: both cycle-time tiles in the same unit.
    const cycle = await page.$$eval('.tile', (ts) =>
      ts.filter((t) => t.textContent!.startsWith('Cycle time')).map((t) => t.querySelector('.value')!.textContent),
    );
    expect(cycle).toEqual(['1.0 d', '2.1 d']); // 24 h and 50.4 h: days for both

    const charts = await page.evaluate(() => {
      const C = (
        window as unknown as {
          Chart: { getChart(id: string): { data: { labels: string[]; datasets: Array<{ data: unknown[] }> } } };
        }
      ).Chart;
      const pick = (id: string) => ({
        labels: C.getChart(id).data.labels,
        data: C.getChart(id).data.datasets.map((d) => d.data),
      });
      return { stage: pick('chart-stage'), trend: pick('chart-trend'), spend: pick('chart-spend') };
    });
    expect(charts.stage.labels).toEqual(['spec', 'build', 'review']);
    // spec: 10, 2, 6 and 5 h (the cancelled #9); build: 14, 10, 12, 18 and #10's 0 h.
    expect(charts.stage.data[0]).toEqual([5.5, 12, 12]);
    expect(await page.textContent('#caption-stage')).toBe('Time in stage (hours, median and p90)');
    expect(charts.trend.labels).toEqual([
      '2025-W48',
      '2025-W49',
      '2025-W50',
      '2025-W51',
      '2025-W52',
      '2026-W01',
      '2026-W02',
      '2026-W03',
    ]);
    expect(charts.trend.data[0]).toEqual([null, null, null, null, null, 24, 36, null]);
    expect(charts.spend.labels).toEqual(['openai/gpt-4o-mini', 'openai/gemini-2.0-flash']);
    expect(await page.isVisible('#spend-empty')).toBe(false);
    // The chart really drew: the canvas has non-blank pixels.
    const painted = await page.evaluate(() => {
      const c = document.getElementById('chart-trend') as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if ((px[i] ?? 0) > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(500);

    // Untrusted strings are shown as text, never run.
    expect(await page.textContent('.card[data-issue="50"]')).toContain(EVIL);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/dashboard-desktop.png', fullPage: true });
    console.log('dashboard screenshot: test-results/dashboard-desktop.png');

    // Three moves in one second, in the order they happened.
    await page.click('.card[data-issue="10"]');
    await page.waitForSelector('#timeline li');
    expect(await page.$$eval('#timeline .step', (l) => l.map((x) => x.textContent))).toEqual([
      'spec (start)',
      'spec → build (forward)',
      'build → review (forward)',
    ]);
    expect(await page.textContent('#timeline h2')).toBe('acme/web#10 Export to CSV');
    await page.click('#timeline button.close');

    await page.click('.column[data-stage="done"] .toggle');
    await page.click('.card[data-issue="1"]');
    await page.waitForSelector('#timeline li');
    const steps = await page.$$eval('#timeline .step', (l) => l.map((x) => x.textContent));
    expect(steps).toEqual([
      'spec (start)',
      'spec → build (forward)',
      'build → review (forward)',
      'review → build (back)',
      'build → review (forward)',
      'review → done (done)',
    ]);
    // Events in words, as the status card says them, not `issue.labeled`.
    const details = await page.$$eval('#timeline .detail', (l) => l.map((x) => x.textContent));
    expect(details[0]).toBe('alice added a label; owners alice');
    await page.click('#timeline button.close');

    // The repo filter narrows the board; there the only answers were the free offline rules: "No AI spend".
    await page.selectOption('#repo', 'acme/api');
    await page.waitForSelector('body[data-ready="true"]');
    const issues = await page.$$eval('#board .card', (l) => l.map((x) => (x as HTMLElement).dataset.issue));
    expect(issues).toEqual(['3']);
    expect(await page.isVisible('#spend-empty')).toBe(true);
    expect(await page.isVisible('#chart-spend')).toBe(false);
    await page.close();
  },
);

browserTest(
  'on a 390 px phone: the header fits, the board stacks its columns and every card is on screen',
  async () => {
    const base = await serve();
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(`${base}/baton?since=30d`);
    await page.waitForSelector('body[data-ready="true"]');
    const layout = await page.evaluate(() => {
      const h = document.querySelector('header')!;
      const inside = (e: Element) => {
        const r = e.getBoundingClientRect();
        return r.left >= 0 && r.right <= innerWidth;
      };
      return {
        pageOverflow: document.documentElement.scrollWidth - innerWidth,
        headerOverflow: h.scrollWidth - h.clientWidth,
        headerInside: Array.from(h.querySelectorAll('h1, label, select, #status')).every(inside),
        columns: Array.from(document.querySelectorAll('#board .column')).map((c) => ({
          inside: inside(c),
          wide: c.getBoundingClientRect().width >= 300,
        })),
        cardsInside: Array.from(document.querySelectorAll('#board .column:not(.folded) .card')).every(inside),
      };
    });
    expect(layout.pageOverflow).toBe(0);
    expect(layout.headerOverflow).toBe(0);
    expect(layout.headerInside).toBe(true);
    expect(layout.columns).toHaveLength(7);
    expect(layout.columns.every((c) => c.inside && c.wide)).toBe(true);
    expect(layout.cardsInside).toBe(true);
    // A card on a phone opens its timeline, full width.
    await page.tap('.card[data-issue="10"]');
    await page.waitForSelector('#timeline li');
    const panel = await page.$eval('#timeline', (p) => p.getBoundingClientRect().width);
    expect(panel).toBe(390);
    await page.click('#timeline button.close');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/dashboard-phone.png', fullPage: true });
    console.log('dashboard screenshot: test-results/dashboard-phone.png');
    await page.close();
  },
);

browserTest(
  'with a token configured: refuses a request without it, accepts ?token= via an HttpOnly cookie',
  async () => {
    const base = await serve('t0ken');
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const refused = await page.goto(`${base}/baton`);
    expect(refused!.status()).toBe(401);
    expect(await page.textContent('body')).toMatch(/BATON_DASHBOARD_TOKEN/);
    const api = await page.goto(`${base}/baton/api/board`);
    expect(api!.status()).toBe(401);

    await page.goto(`${base}/baton?token=t0ken`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(new URL(page.url()).searchParams.get('token')).toBeNull();
    const cookie = (await ctx.cookies()).find((c) => c.name === 'baton_dashboard')!;
    expect(cookie.httpOnly).toBe(true);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await ctx.close();
  },
);
