// `npm run bench -- router`: the cost router on a fixed workload of real diffs (this repository's `git log -p`,
// split per file and hunk into ≥200 prompts), against local fake OpenAI/Gemini servers whose usage matches real
// token counts. Measures $/1k tokens routed vs. everything on gpt-4o, cap violations, budget overspend with a
// budget that binds, re-billing on replay, and completion with 30% of provider calls failing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { createRouter, type CostRouter } from '../src/llm/router.js';
import { PRICES_AS_OF } from '../src/llm/prices.js';
import type { LlmConfig } from '../src/llm/config-schema.js';
import type { LlmRequest, LlmResult } from '../src/llm/types.js';
import type { Store } from '../src/store/types.js';
import { startFakeOpenAI, type FakeBehavior, type FakeRequest } from '../test/support/fake-openai.js';
import { startFakeGemini } from '../test/support/fake-gemini.js';
import { memoryStore } from '../test/support/memory-store.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TASKS = 240;
const CHUNK_LINES = 60;
const CONCURRENCY = 8;

const Risk = z.object({ summary: z.string().min(1), level: z.enum(['low', 'medium', 'high']) });

/** Real diffs, split per file and per hunk (long hunks in 60-line pieces); lock files and bench output skipped. */
function diffChunks(): string[] {
  const log = execFileSync('git', ['log', '-p', '--no-color', '--no-ext-diff'], {
    cwd: ROOT,
    maxBuffer: 256 * 1024 * 1024,
  }).toString('utf8');
  const chunks: string[] = [];
  for (const file of log.split(/^diff --git /m).slice(1)) {
    const header = `diff --git ${file.slice(0, file.indexOf('\n'))}`;
    if (/package-lock\.json|bench-results\//.test(header)) continue;
    for (const hunk of file.split(/^(?=@@ )/m).slice(1)) {
      const lines = hunk.split('\n');
      for (let i = 0; i < lines.length; i += CHUNK_LINES) {
        const piece = lines
          .slice(i, i + CHUNK_LINES)
          .join('\n')
          .trim();
        if (piece.length > 80) chunks.push(`${header}\n${piece}`);
      }
    }
  }
  return [...new Set(chunks)];
}

function workload(chunks: string[]): Array<LlmRequest<unknown>> {
  const kinds = ['risk', 'docs', 'digest'] as const;
  return Array.from({ length: TASKS }, (_, i) => {
    const task = kinds[i % 3]!;
    const diff = chunks[i % chunks.length]!;
    const base = { org: 'acme', repo: 'acme/web', issue: 1 + (i % 40), task };
    if (task === 'risk')
      return {
        ...base,
        system: 'You review a pull request diff and rate its risk. Answer JSON {summary, level}.',
        prompt: `<diff>\n${diff}\n</diff>`,
        schema: Risk,
        offline: () => ({ summary: 'Heuristic: sensitive paths and size only.', level: 'medium' }),
      } as LlmRequest<unknown>;
    if (task === 'docs')
      return {
        ...base,
        system: 'Write release-note documentation for this change in Markdown.',
        prompt: diff,
        offline: () => 'Docs: see the diff.',
      };
    return {
      ...base,
      system: 'Summarise this change in two sentences for a weekly digest.',
      prompt: diff,
      offline: () => 'Changed files.',
    };
  });
}

async function openBenchStore(dir: string, log: (...a: unknown[]) => void): Promise<{ store: Store; kind: string }> {
  try {
    const { openStore } = await import('../src/store/index.js');
    return { store: await openStore({ dataDir: dir, env: {} }), kind: 'sqlite' };
  } catch (e) {
    log(`SQLite store unavailable (${(e as Error).message}); using the in-memory store`);
    return { store: memoryStore(), kind: 'memory' };
  }
}

async function runAll(router: CostRouter, reqs: Array<LlmRequest<unknown>>): Promise<Array<LlmResult<unknown>>> {
  const out: Array<LlmResult<unknown>> = new Array(reqs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < reqs.length) {
        const i = next++;
        out[i] = await router.run(reqs[i]!);
      }
    }),
  );
  return out;
}

const sumCost = (rs: Array<LlmResult<unknown>>) => rs.reduce((s, r) => s + r.costUsd, 0);
const billedTokens = async (store: Store) => (await store.ledger({})).reduce((s, e) => s + e.tokensIn + e.tokensOut, 0);
const per1k = (usd: number, tokens: number) => (tokens ? (usd / tokens) * 1000 : 0);

