// Fitting the scorer to a team's history: time-ordered validation, both metric conventions, and the CLI round trip
// (`risk fit` writes a model, `risk eval` measures it on changes after its training window).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRisk } from '../../src/cli/risk.js';
import { parseMetricsLines } from '../../src/tasks/risk/history.js';
import { auc, checkModel, fitLogistic, fitModel, modelScore, timeSplit } from '../../src/tasks/risk/model.js';
import { syntheticHistory } from '../../src/tasks/risk/synthetic-history.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-risk-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
}

const rowsOf = (text: string) =>
  parseMetricsLines(text).rows.map((r) => ({ metrics: r.metrics, buggy: r.buggy!, at: r.at! }));

describe('the model', () => {
  it('AUC is Mann–Whitney with ties counted half', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBe(0.75);
    expect(auc([1, 1], [true, false])).toBe(0.5);
    expect(auc([1, 2], [true, true])).toBeNull();
  });

  it('recovers the sign of a planted effect, and L2 shrinks it', () => {
    const X = Array.from({ length: 400 }, (_, i) => [Math.sin(i) * 2, Math.cos(i * 7)]);
    const y = X.map(([a]) => (a! > 0.3 ? 1 : 0));
    const loose = fitLogistic(X, y, 0.01);
    const tight = fitLogistic(X, y, 100);
    expect(loose.coef[0]).toBeGreaterThan(1);
    expect(Math.abs(tight.coef[0]!)).toBeLessThan(Math.abs(loose.coef[0]!));
  });

  it('on a held-out later period it ranks at least as well as lines added alone', () => {
    const text = syntheticHistory({ rows: 2000, seed: 7 })
      .map((l) => JSON.stringify(l))
      .join('\n');
    const { train, test } = timeSplit(rowsOf(text), 0.3);
    expect(Math.max(...train.map((r) => r.at))).toBeLessThan(Math.min(...test.map((r) => r.at)));
    const model = fitModel(train);
    const labels = test.map((r) => r.buggy);
    const m = auc(
      test.map((r) => modelScore(model, r.metrics)),
      labels,
    )!;
    const la = auc(
      test.map((r) => r.metrics.la),
      labels,
    )!;
    expect(m).toBeGreaterThanOrEqual(la);
    expect(m).toBeGreaterThan(0.65);
    expect(checkModel(JSON.parse(JSON.stringify(model)))).toEqual(model);
  });
});

describe('metric conventions', () => {
  it('detects Commit Guru floats and entropy in bits, and normalises the entropy', () => {
    const guru = parseMetricsLines(
      [
        JSON.stringify({
          la: 10,
          ld: 2,
          nf: 4,
          entrophy: 1.5,
          ndev: 2.5,
          contains_bug: 'True',
          author_date_unix_timestamp: 1300000000,
        }),
        JSON.stringify({
          la: 1,
          ld: 0,
          nf: 1,
          entrophy: 0,
          ndev: 1,
          contains_bug: 'False',
          author_date_unix_timestamp: 1300000100,
        }),
      ].join('\n'),
    );
    expect(guru.convention).toBe('commit-guru');
    expect(guru.because).toMatch(/entropy 1\.5 > 1 on line 1/);
    expect(guru.rows[0]!.metrics.entropy).toBeCloseTo(0.75);
    expect(guru.rows[0]!.buggy).toBe(true);
    expect(guru.rows[0]!.at).toBe(1_300_000_000_000);
    const kamei = parseMetricsLines(JSON.stringify({ la: 10, ld: 2, nf: 4, entropy: 0.5, ndev: 2 }));
    expect(kamei.convention).toBe('kamei');
    expect(kamei.rows[0]!.metrics.entropy).toBe(0.5);
    // A flag overrides the detection.
    expect(
      parseMetricsLines('{"la":1,"ld":0,"nf":2,"entropy":0.5}', { convention: 'commit-guru' }).rows[0]!.metrics.entropy,
    ).toBe(0.5);
  });

  it('`risk --metrics` accepts PyDriller-style averaged floats and says which convention it assumed', async () => {
    const f = join(dir, 'guru.jsonl');
    writeFileSync(
      f,
      `${JSON.stringify({ la: 40, ld: 3, nf: 3, ndev: 2.67, nuc: 4.33, age: 12.5, sexp: 3.5, entropy: 1.2 })}\n`,
    );
    const t = io();
    expect(await runRisk(['--metrics', f], t.io)).toBe(0);
    expect(JSON.parse(t.out[0]!).score).toBeGreaterThan(0);
    expect(t.err.join('\n')).toMatch(/commit-guru convention \(entropy 1\.2 > 1 on line 1\)/);
  });
});

describe('baton risk fit / eval', () => {
  it('fit writes a model for risk.model; eval on the later changes prints AUC ≥ lines added alone', async () => {
    const hist = join(dir, 'history.jsonl');
    writeFileSync(
      hist,
      `${syntheticHistory({ rows: 1500, seed: 11 })
        .map((l) => JSON.stringify(l))
        .join('\n')}\n`,
    );
    const model = join(dir, 'model.json');
    const f = io();
    expect(await runRisk(['fit', '--history', hist, '--out', model], f.io)).toBe(0);
    expect(f.out.join('\n')).toMatch(/held out the newest 450 .*: AUC 0\.\d{3}/);
    expect(checkModel(JSON.parse(readFileSync(model, 'utf8')))).not.toEqual(expect.any(String));

    const e = io();
    expect(await runRisk(['eval', '--history', hist, '--model', model, '--json'], e.io)).toBe(0);
    const figs = JSON.parse(e.out[0]!);
    expect(figs.rows).toBe(450);
    expect(figs.auc).toBeGreaterThanOrEqual(figs.auc_lines_added);
    expect(figs.recall_at_high).toBeGreaterThan(0);
    // The built-in coefficients are measured at the same share, beside lines added alone.
    expect(figs.recall_default_coefficients_same_share).toBeGreaterThan(0);
    expect(figs.precision_default_coefficients_same_share).toBeGreaterThan(0);
    expect(figs.flagged_share).toBeGreaterThan(0.03);
    expect(figs.flagged_share).toBeLessThan(0.2);

    const text = io();
    expect(await runRisk(['eval', '--history', hist, '--model', model], text.io)).toBe(0);
    expect(text.out.join('\n')).toMatch(/AUC\s+0\.\d{3}\s+\(lines added alone: 0\.\d{3}/);
    expect(text.out.join('\n')).toMatch(/recall at high\s+\d+\.\d%.*default coefficients \d+\.\d%/);

    // --metrics with the model scores with it.
    const m = join(dir, 'one.jsonl');
    writeFileSync(m, `${JSON.stringify({ la: 900, ld: 300, nf: 30, entropy: 0.9, fix: true, exp: 0, sexp: 0 })}\n`);
    const s = io();
    expect(await runRisk(['--metrics', m, '--model', model], s.io)).toBe(0);
    expect(JSON.parse(s.out[0]!).level).toBe('high');
  });

  it('too little or unlabelled history is refused with what is needed', async () => {
    const hist = join(dir, 'small.jsonl');
    writeFileSync(
      hist,
      `${JSON.stringify({ la: 1, ld: 0, nf: 1, buggy: true, at: '2020-01-01' })}\n{"la":2,"ld":0,"nf":1}\n`,
    );
    const t = io();
    expect(await runRisk(['fit', '--history', hist], t.io)).toBe(2);
    expect(t.err.join('\n')).toMatch(/1 line\(s\) without `buggy`.*line 2/);
    expect(t.err.join('\n')).toMatch(/too little history.*at least 50 changes/);
  });
});
