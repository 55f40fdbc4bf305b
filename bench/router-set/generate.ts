// The router bench's labelled set, generated from a seed: `npx tsx bench/router-set/generate.ts` rewrites
// bench/router-set/items.json (committed; test/bench/router-set.test.ts checks it is exactly what this script makes).
// Each item is a change with checkable truths: the true risk level and the facts a good answer must mention, the
// exports a docs summary must cover, the files that exist, and a difficulty score. Difficulty is drawn first and
// the change is drawn from it with noise (size, spread, sensitive paths grow with it), so what Baton can see
// predicts difficulty only roughly. Truths deliberately include things Baton's checks cannot see (a semantic
// concern in the description, a digest that leaves out a number) and a few levels Baton's scorer gets wrong.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from '../../src/report/history.js';
import { metricsFromData } from '../../src/tasks/risk/metrics.js';
import { scoreChange, type RiskLevel } from '../../src/tasks/risk/score.js';

export const ROUTER_SET_SEED = 20261201;
export const ITEMS_PER_TASK = { risk: 140, docs: 110, digest: 70 } as const;

export interface SetFile {
  filename: string;
  status: 'added' | 'modified';
  additions: number;
  deletions: number;
  patch: string;
}

interface Common {
  id: string;
  /** 0 easy … 1 hard: what the scripted models' success depends on. */
  difficulty: number;
}

export interface RiskItem extends Common {
  task: 'risk';
  title: string;
  body: string;
  author: string;
  /** The author's prior commits (Baton's experience metric), and per subsystem. */
  authorCommits: number;
  subsystemCommits: Record<string, number>;
  commitMessages: string[];
  files: SetFile[];
  truth: {
    level: RiskLevel;
    /** Paths a good answer must name (the sensitive paths and manifests). */
    mustName: string[];
    /** A concern stated in the description a good answer must raise (Baton's checks cannot see it). */
    concern?: string;
    files: string[];
  };
}

export interface DocsItem extends Common {
  task: 'docs';
  number: number;
  title: string;
  body: string;
  files: SetFile[];
  truth: {
    exports: string[];
    /** A removed export a good summary must call out as breaking. */
    removed?: string;
    files: string[];
  };
}

export interface DigestFacts {
  week: string;
  current: { finished: number; started: number; medianCycleHours: number; handoffs: number; bounceBacks: number };
  trends: { cycleTimeMedianHours: { delta: number }; runsFinished: { delta: number } };
  fastest: { pr: number; hours: number } | null;
  risksCaught: number;
}

export interface DigestItem extends Common {
  task: 'digest';
  facts: DigestFacts;
  truth: {
    /** Numbers a good paragraph states. */
    numbers: number[];
    /** 'faster' or 'slower': the cycle-time trend a good paragraph gets right. */
    trend: 'faster' | 'slower';
  };
}

export type SetItem = RiskItem | DocsItem | DigestItem;

const AREAS = ['src/api', 'src/web/components', 'src/billing', 'src/search', 'src/lib', 'src/jobs', 'src/notify'];
const SENSITIVE = [
  'src/auth/session.ts',
  'src/auth/tokens.ts',
  'db/migrations/2026_11_add_invoice_state.sql',
  'db/migrations/2026_11_drop_legacy_column.sql',
  '.github/workflows/deploy.yml',
  'infra/main.tf',
  'src/security/csrf.ts',
];
const MANIFESTS = ['package.json', 'package-lock.json'];
const VERBS = ['parse', 'render', 'fetch', 'build', 'apply', 'resolve', 'format', 'load', 'sync', 'score', 'merge'];
const NOUNS = ['Invoice', 'Cart', 'User', 'Session', 'Report', 'Query', 'Token', 'Order', 'Quota', 'Webhook', 'Price'];
const CONCERNS: Array<{ concern: string; says: string }> = [
  { concern: 'race condition', says: 'Two workers can now update the same invoice at the same time.' },
  { concern: 'rollback', says: 'The migration drops the legacy column, so going back means restoring data.' },
  { concern: 'cache invalidation', says: 'Cached prices are kept for an hour even after an edit.' },
  { concern: 'rate limit', says: 'Each page view now calls the search API once per result.' },
  { concern: 'time zone', says: 'Due dates are now computed with the server clock instead of the customer’s.' },
  { concern: 'retry storm', says: 'Failed webhooks are retried immediately, without any back-off.' },
];

const DAY = 86_400_000;
const NOW = new Date('2026-11-30T12:00:00Z');