export default async function bench({ log }: { log: (...a: unknown[]) => void }) {
  const chunks = diffChunks();
  const reqs = workload(chunks);
  log(`workload: ${reqs.length} tasks from ${chunks.length} distinct diff chunks of this repo's git history`);

  // Answers take about half the allowed output, like real summaries; a seeded 30% of calls fail in the last pass.
  let failing = false;
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const kinds: FakeBehavior[] = [
    { kind: 'rate_limit', retryAfterSec: 1 },
    { kind: 'server' },
    { kind: 'malformed' },
    { kind: 'slow', delayMs: 1500 },
    { kind: 'wrong_schema' },
  ];
  let k = 0;
  const behave = (): FakeBehavior | undefined => (failing && rnd() < 0.3 ? kinds[k++ % kinds.length] : undefined);
  const outputTokens = (r: FakeRequest) => Math.ceil(r.maxTokens / 2);
  const openai = await startFakeOpenAI({ behave, outputTokens });
  const gemini = await startFakeGemini({ behave, outputTokens });
  const env = {
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: `${openai.url}/v1`,
    GEMINI_API_KEY: 'g-bench',
    GEMINI_BASE_URL: gemini.url,
  };
  const dirs: string[] = [];
  const stores: Store[] = [];
  const fresh = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-bench-router-'));
    dirs.push(dir);
    const s = await openBenchStore(dir, log);
    stores.push(s.store);
    return s;
  };
  const calls = () => openai.count() + gemini.count();
  const make = (store: Store, config: LlmConfig = {}, timeoutMs = 10_000) =>
    createRouter({ store, config, env, timeoutMs });

  try {
    // 1. Routed with the default tiers.
    const a = await fresh();
    log(`store: ${a.kind}`);
    const routedRouter = make(a.store);
    const routed = await runAll(routedRouter, reqs);
    const routedUsd = sumCost(routed);
    const routedPer1k = per1k(routedUsd, await billedTokens(a.store));
    const cap = 0.03;
    const capViolations =
      routedRouter.stats().capViolations +
      (await a.store.ledger({})).filter((e) => e.costUsd > 0 && per1k(e.costUsd, e.tokensIn + e.tokensOut) > cap)
        .length;
    const byModel = new Map<string, number>();
    for (const r of routed) byModel.set(`${r.provider}/${r.model}`, (byModel.get(`${r.provider}/${r.model}`) ?? 0) + 1);
    log(
      `routed: $${routedUsd.toFixed(4)}, $${routedPer1k.toFixed(5)}/1k tokens; models: ${[...byModel].map(([m, n]) => `${m}×${n}`).join(', ')}`,
    );

    // 2. Replay the same workload after a "restart" (new router, same store): nothing may be billed again.
    const before = calls();
    const replay = await runAll(make(a.store), reqs);
    const rebilled = calls() - before;
    log(`replay: ${replay.filter((r) => r.cached).length}/${reqs.length} from cache, ${rebilled} provider calls`);

    // 3. Every task on the premium model.
    const b = await fresh();
    const premiumConfig: LlmConfig = {
      tiers: { economy: ['openai/gpt-4o'], standard: ['openai/gpt-4o'], strong: ['openai/gpt-4o'] },
    };
    const premium = await runAll(make(b.store, premiumConfig), reqs);
    const premiumUsd = sumCost(premium);
    const premiumPer1k = per1k(premiumUsd, await billedTokens(b.store));
    log(`single premium (gpt-4o): $${premiumUsd.toFixed(4)}, $${premiumPer1k.toFixed(5)}/1k tokens`);

    // 4. A repo budget at half the routed cost: it must bind, and never be overspent.
    const c = await fresh();
    const budget = routedUsd / 2;
    const budgeted = await runAll(make(c.store, { budgets: { repo_monthly_usd: budget } }), reqs);
    const budgetSpent = (await c.store.ledger({})).reduce((s, e) => s + e.costUsd, 0);
    const overspend = Math.max(0, budgetSpent - budget);
    log(
      `budget $${budget.toFixed(4)}: spent $${budgetSpent.toFixed(4)}, ${budgeted.filter((r) => r.offline).length} offline answers, ` +
        `${budgeted.filter((r) => r.notes.some((n) => n.startsWith('step-down'))).length} stepped down`,
    );

    // 5. 30% of provider calls fail (429 / 500 / malformed / timeout / wrong schema).
    const d = await fresh();
    failing = true;
    const failRouter = make(d.store, {}, 400);
    const beforeFail = calls();
    const underFailure = await runAll(failRouter, reqs);
    const failedCalls = (await d.store.ledger({})).filter((e) => e.provider !== 'offline' && !e.ok).length;
    failing = false;
    for (const r of underFailure.filter((x) => x.offline).slice(0, 3)) log(`  offline: ${r.notes.join(' | ')}`);
    const answered = underFailure.filter((r) => r.text.trim().length > 0 && !r.offline).length;
    log(
      `30% failures: ${failedCalls}/${calls() - beforeFail} provider calls failed; ${answered}/${reqs.length} answered by a model, ` +
        `${underFailure.filter((r) => r.offline).length} offline`,
    );

    return {
      tasks: reqs.length,
      distinct_prompts: new Set(reqs.map((r) => r.prompt)).size,
      store: a.kind,
      usd_per_1k_tokens_routed: Number(routedPer1k.toFixed(6)),
      usd_per_1k_tokens_single_premium: Number(premiumPer1k.toFixed(6)),
      cost_ratio: Number((routedPer1k / premiumPer1k).toFixed(4)),
      total_cost_ratio: Number((routedUsd / premiumUsd).toFixed(4)),
      routed_usd: Number(routedUsd.toFixed(6)),
      premium_usd: Number(premiumUsd.toFixed(6)),
      cap_violations: capViolations,
      budget_usd: Number(budget.toFixed(6)),
      budget_spent_usd: Number(budgetSpent.toFixed(6)),
      budget_overspend_usd: Number(overspend.toFixed(9)),
      rebilled_calls: rebilled,
      provider_failure_share: Number((failedCalls / Math.max(1, calls() - beforeFail)).toFixed(3)),
      completed_under_30pct_provider_failures: Number((answered / reqs.length).toFixed(4)),
      prices_as_of: PRICES_AS_OF,
    };
  } finally {
    await openai.close();
    await gemini.close();
    for (const s of stores) await s.close().catch(() => undefined);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
