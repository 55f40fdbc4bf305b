// The coefficients fitted on public JIT data (models/public-jit-pre2017.json): a valid model file that risk.model
// can point to, fitted and validated only on commits before 2017 (later years stay free for evaluation), with its
// source named, and scoring the way defect studies found (bigger, bug-fixing changes riskier).
import { readFileSync } from 'node:fs';
import { checkModel, modelScore, type RiskModel } from '../../src/tasks/risk/model.js';
import { scoreChange } from '../../src/tasks/risk/score.js';
import { scoreWithModel } from '../../src/tasks/risk/score-model.js';

const file = new URL('../../models/public-jit-pre2017.json', import.meta.url);

describe('the shipped public-data model', () => {
  const checked = checkModel(JSON.parse(readFileSync(file, 'utf8')));

  it('is a model file baton risk eval and risk.model accept', () => {
    expect(typeof checked).not.toBe('string');
  });

  it('saw no commit from 2017 on, in training or validation, and says where its data comes from', () => {
    const m = checked as RiskModel;
    expect(Date.parse(m.trainedOn.until)).toBeLessThan(Date.parse('2017-01-01T00:00:00Z'));
    expect(Date.parse(m.validation!.until)).toBeLessThan(Date.parse('2017-01-01T00:00:00Z'));
    expect(m.trainedOn.rows).toBeGreaterThan(40_000);
    expect(m.provenance).toContain('ZZR0/ISSTA21-JIT-DP');
    expect(m.provenance).toMatch(/AUC 0\.743 \(lines added alone 0\.714/);
  });

  it('ranks a large bug-fixing change above a one-line change', () => {
    const m = checked as RiskModel;
    const small = modelScore(m, { la: 1, ld: 0, nf: 1, nd: 1, ns: 1, ndev: 3, age: 30, nuc: 5, exp: 200, sexp: 50 });
    const big = modelScore(m, {
      la: 800,
      ld: 200,
      nf: 12,
      nd: 5,
      ns: 2,
      fix: true,
      ndev: 3,
      age: 30,
      nuc: 5,
      exp: 200,
      sexp: 50,
    });
    expect(big).toBeGreaterThan(small);
  });

  it('gives as reasons the metrics it weighs, also those the built-in scorer does not weigh', () => {
    const m = checked as RiskModel;
    // Many prior changes to the touched files push this model up (nuc), though the built-in gives nuc no weight.
    const change = { la: 200, ld: 20, nf: 4, nd: 2, ns: 1, ndev: 3, age: 30, nuc: 3000, exp: 200, sexp: 50 };
    expect(scoreChange(change).reasons.some((r) => /prior change/.test(r))).toBe(false);
    expect(scoreWithModel(m, change).reasons).toContain('touched files have 3,000 prior changes');
  });
});