export function generateRouterSet(seed = ROUTER_SET_SEED): SetItem[] {
  const r = rng(seed);
  const missRoll = rng(seed + 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));
  const round3 = (x: number) => Math.round(x * 1000) / 1000;
  const symbol = () => `${pick(VERBS)}${pick(NOUNS)}${pick(['', 'Async', 'V2', 'Batch', 'Safe'])}`;

  /** Most changes are easy: difficulty skews low. */
  const difficulty = (skew: number) => round3(clamp(r() ** skew, 0, 1));

  function patchFor(name: string, additions: number, deletions: number, exports: string[], removed?: string): string {
    const lines = [`@@ -1,${deletions + 3} +1,${additions + 3} @@`, ` // ${name}`];
    if (removed) lines.push(`-export function ${removed}(input: unknown) {`);
    for (const e of exports) lines.push(`+export function ${e}(input: ${pick(NOUNS)}): ${pick(NOUNS)} {`);
    // Patches are stored up to 16 lines a file: counts carry the full size, the text a sample of it.
    const shown = Math.min(12, Math.max(0, additions - exports.length));
    for (let i = 0; i < Math.min(deletions, 4); i++)
      lines.push(`-  const old${i} = legacy${pick(NOUNS)}(input, ${i});`);
    for (let i = 0; i < shown; i++)
      lines.push(`+  const ${pick(VERBS)}${i} = ${pick(VERBS)}${pick(NOUNS)}(input, { limit: ${10 + i} });`);
    lines.push(' }');
    return lines.join('\n');
  }

  /** A change of the given difficulty: size, spread and sensitive files grow with it, with noise. */
  function change(d: number, opts: { exports?: number; removed?: boolean; sensitive: boolean }) {
    const total = Math.round(clamp(10 ** (0.8 + 2.5 * d + 0.3 * normal()), 2, 4000));
    const nf = Math.round(clamp(1 + 12 * d + 2 * normal(), 1, 24));
    const areas = Math.round(clamp(1 + 4 * d + normal(), 1, AREAS.length));
    const used = [...AREAS].sort(() => r() - 0.5).slice(0, areas);
    const names = new Set<string>();
    while (names.size < nf) names.add(`${pick(used)}/${symbol().replace(/^./, (c) => c.toLowerCase())}.ts`);
    if (r() < 0.6) names.add(`test/${symbol().replace(/^./, (c) => c.toLowerCase())}.test.ts`);
    if (opts.sensitive) {
      const k = 1 + Math.floor(r() * (1 + 2 * d));
      for (let i = 0; i < k; i++) names.add(pick(SENSITIVE));
      if (r() < 0.3 + 0.3 * d) names.add(pick(MANIFESTS));
    }
    const list = [...names];
    const weights = list.map(() => 0.2 + r());
    const wsum = weights.reduce((a, b) => a + b, 0);
    const exports = Array.from({ length: opts.exports ?? 0 }, symbol).filter((x, i, a) => a.indexOf(x) === i);
    const removed = opts.removed ? `${symbol()}Legacy` : undefined;
    const files: SetFile[] = list.map((filename, i) => {
      const lines = Math.max(1, Math.round((total * weights[i]!) / wsum));
      const deletions = Math.round(lines * (0.1 + 0.3 * r()));
      const additions = Math.max(1, lines - deletions);
      const mine = filename.endsWith('.ts') ? exports.filter((_, k) => k % list.length === i) : [];
      return {
        filename,
        status: r() < 0.2 ? 'added' : 'modified',
        additions: additions + mine.length,
        deletions,
        patch: patchFor(filename, additions, deletions, mine, i === 0 ? removed : undefined),
      };
    });
    // Exports only count where they landed in a .ts file.
    const placed = exports.filter((e) => files.some((f) => f.patch.includes(`export function ${e}(`)));
    return { files, exports: placed, removed: removed && files[0]!.patch.includes(removed) ? removed : undefined };
  }

  const items: SetItem[] = [];
  for (let i = 0; i < ITEMS_PER_TASK.risk; i++) {
    const d = difficulty(1.5);
    const { files } = change(d, { sensitive: r() < 0.05 + 0.45 * d });
    const c = r() < 0.15 + 0.5 * d ? pick(CONCERNS) : undefined;
    const title = `${pick(['Add', 'Fix', 'Refactor', 'Speed up', 'Rework'])} ${pick(NOUNS).toLowerCase()} ${pick(['handling', 'checks', 'export', 'sync', 'limits'])}`;
    const body = [`This changes ${files.length} files.`, c?.says ?? ''].filter(Boolean).join(' ');
    const authorCommits = Math.round(clamp(60 * (1 - d) + 25 * normal(), 0, 400));
    const commitMessages = [title, ...(r() < 0.4 ? ['address review comments'] : [])];
    const input = (subsystemCommits: Record<string, number>) => ({
      title,
      body,
      author: 'dev',
      files,
      commitMessages,
      fileHistory: {},
      authorCommits: Array.from({ length: authorCommits }, (_, k) => ({
        sha: `s${k}`,
        author: 'dev',
        date: new Date(NOW.getTime() - (k + 1) * DAY).toISOString(),
      })),
      authorSubsystemCommits: subsystemCommits,
      now: NOW,
    });
    // Authors mostly work where they have worked before; newcomers (harder changes, on average) less so.
    const subsystemCommits: Record<string, number> = {};
    for (const sub of metricsFromData(input({})).subsystems ?? [])
      if (r() < 0.85 - 0.5 * d) subsystemCommits[sub] = Math.round(authorCommits * (0.1 + 0.3 * r()));
    const m = metricsFromData(input(subsystemCommits));
    const baton = scoreChange(m).level;
    // The scorer misses a described concern now and then: the true level is one higher than Baton's.
    // Drawn from its own stream and every time: the rest of the set must not shift when the scorer's levels do.
    const missed = missRoll() < 0.25 && c !== undefined && baton !== 'high';
    const level: RiskLevel = missed ? (baton === 'low' ? 'medium' : 'high') : baton;
    items.push({
      id: `risk-${String(i + 1).padStart(3, '0')}`,
      task: 'risk',
      // A good narrative of a riskier change has more to get right: the true level adds to the difficulty.
      difficulty: round3(clamp(0.75 * d + (level === 'high' ? 0.25 : level === 'medium' ? 0.12 : 0), 0, 1)),
      title,
      body,
      author: 'dev',
      authorCommits,
      subsystemCommits,
      commitMessages,
      files,
      truth: {
        level,
        mustName: [...new Set([...(m.sensitive ?? []), ...(m.deps ?? [])])].slice(0, 8),
        ...(c ? { concern: c.concern } : {}),
        files: files.map((f) => f.filename),
      },
    });
  }
  for (let i = 0; i < ITEMS_PER_TASK.docs; i++) {
    const d = difficulty(1.4);
    const removedApi = r() < 0.1 + 0.4 * d;
    const { files, exports, removed } = change(d, {
      exports: Math.round(clamp(1 + 7 * d + normal(), 1, 10)),
      removed: removedApi,
      sensitive: r() < 0.15,
    });
    items.push({
      id: `docs-${String(i + 1).padStart(3, '0')}`,
      task: 'docs',
      difficulty: d,
      number: 100 + i,
      title: `feat: ${exports[0] ?? 'update'} and friends`,
      body: `Adds ${exports.length} functions.${removed ? ` Removes ${removed}.` : ''}`,
      files,
      truth: { exports, ...(removed ? { removed } : {}), files: files.map((f) => f.filename) },
    });
  }
  for (let i = 0; i < ITEMS_PER_TASK.digest; i++) {
    const d = difficulty(2.5);
    const finished = 2 + Math.floor(r() * 30);
    const median = Math.round((4 + r() * 90) * 10) / 10;
    const delta = Math.round((r() - 0.5) * 30 * 10) / 10 || 1.5;
    const facts: DigestFacts = {
      week: `2026-W${String(10 + (i % 40)).padStart(2, '0')}`,
      current: {
        finished,
        started: finished + Math.floor(r() * 6) - 2,
        medianCycleHours: median,
        handoffs: Math.floor(r() * 40),
        bounceBacks: Math.floor(r() * 6),
      },
      trends: { cycleTimeMedianHours: { delta }, runsFinished: { delta: Math.floor(r() * 10) - 5 } },
      fastest: r() < 0.8 ? { pr: 200 + Math.floor(r() * 800), hours: Math.round(r() * 40 * 10) / 10 } : null,
      risksCaught: Math.floor(r() * 5),
    };
    items.push({
      id: `digest-${String(i + 1).padStart(3, '0')}`,
      task: 'digest',
      difficulty: d,
      facts,
      truth: { numbers: [finished, median, facts.risksCaught], trend: delta < 0 ? 'faster' : 'slower' },
    });
  }
  return items;
}

export const ITEMS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'items.json');

// `--seed N --out FILE` makes a held-out set (to see how the figures move on data the thresholds were not set on).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const seed = Number(arg('--seed') ?? ROUTER_SET_SEED);
  const out = arg('--out') ?? ITEMS_FILE;
  const items = generateRouterSet(seed);
  // One item per line: reviewable diffs when the generator changes, and a file biome need not reformat.
  const lines = items.map((x) => JSON.stringify(x)).join(',\n');
  writeFileSync(out, `{"seed":${seed},"items":[\n${lines}\n]}\n`);
  console.log(`wrote ${items.length} items to ${out}`);
}
