// A synthetic-but-realistic population of changes for calibrating and testing the scorer: sizes are log-normal
// (median ~40 changed lines, long tail), file counts grow with size, authors' experience is log-normal too.
import type { ScoreInput } from '../../src/tasks/risk/score.js';
import { rng } from '../../src/report/history.js';

/** Deterministic PRNG (mulberry32) so the population is the same on every run. */
export { rng };

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

export function population(n: number, seed = 42): ScoreInput[] {
  const r = rng(seed);
  const out: ScoreInput[] = [];
  for (let i = 0; i < n; i++) {
    const churn = Math.max(1, Math.round(Math.exp(Math.log(40) + 1.5 * normal(r))));
    const la = Math.round(churn * (0.5 + 0.4 * r()));
    const nf = Math.max(1, Math.round(Math.exp(Math.log(Math.max(1, churn / 15)) * 0.7 + 0.5 * normal(r))));
    const nd = Math.max(1, Math.min(nf, Math.round(Math.sqrt(nf) * (0.6 + r()))));
    const ns = Math.max(1, Math.min(nd, Math.round(1 + Math.log2(nd) * r())));
    const exp = Math.max(0, Math.round(Math.exp(Math.log(40) + 1.3 * normal(r))));
    out.push({
      la,
      ld: churn - la,
      nf,
      nd,
      ns,
      entropy: nf === 1 ? 0 : 0.5 + 0.45 * r(),
      fix: r() < 0.25,
      ndev: Math.max(0, Math.round(2 + 3 * r())),
      nuc: Math.round(5 + 30 * r()),
      age: Math.round(Math.exp(Math.log(60) + normal(r))),
      exp,
      sexp: Math.round(exp * r() * 0.5),
      sensitive: r() < 0.08 ? ['db/migrations/001.sql'] : [],
      deps: r() < 0.1 ? ['package.json'] : [],
      testsTouched: r() < 0.5 ? 1 : 0,
      codeTouched: nf,
    });
  }
  return out;
}
