import { aggregateLedger } from '../../src/llm/costs.js';
import { runCosts, parseSince } from '../../src/cli/costs.js';
import type { LedgerEntry } from '../../src/store/types.js';
import { memoryStore } from '../support/memory-store.js';

const row = (o: Partial<LedgerEntry>): LedgerEntry => ({
  id: Math.random().toString(36),
  at: '2026-03-10T00:00:00.000Z',
  task: 'risk',
  repo: 'acme/web',
  org: 'acme',
  provider: 'openai',
  model: 'gpt-4.1',
  tokensIn: 1000,
  tokensOut: 500,
  costUsd: 0.006,
  latencyMs: 10,
  cacheHit: false,
  ok: true,
  ...o,
});

const entries = [
  row({}),
  row({ task: 'docs', model: 'gpt-4.1-mini', costUsd: 0.0012 }),
  row({ task: 'docs', model: 'gpt-4.1-mini', tokensIn: 0, tokensOut: 0, costUsd: 0, cacheHit: true }),
  row({ repo: 'acme/api', provider: 'offline', model: 'rules', tokensIn: 0, tokensOut: 0, costUsd: 0 }),
  row({ at: '2025-01-01T00:00:00.000Z', costUsd: 5 }),
];

describe('aggregateLedger', () => {
  it('totals by model with effective $/1k tokens', () => {
    const r = aggregateLedger(entries.slice(0, 4), 'model');
    expect(r.total).toMatchObject({ calls: 4, cacheHits: 1, offline: 1, tokensIn: 2000, tokensOut: 1000 });
    expect(r.total.costUsd).toBeCloseTo(0.0072, 12);
    expect(r.total.usdPer1k).toBeCloseTo(0.0024, 12);
    expect(r.rows.map((x) => x.key)).toEqual(['openai/gpt-4.1', 'openai/gpt-4.1-mini', 'offline/rules']);
    expect(r.rows[0]!.usdPer1k).toBeCloseTo(0.004, 12);
  });

  it('groups by task and repo', () => {
    expect(aggregateLedger(entries.slice(0, 4), 'task').rows.map((x) => [x.key, x.calls])).toEqual([
      ['risk', 2],
      ['docs', 2],
    ]);
    expect(aggregateLedger(entries.slice(0, 4), 'repo').rows.map((x) => x.key)).toEqual(['acme/web', 'acme/api']);
  });
});

describe('baton costs', () => {
  const now = () => Date.parse('2026-03-15T00:00:00Z');
  async function run(argv: string[]) {
    const store = memoryStore();
    for (const e of entries) await store.recordLedger(e);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCosts(
      argv,
      { out: (s) => out.push(s), err: (s) => err.push(s) },
      { openStore: () => store, now, env: {} },
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('reports JSON since a window, excluding older rows', async () => {
    const r = await run(['--since', '30d', '--by', 'task', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.by).toBe('task');
    expect(j.total.calls).toBe(4);
    expect(j.total.costUsd).toBeCloseTo(0.0072, 12);
  });

  it('prints a table', async () => {
    const r = await run(['--by=repo']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/acme\/web/);
    expect(r.out).toMatch(/total/);
  });

  it('rejects bad arguments with the fix', async () => {
    expect((await run(['--by', 'colour'])).err).toMatch(/--by must be model, task or repo/);
    expect((await run(['--since', 'yesterday'])).code).toBe(2);
    expect(parseSince('2w', now())).toBe('2026-03-01T00:00:00.000Z');
  });
});

describe('baton costs on the real store', () => {
  it('opens the SQLite store named by BATON_DATA_DIR', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'baton-costs-'));
    try {
      const out: string[] = [];
      const code = await runCosts(
        ['--json'],
        { out: (s) => out.push(s), err: (s) => out.push(s) },
        { env: { BATON_DATA_DIR: dir } },
      );
      expect(code).toBe(0);
      expect(JSON.parse(out[0]!).total.calls).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
