// `npm run bench -- router`: quality at cost, frozen and offline. The committed labelled set
// (bench/router-set/items.json, from the seeded generator next to it) goes through Baton's real request builders
// (risk prompt, docs prompt, digest prompt; their schemas, checks and difficulty) and the real router, SDKs and
// HTTP, against local OpenAI / Gemini servers whose answers depend on the model and the item
// (bench/router-set/world.ts). Policies, all in one run: every single model of the default tier table, Baton's
// defaults, a plain cascade, Baton under a budget that binds (step-down), a random router at equal spend, and the
// oracle (the cheapest model that passes each item). An answer scores 1 when it meets the item's truths; offline
// answers score 0. The single-model policies take each model's answer as it comes (no checks): the frontier a team
// gets by picking one model.
import { readFileSync } from 'node:fs';
import { rng } from '../src/report/history.js';
import { DEFAULT_MAX_USD_PER_1K, DEFAULT_TIERS, type LlmConfig } from '../src/llm/config-schema.js';
import { PRICES_AS_OF } from '../src/llm/prices.js';
import { createRouter, type CostRouter } from '../src/llm/router.js';
import type { LlmRequest, LlmResult } from '../src/llm/types.js';
import { docsRequest, offlineDocs } from '../src/tasks/docs/run.js';
import { riskCheck, riskDifficulty, riskFacts } from '../src/tasks/risk/check.js';
import { metricsFromData } from '../src/tasks/risk/metrics.js';
import { buildRiskPrompt, offlineNarrative, RiskNarrativeSchema } from '../src/tasks/risk/narrative.js';
import { scoreChange } from '../src/tasks/risk/score.js';
import { packDiff } from '../src/tasks/pack/pack.js';
import { DIGEST_SYSTEM, digestCheck } from '../src/report/digest.js';
import type { PullData, PullFile } from '../src/github/port.js';
import type { Store } from '../src/store/types.js';
import { startFakeOpenAI, tokens, type FakeRequest } from '../test/support/fake-openai.js';
import { startFakeGemini } from '../test/support/fake-gemini.js';
import { memoryStore } from '../test/support/memory-store.js';
import { ITEMS_FILE, type SetItem } from './router-set/generate.js';
import { answerText, judge, MODELS, thinkingTokens } from './router-set/world.js';
import { loadConfig } from '../src/config/env.js';

const CONCURRENCY = 8;
const NOW = Date.parse('2026-11-30T12:00:00Z');
const NONCE = 'b3nchn0nce'; // fixed, so prompts (and their token counts) are the same on every run
const RANDOM_SEED = 7;

interface Prepared {
  item: SetItem;
  /** The level Baton's scorer computed (risk items). */
  batonLevel: string;
  base: Omit<LlmRequest<unknown>, 'org' | 'repo' | 'offline'>;
  offline: () => unknown;
}

const asPullFiles = (
  files: Array<{ filename: string; status: string; additions: number; deletions: number; patch: string }>,
) => files.map((f) => ({ ...f, changes: f.additions + f.deletions, sha: 'bench' }) as unknown as PullFile);

async function prepare(item: SetItem): Promise<Prepared> {
  if (item.task === 'risk') {
    const files = asPullFiles(item.files);
    const m = metricsFromData({
      title: item.title,
      body: item.body,
      author: item.author,
      files,
      commitMessages: item.commitMessages,
      fileHistory: {},
      authorCommits: Array.from({ length: item.authorCommits }, (_, k) => ({
        sha: `s${k}`,
        author: item.author,
        date: new Date(Date.parse('2026-11-30T12:00:00Z') - (k + 1) * 86_400_000).toISOString(),
      })),
      authorSubsystemCommits: item.subsystemCommits,
      now: new Date('2026-11-30T12:00:00Z'),
    });
    const score = scoreChange(m);
    const packed = packDiff(files, { budget: 12_000 });
    const { system, prompt } = await buildRiskPrompt({
      title: `${item.title} [${item.id}]`,
      body: item.body,
      commitMessages: item.commitMessages,
      metrics: m,
      score,
      packedDiff: packed.text,
      omitted: packed.omitted,
      nonce: NONCE,
    });
    return {
      item,
      batonLevel: score.level,
      base: {
        task: 'risk',
        system,
        prompt,
        schema: RiskNarrativeSchema,
        check: riskCheck(
          riskFacts(
            m,
            score,
            item.files.map((f) => f.filename),
          ),
        ) as LlmRequest<unknown>['check'],
        difficulty: riskDifficulty(m, score),
      },
      offline: () => offlineNarrative(m, score),
    };
  }
  if (item.task === 'docs') {
    const files = asPullFiles(item.files);
    const pull = { title: `${item.title} [${item.id}]`, body: item.body, number: item.number };
    const r = await docsRequest(pull, files, undefined, NONCE);
    return {
      item,
      batonLevel: '',
      base: r as Prepared['base'],
      offline: () =>
        offlineDocs({ ...pull, additions: 0, deletions: 0 } as unknown as PullData, files, undefined) as unknown,
    };
  }
  const facts = { ...item.facts, item: item.id };
  return {
    item,
    batonLevel: '',
    base: {
      task: 'digest',
      system: DIGEST_SYSTEM,
      prompt: JSON.stringify(facts),
      check: digestCheck(facts),
    },
    offline: () => `In ${item.facts.week} the team finished ${item.facts.current.finished} runs.`,
  };
}

