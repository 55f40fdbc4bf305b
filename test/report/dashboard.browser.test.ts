// The dashboard in a real headless Chromium, over a SQLite store seeded with transitions.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { SqliteStore } from '../../src/store/sqlite.js';
import { mountDashboard, type Handler } from '../../src/report/dashboard/index.js';
import { findChromium } from '../support/browser.js';
import { run, sampleLedger, sampleTransitions } from './fixtures.js';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const NOW = new Date('2026-01-15T00:00:00Z');
const EVIL = '<img src=x onerror="window.pwned=1">';

const chromiumAt = findChromium();
// Printed, so a skipped browser test is never mistaken for a passing one.
if (!chromiumAt.path) console.warn(`dashboard browser tests SKIPPED: ${chromiumAt.reason}`);
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
  await store.recordTransitions([
    ...sampleTransitions(),
    ...run('acme/web', [
      { issue: 50, to: 'spec', kind: 'start', at: '2026-01-14T00:00:00Z', owners: [EVIL], by: EVIL },
    ]),
  ]);
  for (const e of sampleLedger()) await store.recordLedger(e);
  browser = await chromium.launch({ executablePath: chromiumAt.path, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  for (const s of servers) await new Promise((r) => s.close(r));
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

browserTest('lists runs by current stage, renders charts with data and opens a run timeline', async () => {
  const base = await serve();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${base}/baton?since=30d`);
  await page.waitForSelector('body[data-ready="true"]');

  const columns = await page.$$eval('#board .column', (cols) =>
    cols.map((c) => [
      (c as HTMLElement).dataset.stage,
      Array.from(c.querySelectorAll<HTMLElement>('.card'))
        .map((k) => Number(k.dataset.issue))
        .sort((a, b) => a - b),
    ]),
  );
  expect(columns).toEqual([
    ['spec', [4, 50]],
    ['build', []],
    ['review', [7]],
    ['done', [1, 2, 3, 5, 6, 8]],
  ]);

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
  expect(charts.stage.data[0]).toEqual([8, 13, 12]);
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

  mkdirSync('test-results', { recursive: true });
  await page.click('#timeline button.close');
  await page.screenshot({ path: 'test-results/dashboard.png', fullPage: true });
  console.log('dashboard screenshot: test-results/dashboard.png');

  // The repo filter narrows the board.
  await page.selectOption('#repo', 'acme/api');
  await page.waitForSelector('body[data-ready="true"]');
  const issues = await page.$$eval('#board .card', (l) => l.map((x) => (x as HTMLElement).dataset.issue));
  expect(issues).toEqual(['3']);
  await page.close();
});

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
