// Risk task figures: diff packing (packed/raw tokens and time for 1k/10k/50k-line REAL diffs from this repo's history),
// secret-redaction recall on the planted corpus, and the latency of gathering metrics for a 5k-line PR through the
// real Octokit client against the local GitHub sandbox.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Octokit } from '@octokit/rest';
import { packDiff, countTokens } from '../src/tasks/pack/pack.js';
import { parseUnifiedDiff } from '../src/tasks/pack/diff.js';
import { redactionRecall, type CorpusItem } from '../src/tasks/redact/redact.js';
import { computeMetrics } from '../src/tasks/risk/metrics.js';
import { GitHubPort } from '../src/github/port.js';
import { Sandbox } from '../src/sandbox/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUDGET = 12_000;

function realDiffLines(n: number): string {
  const log = execSync('git log -p --no-color', { cwd: root, maxBuffer: 1 << 29 })
    .toString()
    .split('\n');
  let lines = log;
  // The repository's history may be shorter than the largest size: repeat it (still real diff text).
  while (lines.length < n) lines = lines.concat(log);
  return lines.slice(0, n).join('\n');
}

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)] ?? NaN;
}

function loadCorpus(): CorpusItem[] {
  const dir = join(root, 'test', 'fixtures', 'secrets');
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    secrets: Array<{ file: string; secret: string }>;
  };
  const byFile = new Map<string, string[]>();
  for (const s of manifest.secrets) byFile.set(s.file, [...(byFile.get(s.file) ?? []), s.secret]);
  return [...byFile].map(([f, secrets]) => ({ text: readFileSync(join(dir, f), 'utf8'), secrets }));
}

async function metricsLatency(
  log: (...a: unknown[]) => void,
  runs: number,
): Promise<{ p95: number; median: number; files: number; lines: number; requests: number }> {
  const sb = new Sandbox({
    secret: 'bench',
    appId: 1,
    botLogin: 'baton-bench[bot]',
    clock: () => new Date('2026-11-20T00:00:00Z'),
  });
  const nFiles = 40;
  const base: Record<string, string> = {};
  for (let i = 0; i < nFiles; i++)
    base[`src/mod${i % 5}/file${i}.ts`] =
      Array.from({ length: 100 }, (_, j) => `export const v${j} = ${j};`).join('\n') + '\n';
  sb.addRepo('acme/app', { defaultBranch: 'main', files: base, by: 'carol', at: '2026-01-01T00:00:00Z' });
  // History: 5 developers, 60 commits over the year on the touched files.
  const devs = ['carol', 'bob', 'dave', 'erin', 'alice'];
  for (let c = 0; c < 60; c++) {
    const f = `src/mod${c % 5}/file${(c * 7) % nFiles}.ts`;
    sb.commitFiles(
      'acme/app',
      'main',
      { [f]: base[f] + `// rev ${c}\n` },
      {
        by: devs[c % devs.length],
        at: new Date(Date.parse('2026-01-02T00:00:00Z') + c * 5 * 86_400_000).toISOString(),
        message: `change ${c}`,
      },
    );
  }
  const changed: Record<string, string> = {};
  for (let i = 0; i < nFiles; i++)
    changed[`src/mod${i % 5}/file${i}.ts`] =
      base[`src/mod${i % 5}/file${i}.ts`] +
      Array.from({ length: 125 }, (_, j) => `export const w${j} = ${j} * 2;`).join('\n') +
      '\n';
  const pr = sb.openPr({
    head: 'big-change',
    title: 'Big change',
    body: 'fix: many things',
    files: changed,
    author: 'bob',
  });
  const url = await sb.start();
  try {
    const octokit = new Octokit({
      baseUrl: url,
      auth: sb.tokenFor('bob'),
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const times: number[] = [];
    let lines = 0;
    sb.resetCounts();
    for (let i = 0; i < runs; i++) {
      // A fresh port each run: no ETag cache, the cold cost of a first assessment.
      const port = new GitHubPort(octokit, { owner: 'acme', repo: 'app' });
      const t0 = performance.now();
      const pull = await port.getPull(pr.number);
      const m = await computeMetrics(port, pull);
      times.push(performance.now() - t0);
      lines = m.la + m.ld;
    }
    const requests = Math.round(sb.requests().total / runs);
    log(
      `metrics: ${nFiles}-file, ${lines}-line PR, ${runs} runs: p95 ${p95(times).toFixed(1)} ms, ${requests} API requests per run`,
    );
    return {
      p95: p95(times),
      median: [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? NaN,
      files: nFiles,
      lines,
      requests,
    };
  } finally {
    await sb.stop();
  }
}

export default async function bench({ log }: { log: (...a: unknown[]) => void }) {
  const figures: Record<string, number | string> = {};
  for (const n of [1_000, 10_000, 50_000]) {
    const text = realDiffLines(n);
    const t0 = performance.now();
    const files = parseUnifiedDiff(text);
    const packed = packDiff(files, { budget: BUDGET });
    const ms = performance.now() - t0;
    // Exact raw tokens, counted outside the timed section (the packer itself only estimates them on big diffs).
    const raw = files.reduce((a, f) => a + (f.patch ? countTokens(f.patch) : 0), 0);
    const k = `${n / 1000}k`;
    figures[`pack_${k}_packed_tokens`] = packed.tokens;
    figures[`pack_${k}_raw_tokens`] = raw;
    figures[`pack_${k}_ratio`] = Number((packed.tokens / raw).toFixed(4));
    figures[`pack_${k}_ms`] = Number(ms.toFixed(1));
    figures[`pack_${k}_omitted_files`] = packed.omitted.length;
    log(
      `pack ${k} lines: ${files.length} files, raw ${raw} tokens → packed ${packed.tokens} (ratio ${(packed.tokens / raw).toFixed(4)}), ${ms.toFixed(1)} ms, ${packed.omitted.length} omissions`,
    );
  }
  const corpus = loadCorpus();
  const t1 = performance.now();
  const rec = await redactionRecall(corpus);
  figures.redaction_recall = rec.recall;
  figures.redaction_secrets = rec.total;
  figures.redaction_ms = Number((performance.now() - t1).toFixed(1));
  log(
    `redaction: ${rec.total - rec.missed.length}/${rec.total} planted secrets redacted (recall ${rec.recall})${rec.missed.length ? `; missed: ${rec.missed.length}` : ''}`,
  );
  const m = await metricsLatency(log, 20);
  figures.metrics_ms_p95 = Number(m.p95.toFixed(1));
  figures.metrics_ms_median = Number(m.median.toFixed(1));
  figures.metrics_pr_lines = m.lines;
  figures.metrics_api_requests = m.requests;
  figures.pack_budget_tokens = BUDGET;
  return figures;
}