interface Tally {
  rightAccepted: number;
  rightRejected: number;
  wrongAccepted: number;
  wrongRejected: number;
}
const emptyTally = (): Tally => ({ rightAccepted: 0, rightRejected: 0, wrongAccepted: 0, wrongRejected: 0 });

function request(p: Prepared, i: number, withCheck: boolean, tally?: Tally): LlmRequest<unknown> {
  const check = p.base.check;
  return {
    ...p.base,
    check:
      withCheck && check
        ? (a) => {
            const why = check(a);
            if (tally) {
              const right = judge(p.item, a);
              if (right) tally[why ? 'rightRejected' : 'rightAccepted'] += 1;
              else tally[why ? 'wrongRejected' : 'wrongAccepted'] += 1;
            }
            return why;
          }
        : undefined,
    org: 'acme',
    repo: 'acme/web',
    issue: 1 + (i % 50),
    offline: p.offline as () => string,
  };
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

interface PolicyRun {
  quality: number;
  cost_usd: number;
  pass: boolean[];
  cost: number[];
  results: Array<LlmResult<unknown>>;
  router: CostRouter;
  store: Store;
  tally: Tally;
}

const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
const r6 = (x: number) => Math.round(x * 1_000_000) / 1_000_000;

export default async function bench({ log }: { log: (...a: unknown[]) => void }) {
  // ROUTER_SET_FILE: a held-out set made with `generate.ts --seed N --out FILE` (the committed set by default).
  const file = process.env.ROUTER_SET_FILE || ITEMS_FILE;
  const { seed, items } = JSON.parse(readFileSync(file, 'utf8')) as { seed: number; items: SetItem[] };
  const prepared = await Promise.all(items.map(prepare));
  const byId = new Map(prepared.map((p) => [p.item.id, p]));
  const counts: Record<string, number> = {};
  for (const x of items) counts[x.task] = (counts[x.task] ?? 0) + 1;
  log(
    `labelled set: ${items.length} items (${Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}), seed ${seed}`,
  );

  const find = (r: FakeRequest): Prepared => {
    const id = /\b((?:risk|docs|digest)-\d{3})\b/.exec(r.prompt)?.[1];
    const p = id ? byId.get(id) : undefined;
    if (!p) throw new Error(`bench provider: no labelled item in the prompt (${r.prompt.slice(0, 80)}…)`);
    return p;
  };
  const world = (provider: string) => ({
    answer: (r: FakeRequest) => {
      const p = find(r);
      return answerText(`${provider}/${r.model}`, p.item, p.batonLevel, r.maxTokens, tokens);
    },
    usage: (r: FakeRequest) => ({ thinking: thinkingTokens(`${provider}/${r.model}`, find(r).item) }),
  });
  const openai = await startFakeOpenAI(world('openai'));
  const gemini = await startFakeGemini(world('gemini'));
  const env = {
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: `${openai.url}/v1`,
    GEMINI_API_KEY: 'g-bench',
    GEMINI_BASE_URL: gemini.url,
  };
  const llm = loadConfig(env).llm;
  const calls = () => openai.count() + gemini.count();

  async function policy(
    name: string,
    config: LlmConfig,
    withCheck: boolean,
    store: Store = memoryStore(),
  ): Promise<PolicyRun> {
    const router = createRouter({ store, config, llm, now: () => NOW, timeoutMs: 30_000 });
    const tally = emptyTally();
    const results = await runAll(
      router,
      prepared.map((p, i) => request(p, i, withCheck, tally)),
    );
    const pass = results.map((r, i) => !r.offline && judge(prepared[i]!.item, r));
    const cost = results.map((r) => r.costUsd);
    const run = {
      quality: pass.filter(Boolean).length / items.length,
      cost_usd: cost.reduce((a, b) => a + b, 0),
      pass,
      cost,
      results,
      router,
      store,
      tally,
    };
    const byTask = ['risk', 'docs', 'digest'].map((t) => {
      const idx = prepared.map((p, i) => (p.item.task === t ? i : -1)).filter((i) => i >= 0);
      const q = idx.filter((i) => pass[i]).length / idx.length;
      const c = idx.reduce((a, i) => a + cost[i]!, 0);
      return `${t} ${q.toFixed(2)}/$${c.toFixed(3)}`;
    });
    log(
      `${name.padEnd(40)} quality ${run.quality.toFixed(3)}  cost $${run.cost_usd.toFixed(4)}   (${byTask.join(', ')})`,
    );
    return run;
  }

  try {
    const models = Object.values(DEFAULT_TIERS).flat();
    for (const m of models) if (!MODELS[m]) throw new Error(`bench world has no traits for default model ${m}`);
    const pinned = (m: string): LlmConfig => ({
      tiers: { economy: [m], standard: [m], strong: [m] },
      tasks: Object.fromEntries(
        ['risk', 'docs', 'digest'].map((t) => [t, { cascade: false, adaptive: false }]),
      ) as LlmConfig['tasks'],
    });
    const singles: Record<string, PolicyRun> = {};
    for (const m of models) singles[m] = await policy(`single ${m}`, pinned(m), false);

    const batonStore = memoryStore();
    const baton = await policy("Baton's defaults", {}, true, batonStore);
    const cascade = await policy(
      'cascade from economy (not adaptive)',
      { tasks: { risk: { adaptive: false }, docs: { adaptive: false }, digest: { adaptive: false } } },
      true,
    );
    const budgetUsd = r6(baton.cost_usd / 2);
    const budget = await policy(`Baton, repo budget $${budgetUsd}`, { budgets: { repo_monthly_usd: budgetUsd } }, true);
    const budgetSpent = (await budget.store.ledger({})).reduce((s, e) => s + e.costUsd, 0);

    // Replay Baton's run after a "restart" (a new router on the same store): nothing may be billed again.
    const before = calls();
    const replay = await runAll(
      createRouter({ store: batonStore, config: {}, llm, now: () => NOW }),
      prepared.map((p, i) => request(p, i, true)),
    );
    const rebilled = calls() - before;

    // Oracle: the cheapest model whose answer passes each item (judged on the single-model runs).
    const byCost = [...models].sort((a, b) => singles[a]!.cost_usd - singles[b]!.cost_usd);
    let oracleCost = 0;
    let oraclePass = 0;
    prepared.forEach((_, i) => {
      const ok = byCost.filter((m) => singles[m]!.pass[i]);
      const pick = ok.sort((a, b) => singles[a]!.cost[i]! - singles[b]!.cost[i]!)[0] ?? byCost[0]!;
      oracleCost += singles[pick]!.cost[i]!;
      if (ok.length) oraclePass += 1;
    });

    // Random router at equal spend: each item goes to a random model, with weights tilted (one parameter, found by
    // bisection) so the expected spend equals Baton's.
    const mean = models.map((m) => singles[m]!.cost_usd / items.length);
    const weights = (lambda: number) => {
      const w = mean.map((c) => Math.exp(-lambda * (c / Math.max(...mean))));
      const s = w.reduce((a, b) => a + b, 0);
      return w.map((x) => x / s);
    };
    const expected = (lambda: number) =>
      prepared.reduce(
        (s, _, i) => s + weights(lambda).reduce((a, w, k) => a + w * singles[models[k]!]!.cost[i]!, 0),
        0,
      );
    let lo = -50;
    let hi = 50;
    for (let k = 0; k < 80; k++) {
      const mid = (lo + hi) / 2;
      if (expected(mid) > baton.cost_usd) lo = mid;
      else hi = mid;
    }
    const w = weights((lo + hi) / 2);
    const rnd = rng(RANDOM_SEED);
    let randomCost = 0;
    let randomPass = 0;
    prepared.forEach((_, i) => {
      let u = rnd();
      let k = 0;
      while (k < w.length - 1 && u >= w[k]!) u -= w[k++]!;
      randomCost += singles[models[k]!]!.cost[i]!;
      if (singles[models[k]!]!.pass[i]) randomPass += 1;
    });

    const single = models.map((m) => ({ model: m, quality: singles[m]!.quality, cost_usd: singles[m]!.cost_usd }));
    const best = single.reduce((a, b) => (b.quality > a.quality ? b : a));
    const atLeast = single.filter((s) => s.quality >= baton.quality).sort((a, b) => a.cost_usd - b.cost_usd);
    const comparator = atLeast[0] ?? best;
    log(
      `random router at equal spend: quality ${(randomPass / items.length).toFixed(3)} cost $${randomCost.toFixed(4)}; ` +
        `oracle: quality ${(oraclePass / items.length).toFixed(3)} cost $${oracleCost.toFixed(4)}`,
    );
    log(
      `Baton vs best single (${best.model}): quality ×${(baton.quality / best.quality).toFixed(3)}; vs cheapest single at ` +
        `≥ Baton's quality (${comparator.model}): cost ×${(baton.cost_usd / comparator.cost_usd).toFixed(3)}`,
    );

    // Cap: per router, calls flagged by the router, and any ledger entry whose actual $/1k passed the cap.
    const cap = DEFAULT_MAX_USD_PER_1K;
    let capViolations = 0;
    for (const run of [baton, cascade, budget, ...Object.values(singles)]) {
      capViolations += run.router.stats().capViolations;
      capViolations += (await run.store.ledger({})).filter(
        (e) => e.costUsd > 0 && (e.costUsd / (e.tokensIn + e.tokensOut)) * 1000 > cap,
      ).length;
    }
    const t = baton.tally;
    const st = baton.router.stats();
    const tiersUsed: Record<string, number> = {};
    for (const r of baton.results) {
      const id = `${r.provider}/${r.model}`;
      tiersUsed[id] = (tiersUsed[id] ?? 0) + 1;
    }
    const spendBy: Record<string, number> = {};
    for (const e of await baton.store.ledger({}))
      spendBy[`${e.provider}/${e.model}`] = (spendBy[`${e.provider}/${e.model}`] ?? 0) + e.costUsd;
    log(
      `Baton's spend by model: ${Object.entries(spendBy)
        .map(([k, v]) => `${k} $${v.toFixed(4)}`)
        .join(', ')}`,
    );
    log(
      `Baton's answers by model: ${Object.entries(tiersUsed)
        .map(([k, v]) => `${k}×${v}`)
        .join(', ')}`,
    );
    log(
      `Baton: ${st.providerCalls} provider calls for ${items.length} items, ${st.escalations} escalations, ` +
        `${st.checkRejections} answers refused by the checks, ${baton.results.filter((r) => r.unverified).length} unverified kept, ` +
        `${baton.results.filter((r) => r.offline).length} offline; thinking tokens ${st.thinkingTokens}`,
    );
    log(
      `budget $${budgetUsd}: spent $${budgetSpent.toFixed(6)}, ${budget.results.filter((r) => r.offline).length} offline, ` +
        `${budget.router.stats().stepDowns} step-downs; replay: ${replay.filter((r) => r.cached).length}/${items.length} cached, ${rebilled} calls`,
    );

    const policies: Record<string, { quality: number; cost_usd: number }> = {};
    for (const s of single) policies[`single:${s.model}`] = { quality: r4(s.quality), cost_usd: r6(s.cost_usd) };
    policies.baton = { quality: r4(baton.quality), cost_usd: r6(baton.cost_usd) };
    policies.cascade = { quality: r4(cascade.quality), cost_usd: r6(cascade.cost_usd) };
    policies.budget_step_down = { quality: r4(budget.quality), cost_usd: r6(budget.cost_usd) };
    policies.random_equal_spend = { quality: r4(randomPass / items.length), cost_usd: r6(randomCost) };
    policies.oracle = { quality: r4(oraclePass / items.length), cost_usd: r6(oracleCost) };

    return {
      items: items.length,
      items_by_task: counts,
      seed,
      prices_as_of: PRICES_AS_OF,
      policies,
      best_single_model: best.model,
      cost_comparator_model: comparator.model,
      quality_ratio: r4(baton.quality / best.quality),
      cost_ratio: r4(baton.cost_usd / comparator.cost_usd),
      cascade_quality_ratio: r4(cascade.quality / best.quality),
      cascade_cost_ratio: r4(cascade.cost_usd / comparator.cost_usd),
      random_quality_at_equal_spend: r4(randomPass / items.length),
      validator_false_accept_rate: r4(t.wrongAccepted / Math.max(1, t.wrongAccepted + t.wrongRejected)),
      validator_false_reject_rate: r4(t.rightRejected / Math.max(1, t.rightRejected + t.rightAccepted)),
      validator_counts: t,
      baton_provider_calls: st.providerCalls,
      baton_escalations: st.escalations,
      baton_thinking_tokens: st.thinkingTokens,
      baton_offline_answers: baton.results.filter((r) => r.offline).length,
      cap_usd_per_1k: cap,
      cap_violations: capViolations,
      budget_usd: budgetUsd,
      budget_spent_usd: r6(budgetSpent),
      budget_overspend_usd: r6(Math.max(0, budgetSpent - budgetUsd)),
      budget_quality: r4(budget.quality),
      rebilled_calls: rebilled,
    };
  } finally {
    await openai.close();
    await gemini.close();
  }
}
