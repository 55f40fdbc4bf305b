// The built-in coefficients against public defect data they were not derived from: a random sample of 2017-2018
// commits of five open-source projects (test/fixtures/public-jit/README.md says where from). Lines added alone is the
// baseline any JIT model must beat; the scorer is only worth its terms if it ranks at least as well.
import { readFileSync } from 'node:fs';
import { parseMetricsLines } from '../../src/tasks/risk/history.js';
import { auc } from '../../src/tasks/risk/model.js';
import { scoreChange } from '../../src/tasks/risk/score.js';

const text = readFileSync(new URL('../fixtures/public-jit/sample-2017-2018.jsonl', import.meta.url), 'utf8');

function aucs(t: string, convention?: 'kamei' | 'commit-guru') {
  const parsed = parseMetricsLines(t, convention ? { convention } : {});
  expect(parsed.errors).toEqual([]);
  const labels = parsed.rows.map((r) => r.buggy!);
  return {
    parsed,
    builtIn: auc(
      parsed.rows.map((r) => scoreChange(r.metrics).score),
      labels,
    )!,
    linesAdded: auc(
      parsed.rows.map((r) => r.metrics.la),
      labels,
    )!,
  };
}

test('on held-out public commits the built-in scorer ranks at least as well as lines added alone', () => {
  const { parsed, builtIn, linesAdded } = aucs(text);
  expect(parsed.rows).toHaveLength(500);
  expect(parsed.convention).toBe('commit-guru');
  expect(parsed.rows.filter((r) => r.buggy).length).toBeGreaterThan(50);
  expect(builtIn).toBeGreaterThanOrEqual(linesAdded);
});

test('the same commits in Kamei’s convention (entropy normalised to [0,1]) score the same', () => {
  const kamei = text
    .trim()
    .split('\n')
    .map((l) => {
      const { entrophy, ...r } = JSON.parse(l) as { entrophy: number; nf: number };
      return JSON.stringify({ ...r, entropy: r.nf > 1 ? Math.min(1, entrophy / Math.log2(r.nf)) : 0 });
    })
    .join('\n');
  const a = aucs(text);
  const b = aucs(kamei, 'kamei');
  expect(b.parsed.convention).toBe('kamei');
  expect(b.builtIn).toBeCloseTo(a.builtIn, 2);
});
